package dev.gcpt.pipeline;

import dev.gcpt.pipeline.io.Storage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A checkpoint's bytes from {@link Storage}, with every failure of the storage itself turned into
 * a {@link SourceReadException} naming the input and the byte offset reached. The S3 client
 * reports some failures as unchecked exceptions; they are caught here too.
 */
final class SourceStream extends FilterInputStream {
  private final String name;
  private long position;

  private SourceStream(InputStream in, String name) {
    super(in);
    this.name = name;
  }

  /**
   * Opens {@code uri}.
   *
   * @param name how the input is named in messages (set-relative for local sets)
   */
  static InputStream open(String uri, String name) throws SourceReadException {
    try {
      return new SourceStream(Storage.open(uri), name);
    } catch (IOException | RuntimeException e) {
      throw new SourceReadException("opening " + name, e);
    }
  }

  @Override
  public int read() throws IOException {
    try {
      int b = super.read();
      if (b >= 0) {
        position++;
      }
      return b;
    } catch (IOException | RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      int n = super.read(b, off, len);
      if (n > 0) {
        position += n;
      }
      return n;
    } catch (IOException | RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    try {
      long s = super.skip(n);
      position += s;
      return s;
    } catch (IOException | RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public int available() throws IOException {
    try {
      return super.available();
    } catch (IOException | RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      super.close();
    } catch (IOException | RuntimeException e) {
      throw failure(e);
    }
  }

  private SourceReadException failure(Exception e) {
    return new SourceReadException("reading " + name + " at byte " + position, e);
  }
}
