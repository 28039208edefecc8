package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.CodecException;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.codec.Frame;
import dev.gcpt.core.io.PassThroughInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Regenerates an image with a new head. The new head is compressed as {@link ImageWriter}
 * compresses it and padded to its {@link HeadSlot}; the body (the old file's bytes after the old
 * slot) is never decompressed. Two ways to finish:
 * <ul>
 *   <li><b>in place</b> ({@link Swap#inPlace()}): the new slot has the old slot's length, so
 *       writing it over bytes {@code [0, headSlotLength)} of the old file gives the new image; the
 *       body is not even read. Cost: one head compressed and 64 KiB written, whatever the size;
 *   <li><b>copy</b> ({@link #copy}): the new slot, then the old body's bytes copied unchanged
 *       (zstd bodies are walked frame by frame on the way, headers only, and must have the layout
 *       the manifest describes).
 * </ul>
 * Either way the result is byte for byte what {@link ImageWriter} writes for the new head and the
 * same body, and its {@link ImageInfo} is computed without reading the body: the body's raw and
 * file digests carry over (see {@link ImageInfo}).
 *
 * <p>A copied output is complete only when {@link #copy} returns: write it to a temporary name
 * and commit it afterwards.
 */
public final class HeadSwap {
  private static final int COPY_BUFFER_SIZE = 1 << 20;

  private HeadSwap() {}

  /**
   * A prepared swap: the new slot's bytes and what the image is once they replace the old slot.
   *
   * @param inPlace the new slot has the old slot's length: it can overwrite the old one
   */
  public record Swap(byte[] slot, ImageInfo info, boolean inPlace) {}

  /** Compresses {@code newHead} into its slot and describes the image it makes with the old body. */
  public static Swap prepare(ImageInfo old, byte[] newHead) {
    checkArguments(old, newHead);
    byte[] headFrame = ImageWriter.compressHead(old.codec(), old.level(), newHead);
    HeadSlot.Slot slot = HeadSlot.of(old.codec(), headFrame);
    byte[] bytes = slot.bytes();
    ImageInfo info = new ImageInfo(old.codec(), old.level(), false, old.rawLength(),
        bytes.length + old.bodyCompressedLength(), old.headRawLength(), slot.headFrameLength(), bytes.length,
        old.frameCount(), old.bodyFrameRawSize(), old.digest(), old.digest().hex(newHead), old.bodyRawDigest(),
        old.digest().hex(bytes), old.bodyDigest());
    return new Swap(bytes, info, bytes.length == old.headSlotLength());
  }

  /**
   * Checks that {@code oldSlot}, the old file's first {@code headSlotLength} bytes, is the slot the
   * manifest ({@code old}) describes (its digest), so that overwriting it in place leaves the
   * body the manifest describes.
   */
  public static void checkOldSlot(ImageInfo old, byte[] oldSlot, String name) throws ImageFormatException {
    if (oldSlot.length != old.headSlotLength()) {
      throw new ImageFormatException(name + ": holds " + oldSlot.length + " bytes, shorter than its head slot ("
          + old.headSlotLength() + " bytes per the manifest)");
    }
    String digest = old.digest().hex(oldSlot);
    if (!digest.equals(old.headSlotDigest())) {
      throw new ImageFormatException(name + ": head slot [0, " + old.headSlotLength() + ") has " + old.digest().id()
          + " digest " + digest + ", the manifest says " + old.headSlotDigest() + ": the manifest does not describe"
          + " this file");
    }
  }

  /**
   * Swaps the head of the old image read from its first byte: the old slot must match the
   * manifest ({@link #checkOldSlot}) and decode to the manifest's head; the body must have the
   * manifest's file digest (this variant reads and hashes everything; {@link #copy} does not).
   */
  public static ImageInfo swap(ImageInfo old, byte[] newHead, InputStream oldImage, OutputStream out, String name)
      throws IOException {
    Swap swap = prepare(old, newHead);
    byte[] oldSlot = oldImage.readNBytes(Math.toIntExact(old.headSlotLength()));
    checkOldHead(old, oldSlot, name);
    checkOldSlot(old, oldSlot, name);
    MessageDigest body = old.digest().newDigest();
    ImageInfo result = copy(old, swap, new DigestInputStream(oldImage, body), out, name);
    String digest = Sha256.hex(body);
    if (!digest.equals(old.bodyDigest())) {
      throw new ImageFormatException(name + ": body " + old.digest().id() + " digest " + digest + " differs from the"
          + " manifest's " + old.bodyDigest() + ": the manifest does not describe this file");
    }
    return result;
  }

  /**
   * Writes the new slot followed by the old body, given only the old file's bytes from
   * {@code old.headSlotLength()} to its end (a range read, e.g. an S3 GET with
   * {@code Range: bytes=<headSlotLength>-}).
   */
  public static ImageInfo swapBody(ImageInfo old, byte[] newHead, InputStream oldBody, OutputStream out, String name)
      throws IOException {
    return copy(old, prepare(old, newHead), oldBody, out, name);
  }

  /** Writes {@code swap}'s slot, then copies {@code oldBody} (the old file after its slot) unchanged. */
  public static ImageInfo copy(ImageInfo old, Swap swap, InputStream oldBody, OutputStream out, String name)
      throws IOException {
    out.write(swap.slot());
    long expected = old.bodyCompressedLength();
    BodyCopy copy = new BodyCopy(oldBody, out);
    if (old.codec() == Codec.ZSTD && expected > 0) {
      List<Frame> frames;
      try {
        frames = FrameScanner.scan(copy, name + " (body from offset " + old.headSlotLength() + ")");
      } catch (CodecException e) {
        throw new ImageFormatException(name + ": the body is not the frames the manifest describes: "
            + e.getMessage(), e);
      }
      checkBodyFrames(old, frames, name);
    } else {
      copy.drain();
      if (expected > 0 && !copy.startsWithGzipMagic()) {
        throw new ImageFormatException(name + ": the body does not start with a gzip member at offset "
            + old.headSlotLength());
      }
    }
    if (copy.count() != expected) {
      throw new ImageFormatException(name + ": the body holds " + copy.count() + " compressed bytes, the manifest says "
          + expected);
    }
    out.flush();
    return swap.info();
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

  /** The old slot decodes to one head frame of the manifest's length and digest, then padding. */
  private static void checkOldHead(ImageInfo old, byte[] oldSlot, String name) throws IOException {
    List<Frame> frames = new ArrayList<>();
    MessageDigest headDigest = old.digest().newDigest();
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(oldSlot), name + " (head slot)",
        old.headRawLength(), frames::add)) {
      byte[] buf = new byte[COPY_BUFFER_SIZE];
      int n;
      while ((n = in.read(buf, 0, buf.length)) >= 0) {
        headDigest.update(buf, 0, n);
      }
    } catch (CodecException e) {
      throw new ImageFormatException(name + ": bytes [0, " + old.headSlotLength() + ") are not the head slot"
          + " the manifest describes: " + e.getMessage(), e);
    }
    List<Frame> data = frames.stream().filter(f -> !FrameScanner.isPadding(f)).toList();
    long raw = data.stream().mapToLong(Frame::rawLength).sum();
    if (data.size() != 1 || raw != old.headRawLength() || data.get(0).compressedLength() != old.headCompressedLength()) {
      throw new ImageFormatException(name + ": bytes [0, " + old.headSlotLength() + ") hold " + data.size()
          + " frames of " + raw + " raw bytes, the manifest describes one head frame of " + old.headRawLength()
          + " raw bytes in " + old.headCompressedLength());
    }
    String digest = Sha256.hex(headDigest);
    if (!digest.equals(old.headRawDigest())) {
      throw new ImageFormatException(name + ": head " + old.digest().id() + " digest " + digest + " differs from the"
          + " manifest's " + old.headRawDigest());
    }
  }

  private static void checkBodyFrames(ImageInfo old, List<Frame> frames, String name) throws ImageFormatException {
    List<Frame> data = frames.stream().filter(f -> !FrameScanner.isPadding(f)).toList();
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

  /** Everything read through it is written to the new file. */
  private static final class BodyCopy extends PassThroughInputStream {
    private final OutputStream sink;
    private final byte[] first = new byte[2];

    BodyCopy(InputStream in, OutputStream sink) {
      super(in);
      this.sink = sink;
    }

    @Override
    protected void seen(byte[] b, int off, int n) throws IOException {
      for (int i = 0; i < n && count() + i < first.length; i++) {
        first[(int) count() + i] = b[off + i];
      }
      sink.write(b, off, n);
    }

    boolean startsWithGzipMagic() {
      return count() >= 2 && (first[0] & 0xFF) == 0x1F && (first[1] & 0xFF) == 0x8B;
    }
  }
}
