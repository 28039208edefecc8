package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.CodecException;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.codec.Frame;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Regenerates an image with a new head: the new file is the new head compressed as
 * {@link ImageWriter} compresses it, followed by the old file's bytes from the end of its head
 * frame to its end, copied unchanged. The result is byte for byte what {@link ImageWriter} writes
 * for the new head and the same body, and its {@link ImageInfo} is computed without decompressing
 * the body (the body's raw SHA-256 carries over; see {@link ImageInfo}).
 *
 * <p>Cost: compressing one head (about 1 MiB) plus copying the body's compressed bytes. zstd
 * bodies are also walked frame by frame as they are copied (headers only, no decompression) and
 * must have the frame layout the old manifest describes.
 *
 * <p>The output is complete only when the call returns: write it to a temporary name and commit
 * it afterwards.
 */
public final class HeadSwap {
  private static final int COPY_BUFFER_SIZE = 1 << 20;

  private HeadSwap() {}

  /**
   * Swaps the head of the old image read from its first byte. The old head frame is decoded
   * (it is small) and must match the manifest ({@code old}): one frame of exactly
   * {@code headCompressedLength} bytes holding {@code headRawLength} bytes with the recorded
   * SHA-256; the whole old file must have the recorded SHA-256.
   */
  public static ImageInfo swap(ImageInfo old, byte[] newHead, InputStream oldImage, OutputStream out, String name)
      throws IOException {
    checkArguments(old, newHead);
    MessageDigest oldFileDigest = Sha256.newDigest();
    int headFrameLength = Math.toIntExact(old.headCompressedLength());
    byte[] oldHeadFrame = oldImage.readNBytes(headFrameLength);
    if (oldHeadFrame.length < headFrameLength) {
      throw new ImageFormatException(name + ": holds " + oldHeadFrame.length + " bytes, shorter than its head frame ("
          + headFrameLength + " bytes per the manifest)");
    }
    oldFileDigest.update(oldHeadFrame);
    checkOldHead(old, oldHeadFrame, name);
    ImageInfo result = write(old, newHead, oldImage, out, name, oldFileDigest);
    String oldSha = Sha256.hex(oldFileDigest);
    if (!oldSha.equals(old.compressedSha256())) {
      throw new ImageFormatException(name + ": SHA-256 " + oldSha + " differs from the manifest's "
          + old.compressedSha256() + ": the manifest does not describe this file");
    }
    return result;
  }

  /**
   * Swaps the head given only the old file's bytes from {@code old.headCompressedLength()} to its
   * end (a range read, e.g. an S3 GET with {@code Range: bytes=<headCompressedLength>-}).
   */
  public static ImageInfo swapBody(ImageInfo old, byte[] newHead, InputStream oldBody, OutputStream out, String name)
      throws IOException {
    checkArguments(old, newHead);
    return write(old, newHead, oldBody, out, name, null);
  }

  private static void checkArguments(ImageInfo old, byte[] newHead) {
    if (old.singleFrame()) {
      throw new IllegalArgumentException("a single-frame image has no separate head frame: write it again with"
          + " ImageWriter (from the framed image)");
    }
    if (newHead.length != old.headRawLength()) {
      throw new IllegalArgumentException("the new head holds " + newHead.length + " bytes, the old head "
          + old.headRawLength());
    }
    ImageWriter.checkHead(newHead);
  }

  private static void checkOldHead(ImageInfo old, byte[] oldHeadFrame, String name) throws IOException {
    List<Frame> frames = new ArrayList<>();
    MessageDigest headDigest = Sha256.newDigest();
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(oldHeadFrame), name + " (head frame)",
        old.headRawLength(), frames::add)) {
      byte[] buf = new byte[COPY_BUFFER_SIZE];
      int n;
      while ((n = in.read(buf, 0, buf.length)) >= 0) {
        headDigest.update(buf, 0, n);
      }
    } catch (CodecException e) {
      throw new ImageFormatException(name + ": bytes [0, " + old.headCompressedLength() + ") are not the head frame"
          + " the manifest describes: " + e.getMessage(), e);
    }
    long dataFrames = frames.stream().filter(f -> !f.skippable()).count();
    long raw = frames.stream().mapToLong(Frame::rawLength).sum();
    if (dataFrames != 1 || raw != old.headRawLength()) {
      throw new ImageFormatException(name + ": bytes [0, " + old.headCompressedLength() + ") hold " + dataFrames
          + " frames of " + raw + " raw bytes, the manifest describes one head frame of " + old.headRawLength());
    }
    String sha = Sha256.hex(headDigest);
    if (!sha.equals(old.headRawSha256())) {
      throw new ImageFormatException(name + ": head SHA-256 " + sha + " differs from the manifest's "
          + old.headRawSha256());
    }
  }

  private static ImageInfo write(ImageInfo old, byte[] newHead, InputStream oldBody, OutputStream out, String name,
      MessageDigest oldFileDigest) throws IOException {
    byte[] headFrame = ImageWriter.compressHead(old.codec(), old.level(), newHead);
    DigestingOutputStream sink = new DigestingOutputStream(out);
    sink.write(headFrame);
    long expected = old.compressedLength() - old.headCompressedLength();
    BodyCopy copy = new BodyCopy(oldBody, sink, oldFileDigest);
    if (old.codec() == Codec.ZSTD && expected > 0) {
      List<Frame> frames;
      try {
        frames = FrameScanner.scan(copy, name + " (body from offset " + old.headCompressedLength() + ")");
      } catch (CodecException e) {
        throw new ImageFormatException(name + ": the body is not the frames the manifest describes: "
            + e.getMessage(), e);
      }
      checkBodyFrames(old, frames, name);
    } else {
      copy.drain();
      if (expected > 0 && !copy.startsWithGzipMagic()) {
        throw new ImageFormatException(name + ": the body does not start with a gzip member at offset "
            + old.headCompressedLength());
      }
    }
    if (copy.count != expected) {
      throw new ImageFormatException(name + ": the body holds " + copy.count + " compressed bytes, the manifest says "
          + expected);
    }
    sink.flush();
    return new ImageInfo(old.codec(), old.level(), false, old.rawLength(), sink.count(), old.headRawLength(),
        headFrame.length, old.frameCount(), old.bodyFrameRawSize(), Sha256.hex(newHead, 0, newHead.length),
        old.bodyRawChunkedSha256(), sink.sha256());
  }

  private static void checkBodyFrames(ImageInfo old, List<Frame> frames, String name) throws ImageFormatException {
    List<Frame> data = frames.stream().filter(f -> !f.skippable()).toList();
    if (data.size() != old.frameCount() - 1) {
      throw new ImageFormatException(name + ": the body holds " + data.size() + " frames, the manifest says "
          + (old.frameCount() - 1));
    }
    long raw = 0;
    for (int i = 0; i < data.size(); i++) {
      long size = data.get(i).rawLength();
      boolean last = i == data.size() - 1;
      if (size == Frame.UNKNOWN || (last ? size <= 0 || size > old.bodyFrameRawSize() : size != old.bodyFrameRawSize())) {
        throw new ImageFormatException(name + ": body frame " + i + " declares " + size + " raw bytes, the body frame"
            + " size is " + old.bodyFrameRawSize());
      }
      raw += size;
    }
    if (raw != old.bodyRawLength()) {
      throw new ImageFormatException(name + ": the body frames hold " + raw + " raw bytes, the manifest says "
          + old.bodyRawLength());
    }
  }

  /** Everything read through it is written to the new file (and fed to the old file's digest). */
  private static final class BodyCopy extends FilterInputStream {
    private final DigestingOutputStream sink;
    private final MessageDigest oldFileDigest;
    private final byte[] first = new byte[2];
    private long count;

    BodyCopy(InputStream in, DigestingOutputStream sink, MessageDigest oldFileDigest) {
      super(in);
      this.sink = sink;
      this.oldFileDigest = oldFileDigest;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        for (int i = 0; i < n && count + i < first.length; i++) {
          first[(int) count + i] = b[off + i];
        }
        sink.write(b, off, n);
        if (oldFileDigest != null) {
          oldFileDigest.update(b, off, n);
        }
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[(int) Math.min(n, COPY_BUFFER_SIZE)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }

    void drain() throws IOException {
      byte[] buf = new byte[COPY_BUFFER_SIZE];
      while (read(buf, 0, buf.length) >= 0) {
        // copied by read
      }
    }

    boolean startsWithGzipMagic() {
      return count >= 2 && (first[0] & 0xFF) == 0x1F && (first[1] & 0xFF) == 0x8B;
    }
  }
}
