package dev.gcpt.core.image;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Passes bytes on while counting them and feeding a SHA-256; never closes the stream it wraps. */
final class DigestingOutputStream extends FilterOutputStream {
  private final MessageDigest digest = Sha256.newDigest();
  private long count;

  DigestingOutputStream(OutputStream out) {
    super(out);
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

  /** The SHA-256 (hex) of everything written; call once, at the end. */
  String sha256() {
    return Sha256.hex(digest);
  }

  @Override
  public void close() throws IOException {
    flush();
  }
}
