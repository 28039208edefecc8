package dev.gcpt.core.bundle;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.gcpt.core.codec.Codec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The bundle's view of the framed image format: write (head frame + body frames) and swap the
 * head frame of an existing image. Head = the normalized window as one zstd frame (gzip member);
 * body = the rest in frames of {@code bodyFrameRawLength} raw bytes.
 */
public final class ImageCodec {
  private ImageCodec() {}

  /** Image options; {@link #key()} names everything the body bytes depend on. */
  public record Options(Codec codec, int level, long bodyFrameRawLength, int threads, boolean singleFrame) {
    public static final long DEFAULT_FRAME = 8L << 20;

    public static Options defaults() {
      return new Options(Codec.ZSTD, 1, DEFAULT_FRAME, 1, false);
    }

    public Options {
      if (codec == Codec.RAW) {
        throw new IllegalArgumentException("output codec must be zstd or gz");
      }
      if (bodyFrameRawLength < (1 << 20) || bodyFrameRawLength > (1L << 30)) {
        throw new IllegalArgumentException("body frame size must be 1 MiB..1 GiB: " + bodyFrameRawLength);
      }
    }

    /** The options an existing image was written with. */
    public static Options of(BundleManifest.ImageInfo image, int threads) {
      return new Options(Codec.fromCliName(image.codec()), image.level(), image.bodyFrameRawLength(), threads,
          image.singleFrame());
    }

    String key() {
      return codec.cliName() + ":" + level + ":" + bodyFrameRawLength + ":" + (singleFrame ? "single" : "framed");
    }
  }

  /** What was written. */
  public record Written(Codec codec, long rawLength, long compressedLength, String contentSha256, String sha256,
      long headRawLength, long headCompressedLength, String bodyRawSha256, long bodyFrameRawLength, long frames,
      boolean singleFrame) {}

  /** Writes head + body to {@code out}. */
  public static Written write(Options o, byte[] head, InputStream body, OutputStream out) throws IOException {
    MessageDigest file = BundleBuilder.digest();
    MessageDigest headRaw = BundleBuilder.digest();
    MessageDigest bodyRaw = BundleBuilder.digest();
    headRaw.update(head);
    byte[] h = compress(o, head, head.length);
    out.write(h);
    file.update(h);
    long compressed = h.length;
    long raw = head.length;
    long frames = 1;
    byte[] buf = new byte[(int) o.bodyFrameRawLength()];
    int n;
    while ((n = body.readNBytes(buf, 0, buf.length)) > 0) {
      bodyRaw.update(buf, 0, n);
      byte[] c = compress(o, buf, n);
      out.write(c);
      file.update(c);
      compressed += c.length;
      raw += n;
      frames++;
    }
    byte[] bodySha = bodyRaw.digest();
    return new Written(o.codec(), raw, compressed, content(headRaw.digest(), bodySha),
        HexFormat.of().formatHex(file.digest()), head.length, h.length, HexFormat.of().formatHex(bodySha),
        o.bodyFrameRawLength(), frames, false);
  }

  /** New head frame + the old image's body frames, copied unchanged. */
  public static Written swapHead(Options o, byte[] newHead, BundleManifest.ImageInfo old, InputStream oldImage,
      OutputStream out) throws IOException {
    if (newHead.length != old.headRawLength()) {
      throw new IOException("new head is " + newHead.length + " bytes, the image's head frame holds "
          + old.headRawLength());
    }
    MessageDigest file = BundleBuilder.digest();
    byte[] h = compress(o, newHead, newHead.length);
    out.write(h);
    file.update(h);
    oldImage.skipNBytes(old.headCompressedLength());
    byte[] buf = new byte[1 << 20];
    long copied = 0;
    int n;
    while ((n = oldImage.read(buf)) > 0) {
      out.write(buf, 0, n);
      file.update(buf, 0, n);
      copied += n;
    }
    byte[] headSha = BundleBuilder.digest().digest(newHead);
    return new Written(o.codec(), old.rawLength(), h.length + copied,
        content(headSha, HexFormat.of().parseHex(old.bodyRawSha256())), HexFormat.of().formatHex(file.digest()),
        newHead.length, h.length, old.bodyRawSha256(), old.bodyFrameRawLength(), old.frames(), false);
  }

  private static String content(byte[] headSha, byte[] bodySha) {
    MessageDigest d = BundleBuilder.digest();
    d.update(headSha);
    d.update(bodySha);
    return HexFormat.of().formatHex(d.digest());
  }

  private static byte[] compress(Options o, byte[] b, int len) throws IOException {
    if (o.codec() == Codec.ZSTD) {
      try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
        ctx.setLevel(o.level());
        ctx.setChecksum(true);
        ctx.setContentSize(true);
        return ctx.compress(java.util.Arrays.copyOf(b, len));
      }
    }
    ByteArrayOutputStream bo = new ByteArrayOutputStream(len / 4 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(bo, 1 << 16) {
      {
        def.setLevel(o.level() <= 0 ? Deflater.DEFAULT_COMPRESSION : Math.min(o.level(), 9));
      }
    }) {
      gz.write(b, 0, len);
    }
    return bo.toByteArray();
  }
}
