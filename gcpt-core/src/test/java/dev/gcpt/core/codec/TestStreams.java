package dev.gcpt.core.codec;

import com.github.luben.zstd.ZstdCompressCtx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Builders of valid streams for codec tests, and inputs that behave like slow network streams. */
public final class TestStreams {
  private TestStreams() {}

  public static final int PAGE = 4096;

  /** {@code size} bytes: zero pages, random pages and text-like pages, seeded. */
  public static byte[] sample(int size, long seed) {
    Random random = new Random(seed);
    byte[] data = new byte[size];
    for (int p = 0; p < size; p += PAGE) {
      int end = Math.min(size, p + PAGE);
      switch (random.nextInt(4)) {
        case 0 -> {
          byte[] page = new byte[end - p];
          random.nextBytes(page);
          System.arraycopy(page, 0, data, p, page.length);
        }
        case 1 -> {
          for (int i = p; i < end; i++) {
            data[i] = (byte) ('a' + random.nextInt(6));
          }
        }
        default -> {
          // zero page
        }
      }
    }
    return data;
  }

  public static byte[] gzip(byte[] data) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
        out.write(data);
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One zstd frame with content size and checksum. */
  public static byte[] zstd(byte[] data) {
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      ctx.setLevel(3).setChecksum(true).setContentSize(true);
      return ctx.compress(data);
    }
  }

  /** A skippable frame (magic 0x184D2A5x) holding {@code payload}. */
  public static byte[] skippable(int nibble, byte[] payload) {
    byte[] f = new byte[8 + payload.length];
    int magic = ZstdFormat.SKIPPABLE_MAGIC | nibble;
    for (int i = 0; i < 4; i++) {
      f[i] = (byte) (magic >>> (8 * i));
      f[4 + i] = (byte) (payload.length >>> (8 * i));
    }
    System.arraycopy(payload, 0, f, 8, payload.length);
    return f;
  }

  /**
   * {@code body} followed by zeros up to a multiple of 128 KiB: what an image writer makes of a
   * body behind a whole-MiB head (every frame ends on a 128 KiB boundary for NEMU's loader).
   */
  public static byte[] pad(byte[] body) {
    int align = 128 << 10;
    return java.util.Arrays.copyOf(body, (body.length + align - 1) / align * align);
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  public static byte[] cut(byte[] data, int length) {
    return Arrays.copyOf(data, length);
  }

  public static byte[] flip(byte[] data, int offset) {
    byte[] copy = data.clone();
    copy[offset] ^= (byte) 0x5A;
    return copy;
  }

  /** Decodes {@code compressed} fully with {@link DecodedStream}. */
  public static byte[] decode(byte[] compressed, String name, long max) throws IOException {
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(compressed), name, max)) {
      return in.readAllBytes();
    }
  }

  /**
   * Returns at most {@code chunk} bytes per read and always reports 0 {@code available()}, like a
   * network stream between packets.
   */
  public static final class TrickleInputStream extends InputStream {
    private final InputStream in;
    private final int chunk;

    public TrickleInputStream(byte[] data, int chunk) {
      this.in = new ByteArrayInputStream(data);
      this.chunk = chunk;
    }

    @Override
    public int read() throws IOException {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, Math.min(len, chunk));
    }

    @Override
    public int available() {
      return 0;
    }
  }
}
