package dev.gcpt.core.codec;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The decompressed bytes of one checkpoint file, read streaming. The codec is sniffed from the
 * first bytes (gzip {@code 1f 8b}, zstd {@code 28 b5 2f fd}, anything else raw).
 *
 * <p>Strict: an empty input, a truncated or corrupt stream, trailing garbage after the last gzip
 * member or zstd frame, a checksum or declared-size mismatch, and more than {@code maxRawBytes}
 * decompressed bytes all fail with a {@link CodecException} naming the input, the codec, the
 * decompressed offset and the compressed offset; a bad stream is never returned as a short image.
 * Concatenated zstd frames (skippable ones included) and multi-member gzip read as one image.
 * Errors from the underlying input itself (a dropped connection) pass through unchanged.
 *
 * <p>Limit of any streaming decoder: a multi-frame file cut exactly between two frames is a valid
 * shorter stream; only the expected length (the manifest's) can catch that.
 */
public final class DecodedStream extends InputStream {
  /** Bytes of the scratch buffer {@link #skip} decodes into. */
  private static final int SKIP_BUFFER_SIZE = 1 << 16;

  private final String name;
  private final Codec codec;
  private final Decoder decoder;
  private final long maxRawBytes;
  private final byte[] one = new byte[1];
  private long position;
  private byte[] skipBuffer;

  private DecodedStream(String name, Codec codec, Decoder decoder, long maxRawBytes) {
    this.name = name;
    this.codec = codec;
    this.decoder = decoder;
    this.maxRawBytes = maxRawBytes;
  }

  /**
   * Opens {@code in}, sniffing the codec.
   *
   * @param name the input's name (URI) used in every error message
   * @param maxRawBytes ceiling on decompressed bytes (a decompression bomb fails past it)
   * @throws CodecException the input is empty
   */
  public static DecodedStream open(InputStream in, String name, long maxRawBytes) throws IOException {
    return open(in, name, maxRawBytes, null);
  }

  /**
   * Opens {@code in} like {@link #open(InputStream, String, long)} and reports every zstd frame
   * or gzip member to {@code frames} once it is fully decoded and checked (nothing for raw input).
   */
  public static DecodedStream open(InputStream in, String name, long maxRawBytes, Consumer<Frame> frames)
      throws IOException {
    if (maxRawBytes < 0) {
      throw new IllegalArgumentException("maxRawBytes must be >= 0, got " + maxRawBytes);
    }
    CompressedInput input = new CompressedInput(in);
    int n = input.fillAtLeast(ZstdFormat.MAGIC_SIZE);
    if (n == 0) {
      throw CodecException.notAStream(name, "empty input (0 bytes): not a checkpoint image");
    }
    Codec codec = Codec.sniff(input.buffer, n);
    if (codec == Codec.RAW && n < ZstdFormat.MAGIC_SIZE && isMagicPrefix(input.buffer, n)) {
      throw CodecException.notAStream(name, "input of " + n + " bytes is a truncated gzip or zstd magic");
    }
    Decoder decoder = switch (codec) {
      case RAW -> new RawDecoder(input);
      case GZIP -> new GzipDecoder(input, frames);
      case ZSTD -> new ZstdDecoder(input, frames);
    };
    return new DecodedStream(name, codec, decoder, maxRawBytes);
  }

  private static boolean isMagicPrefix(byte[] head, int len) {
    byte[] zstd = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD};
    byte[] gzip = {(byte) GzipDecoder.ID1, (byte) GzipDecoder.ID2};
    return startsWith(head, len, zstd) || startsWith(head, len, gzip);
  }

  private static boolean startsWith(byte[] head, int len, byte[] magic) {
    for (int i = 0; i < len; i++) {
      if (i >= magic.length || head[i] != magic[i]) {
        return false;
      }
    }
    return true;
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

  /** Compressed bytes consumed so far by the decoder. */
  public long compressedPosition() {
    return decoder.compressedPosition();
  }

  @Override
  public int read() throws IOException {
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    // Decode at most one byte past the ceiling: enough to tell "too large" without inflating a bomb.
    long remaining = maxRawBytes - position;
    int want = remaining >= len ? len : (int) remaining + 1;
    int n;
    try {
      n = decoder.read(b, off, want);
    } catch (MalformedStreamException e) {
      throw new CodecException(e.kind(), name, codec, e.getMessage(), position, decoder.compressedPosition(), e);
    }
    if (n > 0) {
      position += n;
      if (position > maxRawBytes) {
        throw new CodecException(CodecException.Kind.TOO_LARGE, name, codec, "decompressed size exceeds the ceiling of "
            + maxRawBytes + " bytes (decompression bomb or wrong ceiling)", maxRawBytes, decoder.compressedPosition(),
            null);
      }
    }
    return n;
  }

  /** Skips by decoding (every byte is still checked). */
  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    if (skipBuffer == null) {
      skipBuffer = new byte[SKIP_BUFFER_SIZE];
    }
    long skipped = 0;
    while (skipped < n) {
      int r = read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public void close() throws IOException {
    decoder.close();
  }

  /** Raw input: the bytes as they are. */
  private static final class RawDecoder implements Decoder {
    private final CompressedInput input;

    RawDecoder(CompressedInput input) {
      this.input = input;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return input.read(b, off, len);
    }

    @Override
    public long compressedPosition() {
      return input.position();
    }

    @Override
    public void close() throws IOException {
      input.close();
    }
  }
}
