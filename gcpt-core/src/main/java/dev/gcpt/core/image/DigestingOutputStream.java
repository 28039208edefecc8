package dev.gcpt.core.image;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Passes bytes on while counting them and feeding a digest; never closes the stream it wraps. */
final class DigestingOutputStream extends FilterOutputStream {
  private final MessageDigest digest;
  private long count;

  DigestingOutputStream(OutputStream out, MessageDigest digest) {
    super(out);
    this.digest = digest;
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    digest.update((byte) b);
    count++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    digest.update(b, off, len);
    count += len;
  }

  long count() {
    return count;
  }

  /** The digest (hex) of everything written; call once, at the end. */
  String hex() {
    return Sha256.hex(digest);
  }

  @Override
  public void close() throws IOException {
    flush();
  }
}
