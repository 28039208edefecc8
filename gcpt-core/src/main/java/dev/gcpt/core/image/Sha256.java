package dev.gcpt.core.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers (every JDK has the algorithm); the project's one place for them. */
public final class Sha256 {
  static final int DIGEST_BYTES = 32;

  private Sha256() {}

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Hex SHA-256 of {@code data}. */
  public static String hex(byte[] data) {
    return hex(data, 0, data.length);
  }

  public static String hex(byte[] data, int off, int len) {
    MessageDigest d = newDigest();
    d.update(data, off, len);
    return hex(d);
  }

  /** Finishes {@code digest} and returns it in hex. */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }
}
