package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.ZstdFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The head slot: the head frame, padded so that the body starts at a multiple of
 * {@link #ALIGNMENT}. A new head whose compressed frame fits the same slot is written over the
 * old one in place, and the body is not read, copied or hashed again (docs/image-format.md,
 * "Regeneration").
 *
 * <p>The padding must be invisible to every loader, and the real ones are strict
 * (shared/spec/checkpoint-formats.md §4a): NEMU, the XiangShan emu and XS-GEM5 stop loading at the
 * first {@code ZSTD_decompressStream} call that yields no output, and a call returns at every
 * frame end, so a padding <em>frame</em> (skippable, or empty) would end the load after the head.
 * zstd padding therefore lives <em>inside</em> the head frame, as empty blocks right after its
 * frame header; libzstd consumes them within the call that decodes the head's first bytes:
 *
 * <pre>
 * zstd slot: | frame header | a × empty raw block | b × empty RLE block | the head's blocks | checksum |
 *            empty raw block: 00 00 00 (Block_Size 0, Raw, not last): 3 bytes
 *            empty RLE block: 02 00 00 xx (Block_Size 0, RLE, not last): 4 bytes, xx = 00
 *            padding P = 3a + 4b with b = P mod 3 (any P >= 6)
 * gzip slot: | head member | empty members ... |   (gzread reads empty members as nothing)
 *            1f 8b 08 04 | 00 00 00 00 00 ff | XLEN (u16 LE)
 *            'G' 'P' LEN (u16 LE) LEN zero bytes   (FEXTRA subfield)
 *            03 00 (empty final fixed-Huffman block) | CRC32 0 | ISIZE 0
 * </pre>
 *
 * The frame's content, content size and checksum are those of the unpadded frame. The slot's
 * length depends only on the head frame's compressed length, so a fresh build and an in-place
 * regeneration produce the same bytes.
 */
public final class HeadSlot {
  /** The body starts at a multiple of this (bytes). */
  public static final int ALIGNMENT = 64 << 10;
  static final int ZSTD_MIN_PADDING = 8;
  /** An empty raw block that is not the frame's last: header 0 (size 0, type raw, last 0). */
  static final int ZSTD_EMPTY_RAW_BLOCK = 3;
  /** An empty RLE block that is not the frame's last: header 2 (size 0, type RLE, last 0), one byte. */
  static final int ZSTD_EMPTY_RLE_BLOCK = 4;
  /** Header (10) + XLEN (2) + subfield header (4) + empty deflate block (2) + trailer (8). */
  static final int GZIP_MIN_MEMBER = 26;
  static final int GZIP_MAX_SUBFIELD = 0xFFFF - 4;
  static final int GZIP_MAX_MEMBER = GZIP_MIN_MEMBER + GZIP_MAX_SUBFIELD;
  private static final int GZIP_FEXTRA = 0x04;
  private static final int GZIP_OS_UNKNOWN = 0xFF;

  private static final byte[] ZERO_RUN = new byte[4096];

  private HeadSlot() {}

  /**
   * A head slot.
   *
   * @param bytes the slot's bytes
   * @param headFrameLength bytes of the slot that form the head frame: the whole slot for zstd
   *     (the padding is inside the frame), the head member for gzip (empty members follow)
   */
  public record Slot(byte[] bytes, int headFrameLength) {}

  /** Length of the slot for a head frame of {@code headFrameLength} compressed bytes. */
  public static long length(Codec codec, long headFrameLength) {
    long min = headFrameLength + minPadding(codec);
    return (min + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  /** The slot: {@code headFrame} padded up to {@link #length}. */
  public static Slot of(Codec codec, byte[] headFrame) {
    int slot = Math.toIntExact(length(codec, headFrame.length));
    byte[] out = new byte[slot];
    int padding = slot - headFrame.length;
    if (codec == Codec.ZSTD) {
      int header = ZstdFormat.frameHeaderSize(headFrame[ZstdFormat.MAGIC_SIZE] & 0xFF);
      System.arraycopy(headFrame, 0, out, 0, header);
      writeEmptyBlocks(out, header, padding);
      System.arraycopy(headFrame, header, out, header + padding, headFrame.length - header);
      return new Slot(out, slot);
    }
    System.arraycopy(headFrame, 0, out, 0, headFrame.length);
    writeGzipMembers(out, headFrame.length, padding);
    return new Slot(out, headFrame.length);
  }

  /**
   * A zstd slot's head frame without the empty blocks after its frame header: the frame {@link #of}
   * was given, which decodes to the same bytes with the same checksum. Decoding a slot block by
   * block costs about as much per empty block as per 4 KiB of content (a 64 KiB slot holds some
   * 20,000 of them, 0.3–0.5 ms); a regeneration decodes this instead. Any other slot (gzip, or
   * bytes that are not a zstd frame) is returned as it is, for the decoder to judge.
   */
  public static byte[] withoutPadding(Codec codec, byte[] slot) {
    if (codec != Codec.ZSTD || slot.length < ZstdFormat.MIN_FRAME_HEADER_SIZE
        || ZstdFormat.readIntLE(slot, 0) != ZstdFormat.MAGIC) {
      return slot;
    }
    int header = ZstdFormat.frameHeaderSize(slot[ZstdFormat.MAGIC_SIZE] & 0xFF);
    if (header > slot.length) {
      return slot;
    }
    // the empty raw blocks are zeros: skip whole ones at vector speed (the loop below takes the rest)
    int zeros = 0;
    while (header + zeros < slot.length) {
      int n = Math.min(ZERO_RUN.length, slot.length - header - zeros);
      int m = Arrays.mismatch(slot, header + zeros, header + zeros + n, ZERO_RUN, 0, n);
      zeros += m < 0 ? n : m;
      if (m >= 0) {
        break;
      }
    }
    int p = header + zeros / ZSTD_EMPTY_RAW_BLOCK * ZSTD_EMPTY_RAW_BLOCK;
    while (true) {
      if (p + ZSTD_EMPTY_RAW_BLOCK <= slot.length && slot[p] == 0 && slot[p + 1] == 0 && slot[p + 2] == 0) {
        p += ZSTD_EMPTY_RAW_BLOCK;
      } else if (p + ZSTD_EMPTY_RLE_BLOCK <= slot.length && slot[p] == (byte) (ZstdFormat.BLOCK_RLE << 1)
          && slot[p + 1] == 0 && slot[p + 2] == 0) {
        p += ZSTD_EMPTY_RLE_BLOCK; // an RLE block of size 0 yields nothing, whatever its byte
      } else {
        break;
      }
    }
    if (p == header) {
      return slot;
    }
    byte[] out = new byte[slot.length - (p - header)];
    System.arraycopy(slot, 0, out, 0, header);
    System.arraycopy(slot, p, out, header, slot.length - p);
    return out;
  }

  /** {@code n} bytes of empty, non-last zstd blocks at {@code out[at]}: raw (3 bytes) and RLE (4 bytes). */
  private static void writeEmptyBlocks(byte[] out, int at, int n) {
    int rle = n % ZSTD_EMPTY_RAW_BLOCK; // 4 = 1 (mod 3): this many RLE blocks leave a multiple of 3
    int raw = (n - rle * ZSTD_EMPTY_RLE_BLOCK) / ZSTD_EMPTY_RAW_BLOCK;
    if (raw < 0) {
      throw new IllegalArgumentException("zstd padding of " + n + " bytes is below the minimum");
    }
    // raw blocks are three zero bytes, already there
    int p = at + raw * ZSTD_EMPTY_RAW_BLOCK;
    for (int i = 0; i < rle; i++, p += ZSTD_EMPTY_RLE_BLOCK) {
      out[p] = (byte) (ZstdFormat.BLOCK_RLE << 1);
    }
  }

  private static int minPadding(Codec codec) {
    return switch (codec) {
      case ZSTD -> ZSTD_MIN_PADDING;
      case GZIP -> GZIP_MIN_MEMBER;
      case RAW -> throw new IllegalArgumentException("a raw image has no frames to pad between");
    };
  }

  private static void writeGzipMembers(byte[] out, int at, int n) {
    ByteBuffer b = ByteBuffer.wrap(out, at, n).order(ByteOrder.LITTLE_ENDIAN);
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
