package dev.gcpt.core.image;

import java.security.MessageDigest;

/**
 * The algorithm of an image's four digests (head raw, body raw, head slot, file body; see
 * {@link ImageInfo} and docs/image-format.md "Digests"). The manifest names it
 * ({@code image.digest}); bundles without the name are {@link #SHA256}.
 */
public enum ImageDigest {
  /**
   * Bundles written before {@code gcpt.bundle/3}: SHA-256 of the head, of the head slot and of the
   * file's body; the raw body's digest is SHA-256 over the SHA-256 of each 4 KiB page. Still
   * verified and regenerated (a regeneration keeps the algorithm: the body's digests carry over).
   */
  SHA256("sha256", PageCheck.SHA256),
  /**
   * What gcpt writes: every digest is a {@link PagedDigest} with {@link PageCheck#CRC64} pages,
   * SHA-256 over the CRC-32C and CRC-32 of each 4 KiB page. It detects accidents (corruption, a
   * file replaced or truncated, a bug), not tampering: CRCs are linear and easy to forge.
   */
  PAGE_CRC64("pagecrc64", PageCheck.CRC64);

  /** The algorithm new images get. */
  public static final ImageDigest CURRENT = PAGE_CRC64;

  private final String id;
  private final PageCheck bodyPages;

  ImageDigest(String id, PageCheck bodyPages) {
    this.id = id;
    this.bodyPages = bodyPages;
  }

  /** The name in the manifest ({@code image.digest}). */
  public String id() {
    return id;
  }

  /** How the raw body's pages are checked. */
  public PageCheck bodyPages() {
    return bodyPages;
  }

  /** A streaming digest of the head, the head slot or the file's body. */
  public MessageDigest newDigest() {
    return this == SHA256 ? Sha256.newDigest() : new PagedDigest(PageCheck.CRC64);
  }

  /** A streaming digest of the raw body. */
  public PagedDigest newBodyDigest() {
    return new PagedDigest(bodyPages);
  }

  /** {@link #newDigest()} of {@code data}, in hex. */
  public String hex(byte[] data) {
    MessageDigest d = newDigest();
    d.update(data);
    return Sha256.hex(d);
  }

  /** The algorithm named {@code id} in a manifest. */
  public static ImageDigest fromId(String id) {
    for (ImageDigest d : values()) {
      if (d.id.equals(id)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown image digest '" + id + "' (this gcpt knows sha256, pagecrc64)");
  }
}
