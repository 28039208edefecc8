package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.CodecException;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.codec.Frame;
import dev.gcpt.core.codec.ZstdFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the frames of a compressed image file. zstd: walks frame and block headers and skips the
 * block contents, so no byte is decompressed (raw lengths come from the declared content sizes;
 * checksums are not checked). gzip: member boundaries are only known by inflating, so each member
 * is decoded and checked (CRC32, ISIZE) on the way. Either way the file must end exactly after
 * its last frame.
 */
public final class FrameScanner {
  private static final int SKIP_BUFFER_SIZE = 1 << 16;
  private static final int READ_BUFFER_SIZE = 1 << 20;

  private FrameScanner() {}

  /**
   * The frames of the file read from {@code in} (its first byte onwards).
   *
   * @param name the input's name for error messages
   * @throws CodecException truncated or malformed frames, trailing garbage
   * @throws ImageFormatException the input is empty or not compressed
   */
  public static List<Frame> scan(InputStream in, String name) throws IOException {
    byte[] magic = new byte[ZstdFormat.MAGIC_SIZE];
    int n = in.readNBytes(magic, 0, magic.length);
    Codec codec = Codec.sniff(magic, n);
    if (codec == Codec.RAW && n > 0 && n < ZstdFormat.MAGIC_SIZE && isZstdMagicPrefix(magic, n)) {
      throw new CodecException(CodecException.Kind.TRUNCATED, name, Codec.ZSTD, "truncated magic of frame 0", 0, n,
          null);
    }
    InputStream whole = new SequenceInputStream(new ByteArrayInputStream(magic, 0, n), in);
    return switch (codec) {
      case ZSTD -> new ZstdWalk(whole, name).run();
      case GZIP -> scanByDecoding(whole, name);
      case RAW -> throw new ImageFormatException(name + ": " + (n == 0 ? "empty input" : "not compressed")
          + ": no frames to scan");
    };
  }

  private static boolean isZstdMagicPrefix(byte[] head, int n) {
    for (int i = 0; i < n; i++) {
      if ((head[i] & 0xFF) != ((ZstdFormat.MAGIC >>> (8 * i)) & 0xFF)) {
        return false;
      }
    }
    return true;
  }

  private static List<Frame> scanByDecoding(InputStream in, String name) throws IOException {
    List<Frame> frames = new ArrayList<>();
    try (DecodedStream decoded = DecodedStream.open(in, name, Long.MAX_VALUE, frames::add)) {
      byte[] sink = new byte[READ_BUFFER_SIZE];
      while (decoded.read(sink, 0, sink.length) >= 0) {
        // members are reported to the list as they end
      }
    }
    return frames;
  }

  /**
   * A frame that holds no image bytes: a skippable zstd frame or an empty gzip member (the head
   * slot's padding, {@link HeadSlot}). Every data frame gcpt writes holds at least one byte.
   */
  public static boolean isPadding(Frame f) {
    return f.skippable() || f.rawLength() == 0;
  }

  /**
   * Checks that {@code frames} (from {@link #scan}) have the layout {@code expected} describes:
   * frame count, head frame compressed and raw length, the body starting at the end of the head
   * slot, body frames of exactly the body frame size but the last, total raw and compressed
   * lengths.
   *
   * @throws ImageFormatException naming the first frame that differs
   */
  public static void checkLayout(ImageInfo expected, List<Frame> frames, String name) throws ImageFormatException {
    List<Frame> data = frames.stream().filter(f -> !isPadding(f)).toList();
    if (data.size() != expected.frameCount()) {
      throw new ImageFormatException(name + ": " + data.size() + " frames, the manifest says " + expected.frameCount());
    }
    long fileEnd = frames.isEmpty() ? 0 : frames.get(frames.size() - 1).compressedEnd();
    if (fileEnd != expected.compressedLength()) {
      throw new ImageFormatException(name + ": frames end at " + fileEnd + ", the manifest says the file has "
          + expected.compressedLength() + " bytes");
    }
    long raw = 0;
    for (int i = 0; i < data.size(); i++) {
      Frame f = data.get(i);
      if (f.rawLength() == Frame.UNKNOWN) {
        throw new ImageFormatException(name + ": frame " + f.index() + " declares no content size");
      }
      raw += f.rawLength();
      if (expected.singleFrame()) {
        continue;
      }
      if (i == 0) {
        if (f.compressedLength() != expected.headCompressedLength() || f.rawLength() != expected.headRawLength()) {
          throw new ImageFormatException(name + ": head frame holds " + f.rawLength() + " raw bytes in "
              + f.compressedLength() + ", the manifest says " + expected.headRawLength() + " in "
              + expected.headCompressedLength());
        }
      } else {
        if (i == 1 && f.compressedOffset() != expected.headSlotLength()) {
          throw new ImageFormatException(name + ": the first body frame starts at compressed offset "
              + f.compressedOffset() + ", the manifest's head slot ends at " + expected.headSlotLength());
        }
        boolean last = i == data.size() - 1;
        long size = f.rawLength();
        boolean ok = last ? size > 0 && size <= expected.bodyFrameRawSize() : size == expected.bodyFrameRawSize();
        if (!ok) {
          throw new ImageFormatException(name + ": body frame at compressed offset " + f.compressedOffset() + " holds "
              + size + " raw bytes, the body frame size is " + expected.bodyFrameRawSize());
        }
      }
    }
    if (raw != expected.rawLength()) {
      throw new ImageFormatException(name + ": frames hold " + raw + " raw bytes, the manifest says "
          + expected.rawLength());
    }
  }

  /** Walks zstd frame and block headers, reading block contents only to skip them. */
  private static final class ZstdWalk {
    private final InputStream in;
    private final String name;
    private final byte[] header = new byte[ZstdFormat.MAX_FRAME_HEADER_SIZE];
    private final byte[] skipBuffer = new byte[SKIP_BUFFER_SIZE];
    private final List<Frame> frames = new ArrayList<>();
    private long pos;
    private long rawOffset;

    ZstdWalk(InputStream in, String name) {
      this.in = in;
      this.name = name;
    }

    List<Frame> run() throws IOException {
      while (true) {
        long start = pos;
        int n = in.readNBytes(header, 0, ZstdFormat.MAGIC_SIZE);
        pos += n;
        if (n == 0) {
          return frames;
        }
        if (n < ZstdFormat.MAGIC_SIZE) {
          throw truncated("truncated magic of frame " + frames.size());
        }
        int magic = ZstdFormat.readIntLE(header, 0);
        if (ZstdFormat.isSkippableMagic(magic)) {
          readExactly(ZstdFormat.MAGIC_SIZE, ZstdFormat.SKIPPABLE_SIZE_FIELD, "skippable frame size");
          long size = ZstdFormat.readIntLE(header, ZstdFormat.MAGIC_SIZE) & 0xFFFF_FFFFL;
          skipExactly(size, "skippable frame content");
          frames.add(new Frame(frames.size(), start, pos - start, rawOffset, 0, true));
          continue;
        }
        if (magic != ZstdFormat.MAGIC) {
          throw corrupt("unknown magic 0x" + Integer.toHexString(magic) + " where frame " + frames.size()
              + " should start (trailing garbage?)");
        }
        readExactly(ZstdFormat.MAGIC_SIZE, 1, "frame header");
        int headerSize = ZstdFormat.frameHeaderSize(header[ZstdFormat.MAGIC_SIZE] & 0xFF);
        readExactly(ZstdFormat.MIN_FRAME_HEADER_SIZE, headerSize - ZstdFormat.MIN_FRAME_HEADER_SIZE, "frame header");
        ZstdFormat.FrameHeader fh;
        try {
          fh = ZstdFormat.parseFrameHeader(header, 0);
        } catch (IllegalArgumentException e) {
          throw corrupt(e.getMessage());
        }
        walkBlocks();
        if (fh.hasChecksum()) {
          skipExactly(ZstdFormat.CHECKSUM_SIZE, "content checksum");
        }
        long rawLength = fh.contentSize() == ZstdFormat.CONTENT_SIZE_UNKNOWN ? Frame.UNKNOWN : fh.contentSize();
        frames.add(new Frame(frames.size(), start, pos - start, rawOffset, rawLength, false));
        rawOffset = rawOffset == Frame.UNKNOWN || rawLength == Frame.UNKNOWN ? Frame.UNKNOWN : rawOffset + rawLength;
      }
    }

    private void walkBlocks() throws IOException {
      byte[] block = new byte[ZstdFormat.BLOCK_HEADER_SIZE];
      ZstdFormat.BlockHeader bh;
      do {
        int n = in.readNBytes(block, 0, block.length);
        pos += n;
        if (n < block.length) {
          throw truncated("truncated block header in frame " + frames.size());
        }
        bh = ZstdFormat.parseBlockHeader(block, 0);
        if (bh.type() == ZstdFormat.BLOCK_RESERVED) {
          throw corrupt("reserved block type in frame " + frames.size());
        }
        if (bh.size() > ZstdFormat.BLOCK_SIZE_MAX) {
          throw corrupt("block of " + bh.size() + " bytes in frame " + frames.size() + " exceeds the 128 KiB maximum");
        }
        skipExactly(bh.contentBytes(), "block content");
      } while (!bh.last());
    }

    private void readExactly(int off, int len, String what) throws IOException {
      int n = in.readNBytes(header, off, len);
      pos += n;
      if (n < len) {
        throw truncated("truncated " + what + " of frame " + frames.size());
      }
    }

    /** Skips by reading: {@code InputStream.skip} may skip past the end of a file without saying so. */
    private void skipExactly(long len, String what) throws IOException {
      long left = len;
      while (left > 0) {
        int n = in.read(skipBuffer, 0, (int) Math.min(skipBuffer.length, left));
        if (n < 0) {
          throw truncated("truncated " + what + " of frame " + frames.size() + " (" + left + " of " + len
              + " bytes missing)");
        }
        left -= n;
        pos += n;
      }
    }

    private CodecException truncated(String problem) {
      return new CodecException(CodecException.Kind.TRUNCATED, name, Codec.ZSTD, problem, rawOffset, pos, null);
    }

    private CodecException corrupt(String problem) {
      return new CodecException(CodecException.Kind.CORRUPT, name, Codec.ZSTD, problem, rawOffset, pos, null);
    }
  }
}
