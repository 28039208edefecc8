package dev.gcpt.core.codec;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The decompressed bytes of one checkpoint file, read streaming. The codec is sniffed from the
 * first bytes. A truncated or corrupt stream fails with a {@link CodecException} naming the
 * input and the decompressed offset reached; it is never returned as a short image.
 */
public final class DecodedStream extends InputStream {
  private final String name;
  private final Codec codec;
  private final CountingInputStream compressed;
  private final InputStream decoded;
  private final long maxRawBytes;
  private long position;

  private DecodedStream(String name, Codec codec, CountingInputStream compressed, InputStream decoded, long maxRawBytes) {
    this.name = name;
    this.codec = codec;
    this.compressed = compressed;
    this.decoded = decoded;
    this.maxRawBytes = maxRawBytes;
  }

  /**
   * Opens {@code in}, sniffing the codec.
   *
   * @param name the input's name (URI) used in every error message
   * @param maxRawBytes ceiling on decompressed bytes (a decompression bomb fails past it)
   */
  public static DecodedStream open(InputStream in, String name, long maxRawBytes) throws IOException {
    CountingInputStream counted = new CountingInputStream(in);
    BufferedInputStream buffered = new BufferedInputStream(counted, 1 << 16);
    buffered.mark(8);
    byte[] head = new byte[4];
    int n = buffered.readNBytes(head, 0, 4);
    buffered.reset();
    Codec codec = Codec.sniff(head, n);
    InputStream decoded = switch (codec) {
      case RAW -> buffered;
      case GZIP -> new GZIPInputStream(buffered, 1 << 16);
      case ZSTD -> new ZstdInputStreamNoFinalizer(buffered);
    };
    return new DecodedStream(name, codec, counted, decoded, maxRawBytes);
  }

  public Codec codec() {
    return codec;
  }

  public String name() {
    return name;
  }

  /** Decompressed bytes delivered so far. */
  public long position() {
    return position;
  }

  /** Compressed bytes consumed so far from the underlying input. */
  public long compressedPosition() {
    return compressed.count;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n;
    try {
      n = decoded.read(b, off, len);
    } catch (EOFException e) {
      throw new CodecException(name + ": truncated " + codec.cliName() + " stream at decompressed offset 0x"
          + Long.toHexString(position) + " (compressed offset " + compressed.count + "): " + e.getMessage(), e);
    } catch (ZipException e) {
      throw new CodecException(name + ": corrupt gzip stream at decompressed offset 0x"
          + Long.toHexString(position) + " (compressed offset " + compressed.count + "): " + e.getMessage(), e);
    } catch (IOException e) {
      if (e instanceof CodecException) {
        throw e;
      }
      String msg = String.valueOf(e.getMessage());
      String what = msg.toLowerCase().contains("truncated") ? "truncated" : "corrupt";
      throw new CodecException(name + ": " + what + " " + codec.cliName() + " stream at decompressed offset 0x"
          + Long.toHexString(position) + " (compressed offset " + compressed.count + "): " + msg, e);
    }
    if (n > 0) {
      position += n;
      if (position > maxRawBytes) {
        throw new CodecException(name + ": decompressed size exceeds the ceiling of " + maxRawBytes
            + " bytes (at compressed offset " + compressed.count + ")");
      }
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    decoded.close();
  }

  /** Counts the compressed bytes read. */
  static final class CountingInputStream extends FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      count += s;
      return s;
    }
  }
}
