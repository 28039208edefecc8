package dev.gcpt.core.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * An input stream that shows every byte read through it to {@link #seen}, in order, and counts
 * them. Every way of reading goes through the array {@link #read(byte[], int, int)}: the one-byte
 * read, {@link #skip} (which reads the bytes it skips, so that they are seen too) and
 * {@link #drain}. No mark or reset.
 */
public abstract class PassThroughInputStream extends FilterInputStream {
  private static final int SKIP_BUFFER = 1 << 16;
  private long count;

  protected PassThroughInputStream(InputStream in) {
    super(in);
  }

  /** A stream that feeds {@code digest} with every byte read through it. */
  public static PassThroughInputStream digesting(InputStream in, MessageDigest digest) {
    return new PassThroughInputStream(in) {
      @Override
      protected void seen(byte[] b, int off, int len) {
        digest.update(b, off, len);
      }
    };
  }

  /** A stream that only counts the bytes read through it. */
  public static PassThroughInputStream counting(InputStream in) {
    return new PassThroughInputStream(in) {
      @Override
      protected void seen(byte[] b, int off, int len) {
        // counted by the caller of seen
      }
    };
  }

  /**
   * The bytes {@code b[off, off+len)} were just read; {@link #count()} does not include them yet.
   */
  protected abstract void seen(byte[] b, int off, int len) throws IOException;

  /** Bytes read through this stream so far. */
  public final long count() {
    return count;
  }

  @Override
  public final int read() throws IOException {
    byte[] one = new byte[1];
    int n;
    do {
      n = read(one, 0, 1);
    } while (n == 0);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public final int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      seen(b, off, n);
      count += n;
    }
    return n;
  }

  /** Reads up to {@code n} bytes (they are seen); returns how many. */
  @Override
  public final long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] buf = new byte[(int) Math.min(n, SKIP_BUFFER)];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  /** Reads whatever is left (it is seen). */
  public final void drain() throws IOException {
    byte[] buf = new byte[SKIP_BUFFER];
    while (read(buf, 0, buf.length) >= 0) {
      // seen by read
    }
  }

  @Override
  public final boolean markSupported() {
    return false;
  }

  @Override
  public final synchronized void mark(int readlimit) {
    // not supported
  }

  @Override
  public final synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }
}
