package dev.gcpt.core.codec;

import java.io.IOException;
import java.io.InputStream;

/**
 * The compressed bytes of an input, read through one buffer that the decoders consume in place
 * (the inflater and the zstd context read straight from {@link #buffer}). Knows how many bytes
 * of the input were consumed, which is the compressed offset every error reports.
 *
 * <p>Invariant: {@code 0 <= pos <= limit <= buffer.length}; bytes {@code [pos, limit)} are read
 * from the input but not yet consumed; {@code base} input bytes precede {@code buffer[0]}.
 */
final class CompressedInput {
  /** Compressed bytes read from the input at a time. */
  static final int BUFFER_SIZE = 1 << 18;

  final byte[] buffer = new byte[BUFFER_SIZE];
  int pos;
  int limit;
  private long base;
  private final InputStream in;
  private boolean eof;

  CompressedInput(InputStream in) {
    this.in = in;
  }

  /** Input bytes consumed so far. */
  long position() {
    return base + pos;
  }

  /** Bytes read but not consumed. */
  int available() {
    return limit - pos;
  }

  /**
   * Reads more input when every buffered byte is consumed; returns the bytes now available, or
   * -1 at the end of the input. Never returns 0.
   */
  int fill() throws IOException {
    if (pos < limit) {
      return limit - pos;
    }
    if (eof) {
      return -1;
    }
    base += limit;
    pos = 0;
    limit = 0;
    while (limit == 0) {
      int n = in.read(buffer, 0, buffer.length);
      if (n < 0) {
        eof = true;
        return -1;
      }
      limit = n;
    }
    return limit;
  }

  /**
   * Makes at least {@code want} bytes available if the input has them (keeps what is buffered,
   * moving it to the front), returns how many are available.
   */
  int fillAtLeast(int want) throws IOException {
    if (limit - pos >= want) {
      return limit - pos;
    }
    if (pos > 0) {
      System.arraycopy(buffer, pos, buffer, 0, limit - pos);
      base += pos;
      limit -= pos;
      pos = 0;
    }
    while (limit < want && !eof) {
      int n = in.read(buffer, limit, buffer.length - limit);
      if (n < 0) {
        eof = true;
      } else {
        limit += n;
      }
    }
    return limit - pos;
  }

  /** The next byte, or -1 at the end of the input. */
  int read() throws IOException {
    if (fill() < 0) {
      return -1;
    }
    return buffer[pos++] & 0xFF;
  }

  /** Reads into {@code b}: buffered bytes first, then straight from the input. */
  int read(byte[] b, int off, int len) throws IOException {
    if (pos < limit) {
      int n = Math.min(len, limit - pos);
      System.arraycopy(buffer, pos, b, off, n);
      pos += n;
      return n;
    }
    if (eof) {
      return -1;
    }
    int n = in.read(b, off, len);
    if (n < 0) {
      eof = true;
      return -1;
    }
    base += n;
    return n;
  }

  void close() throws IOException {
    in.close();
  }
}
