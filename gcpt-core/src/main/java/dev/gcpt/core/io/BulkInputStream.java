package dev.gcpt.core.io;

import java.io.IOException;
import java.io.InputStream;

/** An input stream that reads through its array read only: the one-byte read is that, for one byte. */
public abstract class BulkInputStream extends InputStream {
  @Override
  public final int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public abstract int read(byte[] b, int off, int len) throws IOException;
}
