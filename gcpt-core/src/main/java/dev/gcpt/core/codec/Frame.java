package dev.gcpt.core.codec;

/**
 * One independently decodable unit of a compressed file: a zstd frame (data or skippable) or a
 * gzip member. Offsets and lengths are in bytes; the raw values are positions in the decompressed
 * image.
 *
 * @param index position of the frame in the file, from 0
 * @param compressedOffset where the frame starts in the compressed file
 * @param compressedLength the frame's compressed size, headers and trailer included
 * @param rawOffset where the frame's content starts in the decompressed image, or
 *     {@link #UNKNOWN} when an earlier frame's size is unknown
 * @param rawLength decompressed bytes the frame holds, or {@link #UNKNOWN} (a zstd frame without a
 *     declared content size, read without decompressing)
 * @param skippable a zstd skippable frame (holds no image bytes)
 */
public record Frame(long index, long compressedOffset, long compressedLength, long rawOffset, long rawLength,
    boolean skippable) {
  /** Value of a raw offset or length that is not known without decompressing. */
  public static final long UNKNOWN = -1;

  /** The compressed offset just past the frame. */
  public long compressedEnd() {
    return compressedOffset + compressedLength;
  }
}
