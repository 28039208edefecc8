package dev.gcpt.core.image;

import java.security.MessageDigest;

/**
 * A digest over 4 KiB pages: SHA-256 of the list of the checks ({@link PageCheck}) of the input's
 * consecutive 4096-byte pages (the last may be shorter; no input gives SHA-256 of nothing). A
 * {@link MessageDigest}, so that it streams wherever SHA-256 did; pages arriving whole are
 * checked where they are, without a copy. Not thread-safe.
 *
 * <p>With {@link PageCheck#CRC64} this is the digest {@link ImageDigest#PAGE_CRC64} uses for
 * everything; with {@link PageCheck#SHA256} it is the body digest of bundles written before
 * {@code gcpt.bundle/3} (SHA-256 over the SHA-256 of each page).
 */
public final class PagedDigest extends MessageDigest {
  private static final int PAGE = PageCheck.PAGE;
  /** Page checks collected before they are handed to SHA-256. */
  private static final int BATCH_PAGES = 256;

  private final PageCheck kind;
  private final PageCheck.Checker checker;
  private final MessageDigest list = Sha256.newDigest();
  private final byte[] partial = new byte[PAGE];
  private int partialLength;
  private final byte[] checks;
  private int checksLength;

  public PagedDigest(PageCheck kind) {
    super("gcpt-paged-" + kind.name());
    this.kind = kind;
    this.checker = kind.checker();
    this.checks = new byte[BATCH_PAGES * kind.size()];
  }

  /** The digest of {@code data} at once, in hex. */
  public static String hex(PageCheck kind, byte[] data) {
    PagedDigest d = new PagedDigest(kind);
    d.update(data);
    return Sha256.hex(d);
  }

  /**
   * Adds page checks computed elsewhere ({@link PageCheck.Checker#checks}, e.g. by the workers
   * that compressed a frame), in input order. Only between whole pages.
   */
  public void addChecks(byte[] pageChecks) {
    if (partialLength != 0) {
      throw new IllegalStateException("page checks added inside a page (" + partialLength + " bytes into it)");
    }
    flushChecks();
    list.update(pageChecks);
  }

  @Override
  protected void engineUpdate(byte input) {
    engineUpdate(new byte[] {input}, 0, 1);
  }

  @Override
  protected void engineUpdate(byte[] input, int offset, int len) {
    if (partialLength > 0) {
      int n = Math.min(len, PAGE - partialLength);
      System.arraycopy(input, offset, partial, partialLength, n);
      partialLength += n;
      offset += n;
      len -= n;
      if (partialLength < PAGE) {
        return;
      }
      page(partial, 0, PAGE);
      partialLength = 0;
    }
    while (len >= PAGE) {
      page(input, offset, PAGE);
      offset += PAGE;
      len -= PAGE;
    }
    if (len > 0) {
      System.arraycopy(input, offset, partial, 0, len);
      partialLength = len;
    }
  }

  private void page(byte[] b, int off, int len) {
    if (checksLength == checks.length) {
      flushChecks();
    }
    checker.check(b, off, len, checks, checksLength);
    checksLength += kind.size();
  }

  private void flushChecks() {
    list.update(checks, 0, checksLength);
    checksLength = 0;
  }

  @Override
  protected byte[] engineDigest() {
    if (partialLength > 0) {
      page(partial, 0, partialLength);
      partialLength = 0;
    }
    flushChecks();
    return list.digest();
  }

  @Override
  protected int engineGetDigestLength() {
    return Sha256.DIGEST_BYTES;
  }

  @Override
  protected void engineReset() {
    partialLength = 0;
    checksLength = 0;
    list.reset();
  }
}
