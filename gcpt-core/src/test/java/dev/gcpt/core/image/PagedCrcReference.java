package dev.gcpt.core.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The pagecrc64 digest written out from its definition (docs/image-format.md "Digests"), with
 * bit-by-bit CRCs and no shortcut for zero pages: SHA-256 over, for each 4096-byte page, its
 * CRC-32C then its CRC-32, each 4 bytes big-endian.
 */
final class PagedCrcReference {
  private PagedCrcReference() {}

  /** Reflected CRC-32 with polynomial {@code poly} (reversed), init and final xor 0xFFFFFFFF. */
  static int crc(int poly, byte[] b, int off, int len) {
    int c = 0xFFFFFFFF;
    for (int i = off; i < off + len; i++) {
      c ^= b[i] & 0xFF;
      for (int k = 0; k < 8; k++) {
        c = (c & 1) != 0 ? (c >>> 1) ^ poly : c >>> 1;
      }
    }
    return ~c;
  }

  static int crc32c(byte[] b, int off, int len) {
    return crc(0x82F63B78, b, off, len);
  }

  static int crc32(byte[] b, int off, int len) {
    return crc(0xEDB88320, b, off, len);
  }

  /** The 8-byte checks of each page of {@code data}, concatenated. */
  static byte[] checks(byte[] data) {
    int pages = (data.length + 4095) / 4096;
    byte[] out = new byte[pages * 8];
    for (int p = 0; p < pages; p++) {
      int off = p * 4096;
      int len = Math.min(4096, data.length - off);
      putInt(out, p * 8, crc32c(data, off, len));
      putInt(out, p * 8 + 4, crc32(data, off, len));
    }
    return out;
  }

  static String hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(checks(data)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
