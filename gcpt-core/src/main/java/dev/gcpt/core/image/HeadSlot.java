package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The head slot: the head frame followed by padding that holds no image bytes, so that the body
 * starts at a multiple of {@link #ALIGNMENT}. A new head whose compressed frame fits the same
 * slot is written over the old one in place, and the body is not read, copied or hashed again
 * (docs/image-format.md, "Regeneration").
 *
 * <pre>
 * zstd padding: one skippable frame   5e 2a 4d 18 | size (u32 LE) | size zero bytes
 * gzip padding: empty members         1f 8b 08 04 | 00 00 00 00 00 ff | XLEN (u16 LE)
 *                                     'G' 'P' LEN (u16 LE) LEN zero bytes   (FEXTRA subfield)
 *                                     03 00 (empty final fixed-Huffman block) | CRC32 0 | ISIZE 0
 * </pre>
 *
 * Every zstd and gzip reader (libzstd's streaming API, zlib's gzread, {@code zstd -d},
 * {@code gzip -d}) skips both. The slot's length depends only on the head frame's compressed
 * length, so a fresh build and an in-place regeneration produce the same bytes.
 */
public final class HeadSlot {
  /** The body starts at a multiple of this (bytes). */
  public static final int ALIGNMENT = 64 << 10;
  /** Magic of the skippable zstd frame used as padding (one of 0x184D2A50..5F). */
  static final int ZSTD_PADDING_MAGIC = 0x184D2A5E;
  static final int ZSTD_MIN_PADDING = 8;
  /** Header (10) + XLEN (2) + subfield header (4) + empty deflate block (2) + trailer (8). */
  static final int GZIP_MIN_MEMBER = 26;
  static final int GZIP_MAX_SUBFIELD = 0xFFFF - 4;
  static final int GZIP_MAX_MEMBER = GZIP_MIN_MEMBER + GZIP_MAX_SUBFIELD;
  private static final int GZIP_FEXTRA = 0x04;
  private static final int GZIP_OS_UNKNOWN = 0xFF;

  private HeadSlot() {}

  /** Length of the slot for a head frame of {@code headFrameLength} compressed bytes. */
  public static long length(Codec codec, long headFrameLength) {
    long min = headFrameLength + minPadding(codec);
    return (min + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  /** The slot: {@code headFrame} then padding up to {@link #length}. */
  public static byte[] of(Codec codec, byte[] headFrame) {
    int slot = Math.toIntExact(length(codec, headFrame.length));
    byte[] out = new byte[slot];
    System.arraycopy(headFrame, 0, out, 0, headFrame.length);
    writePadding(codec, out, headFrame.length, slot - headFrame.length);
    return out;
  }

  private static int minPadding(Codec codec) {
    return switch (codec) {
      case ZSTD -> ZSTD_MIN_PADDING;
      case GZIP -> GZIP_MIN_MEMBER;
      case RAW -> throw new IllegalArgumentException("a raw image has no frames to pad between");
    };
  }

  private static void writePadding(Codec codec, byte[] out, int at, int n) {
    ByteBuffer b = ByteBuffer.wrap(out, at, n).order(ByteOrder.LITTLE_ENDIAN);
    if (codec == Codec.ZSTD) {
      b.putInt(ZSTD_PADDING_MAGIC).putInt(n - ZSTD_MIN_PADDING); // content: zeros already
      return;
    }
    int left = n;
    while (left > 0) {
      int member = Math.min(left, GZIP_MAX_MEMBER);
      if (left - member > 0 && left - member < GZIP_MIN_MEMBER) {
        member = left - GZIP_MIN_MEMBER; // leave room for one more whole member
      }
      int subfield = member - GZIP_MIN_MEMBER;
      int start = b.position();
      b.put((byte) 0x1F).put((byte) 0x8B).put((byte) 8).put((byte) GZIP_FEXTRA).putInt(0).put((byte) 0)
          .put((byte) GZIP_OS_UNKNOWN);
      b.putShort((short) (subfield + 4)).put((byte) 'G').put((byte) 'P').putShort((short) subfield);
      b.position(b.position() + subfield);
      b.put((byte) 0x03).put((byte) 0x00).putInt(0).putInt(0);
      if (b.position() - start != member) {
        throw new IllegalStateException("gzip padding member of " + (b.position() - start) + " bytes, wanted " + member);
      }
      left -= member;
    }
  }
}
