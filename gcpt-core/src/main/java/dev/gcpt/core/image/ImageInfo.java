package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;
import java.util.HexFormat;

/**
 * What an image file is, as {@link ImageWriter} wrote it (or {@link HeadSwap} rewrote it); the
 * manifest records these values.
 *
 * <p>The raw content is identified by two digests, never by one SHA-256 of the whole image
 * (SHA-256 states cannot be combined, so a new head would then need the whole body decompressed
 * and hashed again):
 * <ul>
 *   <li>{@code headRawSha256}: SHA-256 of the head, {@code [0, headRawLength)};
 *   <li>{@code bodyRawChunkedSha256}: {@link ChunkedSha256} of the body,
 *       {@code [headRawLength, rawLength)}: SHA-256 over the SHA-256 of each 4 KiB page.
 * </ul>
 * A new head changes only the first; regeneration carries the second over. Pages hash in
 * parallel and zero pages cost no hashing. {@link #contentSha256()} folds the two into one
 * value. With stock tools ({@code H} = headRawLength):
 * <pre>
 * zstd -dc img | head -c $H | sha256sum                                             # head
 * zstd -dc img | tail -c +$((H + 1)) | python3 -c "import hashlib,sys,functools;t=hashlib.sha256()
 *   [t.update(hashlib.sha256(p).digest()) for p in iter(functools.partial(sys.stdin.buffer.read,4096),b'')]
 *   print(t.hexdigest())"                                                         # body
 * </pre>
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
 * @param headRawSha256 SHA-256 of the head's raw bytes (hex)
 * @param bodyRawChunkedSha256 {@link ChunkedSha256} of the body's raw bytes (hex)
 * @param headSlotSha256 SHA-256 of the file's bytes {@code [0, headSlotLength)} (hex)
 * @param bodySha256 SHA-256 of the file's bytes {@code [headSlotLength, compressedLength)} (hex):
 *     for a single-frame image, of the whole file. The file has no single SHA-256 on record, so
 *     that a regeneration, which rewrites only the head slot, never reads the body again.
 */
public record ImageInfo(Codec codec, int level, boolean singleFrame, long rawLength, long compressedLength,
    long headRawLength, long headCompressedLength, long headSlotLength, long frameCount, long bodyFrameRawSize,
    String headRawSha256, String bodyRawChunkedSha256, String headSlotSha256, String bodySha256) {
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
   * body digest ({@code printf %s%s $head $body | xxd -r -p | sha256sum}).
   */
  public String contentSha256() {
    HexFormat hex = HexFormat.of();
    byte[] both = new byte[2 * Sha256.DIGEST_BYTES];
    System.arraycopy(hex.parseHex(headRawSha256), 0, both, 0, Sha256.DIGEST_BYTES);
    System.arraycopy(hex.parseHex(bodyRawChunkedSha256), 0, both, Sha256.DIGEST_BYTES, Sha256.DIGEST_BYTES);
    return Sha256.hex(both, 0, both.length);
  }
}
