package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;
import java.util.HexFormat;

/**
 * What an image file is, as {@link ImageWriter} wrote it (or {@link HeadSwap} rewrote it); the
 * manifest records these values.
 *
 * <p>The raw content is identified by two digests, never by one digest of the whole image (a new
 * head would then need the whole body decompressed and hashed again); the file likewise:
 * <ul>
 *   <li>{@code headRawDigest}: of the head, {@code [0, headRawLength)};
 *   <li>{@code bodyRawDigest}: of the body, {@code [headRawLength, rawLength)};
 *   <li>{@code headSlotDigest}, {@code bodyDigest}: of the file's bytes before and after
 *       {@code headSlotLength}.
 * </ul>
 * A new head changes only the head digests; regeneration carries the body's over. {@code digest}
 * names the algorithm ({@link ImageDigest}): new images get {@link ImageDigest#PAGE_CRC64}, SHA-256
 * over the CRC-32C and CRC-32 of each 4 KiB page, for all four; bundles written before
 * {@code gcpt.bundle/3} have {@link ImageDigest#SHA256}. {@link #contentDigest()} folds the two raw
 * digests into one value.
 *
 * @param codec the output codec
 * @param level the compression level every frame was written with
 * @param singleFrame the whole image is one zstd frame (no separate head frame)
 * @param rawLength decompressed image length
 * @param compressedLength file length
 * @param headRawLength decompressed bytes in the head frame
 * @param headCompressedLength bytes of the head frame in the file, or {@link #NO_HEAD_FRAME}
 *     for a single-frame image
 * @param headSlotLength bytes of the head slot (head frame plus padding, {@link HeadSlot}): the
 *     body's first frame starts there; 0 for a single-frame image
 * @param frameCount data frames (zstd) or members (gzip) in the file, head included, padding not
 * @param bodyFrameRawSize decompressed bytes of every body frame but the last, or 0 for a
 *     single-frame image
 * @param digest the algorithm of the four digests
 * @param headRawDigest digest of the head's raw bytes (hex)
 * @param bodyRawDigest digest of the body's raw bytes (hex)
 * @param headSlotDigest digest of the file's bytes {@code [0, headSlotLength)} (hex)
 * @param bodyDigest digest of the file's bytes {@code [headSlotLength, compressedLength)} (hex):
 *     for a single-frame image, of the whole file. The file has no single digest on record, so
 *     that a regeneration, which rewrites only the head slot, never reads the body again.
 */
public record ImageInfo(Codec codec, int level, boolean singleFrame, long rawLength, long compressedLength,
    long headRawLength, long headCompressedLength, long headSlotLength, long frameCount, long bodyFrameRawSize,
    ImageDigest digest, String headRawDigest, String bodyRawDigest, String headSlotDigest, String bodyDigest) {
  /** {@link #headCompressedLength} of a single-frame image: the head is not a frame of its own. */
  public static final long NO_HEAD_FRAME = -1;

  /** Compressed bytes after the head slot. */
  public long bodyCompressedLength() {
    return compressedLength - headSlotLength;
  }

  /** Decompressed bytes after the head. */
  public long bodyRawLength() {
    return rawLength - headRawLength;
  }

  /**
   * One value for the raw content: SHA-256 over the 32-byte head digest followed by the 32-byte
   * body digest ({@code printf %s%s $head $body | xxd -r -p | sha256sum}), for either algorithm.
   */
  public String contentDigest() {
    return contentDigest(headRawDigest, bodyRawDigest);
  }

  /** SHA-256 of the two 32-byte digests given in hex, head first. */
  public static String contentDigest(String headRawDigest, String bodyRawDigest) {
    HexFormat hex = HexFormat.of();
    byte[] both = new byte[2 * Sha256.DIGEST_BYTES];
    System.arraycopy(hex.parseHex(headRawDigest), 0, both, 0, Sha256.DIGEST_BYTES);
    System.arraycopy(hex.parseHex(bodyRawDigest), 0, both, Sha256.DIGEST_BYTES, Sha256.DIGEST_BYTES);
    return Sha256.hex(both, 0, both.length);
  }
}
