package dev.gcpt.core.codec;

/**
 * The zstd frame format (RFC 8878 §3.1) as far as walking frames without decoding needs it.
 *
 * <pre>
 * data frame:
 * +-------------+--------------+-------------+---------+--------------+--------+-----+-----------+
 * | magic       | frame header | window      | dict id | content size | block  | ... | checksum  |
 * | 28 b5 2f fd | descriptor 1 | descriptor  | 0/1/2/4 | 0/1/2/4/8    | 3 + n  |     | 0 or 4    |
 * | (LE u32)    |              | 0 or 1      |         |              |        |     | (XXH64 lo)|
 * +-------------+--------------+-------------+---------+--------------+--------+-----+-----------+
 * descriptor: bits 7-6 content size flag, 5 single segment, 4 unused, 3 reserved (0),
 *             2 checksum flag, 1-0 dictionary id flag
 * block header (LE u24): bit 0 last block, bits 2-1 type (0 raw, 1 RLE, 2 compressed,
 *             3 reserved), bits 23-3 size; a raw block carries size bytes, an RLE block 1 byte,
 *             a compressed block size bytes
 *
 * skippable frame: magic 0x184D2A50..0x184D2A5F (LE u32), size (LE u32), size bytes
 * </pre>
 */
public final class ZstdFormat {
  private ZstdFormat() {}

  /** Magic of a data frame, read as a little-endian u32 (bytes 28 b5 2f fd). */
  public static final int MAGIC = 0xFD2FB528;
  /** Skippable frame magics are 0x184D2A50..0x184D2A5F; this masks the variable low nibble. */
  public static final int SKIPPABLE_MAGIC_MASK = 0xFFFFFFF0;
  public static final int SKIPPABLE_MAGIC = 0x184D2A50;
  public static final int MAGIC_SIZE = 4;
  /** The size field after a skippable frame's magic. */
  public static final int SKIPPABLE_SIZE_FIELD = 4;
  /** Magic + descriptor + window + dictionary id (4) + content size (8). */
  public static final int MAX_FRAME_HEADER_SIZE = MAGIC_SIZE + 1 + 1 + 4 + 8;
  /** Magic + descriptor: enough to know the whole header's size. */
  public static final int MIN_FRAME_HEADER_SIZE = MAGIC_SIZE + 1;
  public static final int BLOCK_HEADER_SIZE = 3;
  /** Largest block content (Block_Maximum_Size = min(window size, 128 KiB)). */
  public static final int BLOCK_SIZE_MAX = 128 * 1024;
  public static final int CHECKSUM_SIZE = 4;

  static final int FCS_FLAG_SHIFT = 6;
  static final int SINGLE_SEGMENT_BIT = 0x20;
  static final int RESERVED_BIT = 0x08;
  static final int CHECKSUM_BIT = 0x04;
  static final int DICT_ID_FLAG_MASK = 0x03;
  /** A 2-byte content size field holds the size minus this. */
  static final int FCS_2_BYTE_OFFSET = 256;
  private static final int[] DICT_ID_SIZES = {0, 1, 2, 4};
  private static final int[] FCS_SIZES = {0, 2, 4, 8};

  public static final int BLOCK_RAW = 0;
  public static final int BLOCK_RLE = 1;
  public static final int BLOCK_COMPRESSED = 2;
  public static final int BLOCK_RESERVED = 3;

  /** Content size value meaning "not declared". */
  public static final long CONTENT_SIZE_UNKNOWN = -1;

  /**
   * A data frame's header.
   *
   * @param headerSize bytes from the magic to the first block header
   * @param contentSize the declared decompressed size, or {@link #CONTENT_SIZE_UNKNOWN}
   * @param hasChecksum a 4-byte content checksum follows the last block
   * @param singleSegment the window is the whole content
   * @param dictionaryId 0 when no dictionary is named
   */
  public record FrameHeader(int headerSize, long contentSize, boolean hasChecksum, boolean singleSegment,
      long dictionaryId) {}

  /** A block header. */
  public record BlockHeader(boolean last, int type, int size) {
    /** Bytes of block content after the 3-byte header. */
    public int contentBytes() {
      return type == BLOCK_RLE ? 1 : size;
    }
  }

  public static boolean isSkippableMagic(int magic) {
    return (magic & SKIPPABLE_MAGIC_MASK) == SKIPPABLE_MAGIC;
  }

  /** Size of the frame header implied by its descriptor byte (magic included). */
  public static int frameHeaderSize(int descriptor) {
    boolean singleSegment = (descriptor & SINGLE_SEGMENT_BIT) != 0;
    int fcsFlag = (descriptor >>> FCS_FLAG_SHIFT) & 0x3;
    int fcsSize = fcsFlag == 0 && singleSegment ? 1 : FCS_SIZES[fcsFlag];
    return MAGIC_SIZE + 1 + (singleSegment ? 0 : 1) + DICT_ID_SIZES[descriptor & DICT_ID_FLAG_MASK] + fcsSize;
  }

  /**
   * Parses a data frame header starting at {@code b[off]} (the magic); {@code b} must hold
   * {@link #frameHeaderSize} bytes from {@code off}.
   *
   * @throws IllegalArgumentException the magic is wrong or the reserved bit is set
   */
  public static FrameHeader parseFrameHeader(byte[] b, int off) {
    int magic = readIntLE(b, off);
    if (magic != MAGIC) {
      throw new IllegalArgumentException("not a zstd frame: magic 0x" + Integer.toHexString(magic));
    }
    int descriptor = b[off + MAGIC_SIZE] & 0xFF;
    if ((descriptor & RESERVED_BIT) != 0) {
      throw new IllegalArgumentException("zstd frame header descriptor 0x" + Integer.toHexString(descriptor)
          + " sets the reserved bit");
    }
    boolean singleSegment = (descriptor & SINGLE_SEGMENT_BIT) != 0;
    int p = off + MAGIC_SIZE + 1 + (singleSegment ? 0 : 1);
    int dictSize = DICT_ID_SIZES[descriptor & DICT_ID_FLAG_MASK];
    long dictId = readLE(b, p, dictSize);
    p += dictSize;
    int fcsFlag = (descriptor >>> FCS_FLAG_SHIFT) & 0x3;
    int fcsSize = fcsFlag == 0 && singleSegment ? 1 : FCS_SIZES[fcsFlag];
    long contentSize;
    if (fcsSize == 0) {
      contentSize = CONTENT_SIZE_UNKNOWN;
    } else {
      contentSize = readLE(b, p, fcsSize);
      if (fcsSize == 2) {
        contentSize += FCS_2_BYTE_OFFSET;
      }
      if (contentSize < 0) {
        throw new IllegalArgumentException("zstd frame declares a content size above 2^63");
      }
    }
    p += fcsSize;
    return new FrameHeader(p - off, contentSize, (descriptor & CHECKSUM_BIT) != 0, singleSegment, dictId);
  }

  /** Parses a 3-byte block header at {@code b[off]}. */
  public static BlockHeader parseBlockHeader(byte[] b, int off) {
    int h = (int) readLE(b, off, BLOCK_HEADER_SIZE);
    return new BlockHeader((h & 1) != 0, (h >>> 1) & 0x3, h >>> 3);
  }

  public static int readIntLE(byte[] b, int off) {
    return (int) readLE(b, off, 4);
  }

  static long readLE(byte[] b, int off, int size) {
    long v = 0;
    for (int i = 0; i < size; i++) {
      v |= (long) (b[off + i] & 0xFF) << (8 * i);
    }
    return v;
  }
}
