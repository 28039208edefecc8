package dev.gcpt.core.restorer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A generated restorer: exactly {@code size} bytes, content-addressed by the SHA-256 of those
 * bytes, and the spec it was generated from.
 *
 * <pre>
 * offset        content
 * 0             jal x0, entry
 * 4             u32 size (these bytes, flag included)
 * 8             code (entry)
 * ...           embedded descriptor bytes, barrier counter
 * size - 8      u32 0xCAFF (completion flag)
 * size - 4      u32 0
 * </pre>
 */
public final class Restorer {
  private final byte[] bytes;
  private final String sha256;
  private final RestorerSpec spec;

  Restorer(byte[] bytes, RestorerSpec spec) {
    this.bytes = bytes.clone();
    this.spec = Objects.requireNonNull(spec, "spec");
    this.sha256 = sha256Hex(this.bytes);
  }

  /** The restorer bytes (a copy), exactly {@link #size()} long. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public int size() {
    return bytes.length;
  }

  /** Lower-case hex SHA-256 of {@link #bytes()}. */
  public String sha256() {
    return sha256;
  }

  public RestorerSpec spec() {
    return spec;
  }

  /** Same as {@link RestorerSpec#savedMachineModeNote()}. */
  public String savedMachineModeNote() {
    return spec.savedMachineModeNote();
  }

  /** Writes the restorer bytes. */
  public void writeTo(OutputStream out) throws IOException {
    out.write(bytes);
  }

  /**
   * Writes an all-in-one boot image (like LibCheckpoint's {@code --gcpt-payload}): the restorer
   * at 0, zeros, the descriptor at the descriptor offset (so the restorer's check passes), zeros,
   * then {@code payload} at the payload position. With no state magic the restorer boots the
   * payload. Returns the number of bytes written.
   */
  public long writeBootImage(OutputStream out, InputStream payload) throws IOException {
    byte[] descriptor = spec.descriptor().encode();
    long pos = 0;
    out.write(bytes);
    pos += bytes.length;
    pos = zeros(out, pos, spec.descriptorOffset());
    if (spec.descriptorOffset() + descriptor.length > spec.payloadPosition()) {
      throw new IllegalStateException("descriptor at 0x" + Long.toHexString(spec.descriptorOffset())
          + " overlaps the payload at 0x" + Long.toHexString(spec.payloadPosition()));
    }
    out.write(descriptor);
    pos += descriptor.length;
    pos = zeros(out, pos, spec.payloadPosition());
    pos += payload.transferTo(out);
    return pos;
  }

  /** {@link #writeBootImage(OutputStream, InputStream)} into a byte array. */
  public byte[] buildBootImage(byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeBootImage(out, new java.io.ByteArrayInputStream(payload));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static long zeros(OutputStream out, long pos, long until) throws IOException {
    byte[] zero = new byte[8192];
    while (pos < until) {
      int n = (int) Math.min(zero.length, until - pos);
      out.write(zero, 0, n);
      pos += n;
    }
    return pos;
  }

  static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "Restorer{size=" + bytes.length + ", sha256=" + sha256 + "}";
  }
}
