package dev.gcpt.core.image;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * How one 4 KiB page of a paged digest ({@link PagedDigest}) is checked. A page that is 4096
 * zeros costs a vectorized compare and gets a constant check, so a paged digest costs what the
 * non-zero pages cost.
 */
public enum PageCheck {
  /**
   * CRC-32C of the page, then CRC-32 (IEEE, zlib's) of the page, each 4 bytes big-endian: the
   * pages of {@link ImageDigest#PAGE_CRC64}. Both are JDK intrinsics (together about 0.08 s per
   * GiB here, against 0.75 s for SHA-256 with the SHA-NI intrinsic).
   */
  CRC64(8, true),
  /** SHA-256 of the page: the pages of {@link ImageDigest#SHA256}'s body digest (bundles before gcpt.bundle/3). */
  SHA256(Sha256.DIGEST_BYTES, false);

  /** Bytes per page. */
  public static final int PAGE = 4096;
  private static final byte[] ZERO_PAGE = new byte[PAGE];

  private final int size;
  private final boolean crc;
  private final byte[] zeroPageCheck;

  PageCheck(int size, boolean crc) {
    this.size = size;
    this.crc = crc;
    byte[] z = new byte[size];
    // enum constants are built before the class's other static fields: no ZERO_PAGE yet
    new Checker(this, true).check(new byte[PAGE], 0, PAGE, z, 0);
    this.zeroPageCheck = z;
  }

  /** Bytes of one page's check. */
  public int size() {
    return size;
  }

  /** A checker of pages: holds the state one check needs; not thread-safe, one per thread. */
  public Checker checker() {
    return new Checker(this, false);
  }

  /** Checks pages of this kind. */
  public static final class Checker {
    private final PageCheck kind;
    private final boolean noShortcut;
    private final CRC32C crc32c;
    private final CRC32 crc32;
    private final MessageDigest sha;

    private Checker(PageCheck kind, boolean noShortcut) {
      this.kind = kind;
      this.noShortcut = noShortcut;
      crc32c = kind.crc ? new CRC32C() : null;
      crc32 = kind.crc ? new CRC32() : null;
      sha = kind.crc ? null : Sha256.newDigest();
    }

    /**
     * Writes the check of the page {@code data[off, off+len)} ({@code len <= 4096}; only a
     * stream's last page is shorter) to {@code out[outOff, outOff+size)}.
     *
     * @return whether the page was 4096 zeros (its check is then a constant, not computed)
     */
    public boolean check(byte[] data, int off, int len, byte[] out, int outOff) {
      if (!noShortcut && len == PAGE && Arrays.equals(data, off, off + PAGE, ZERO_PAGE, 0, PAGE)) {
        System.arraycopy(kind.zeroPageCheck, 0, out, outOff, kind.size);
        return true;
      }
      if (crc32c != null) {
        crc32c.reset();
        crc32c.update(data, off, len);
        crc32.reset();
        crc32.update(data, off, len);
        putInt(out, outOff, (int) crc32c.getValue());
        putInt(out, outOff + 4, (int) crc32.getValue());
      } else {
        sha.update(data, off, len);
        try {
          sha.digest(out, outOff, Sha256.DIGEST_BYTES);
        } catch (DigestException e) {
          throw new IllegalStateException("SHA-256 into a 32-byte slot failed", e);
        }
      }
      return false;
    }

    /** The checks of the pages of {@code data[off, off+len)}, in order. */
    public byte[] checks(byte[] data, int off, int len) {
      int pages = (len + PAGE - 1) / PAGE;
      byte[] out = new byte[pages * kind.size];
      for (int i = 0; i < pages; i++) {
        int start = off + i * PAGE;
        check(data, start, Math.min(PAGE, off + len - start), out, i * kind.size);
      }
      return out;
    }
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
