package dev.gcpt.core.verify;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.gcpt.core.codec.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes a compressed image frame by frame (zstd frames or gzip members), streaming: each frame
 * must decode completely, zstd frames to their declared content size and checksum, gzip members
 * to their CRC32 and ISIZE; the file must end exactly after its last frame. The raw bytes go to
 * a {@link RawSink} in order, so callers hash them without holding the image.
 *
 * <p>Deliberately separate from the {@code codec} package's decoders, which the reader and the
 * writer use: the verifier checks what they produced, so it parses frame headers, skippable frames
 * and gzip member headers itself (sharing only libzstd and the JDK's inflater) and a bug in the
 * shared path cannot hide itself.
 *
 * <pre>
 * zstd frame (RFC 8878 §3.1.1)               gzip member (RFC 1952 §2.3)
 * +--------------+------------------------+   +-----------------+----------------+----------------+
 * | magic (4) 28 b5 2f fd                  |   | 1f 8b 08 FLG    | MTIME XFL OS   | [EXTRA NAME    |
 * | FHD (1): FCS flag (2b) single seg (1b) |   |                 |                |  COMMENT HCRC] |
 * |   checksum flag (1b) dict id flag (2b) |   +-----------------+----------------+----------------+
 * | [window (1)] [dict id (0-4)] [FCS 0-8] |   | deflate blocks                                     |
 * | blocks ... | [XXH64 low 32 bits (4)]   |   | CRC32 (4, LE) | ISIZE = raw length mod 2^32 (4, LE)|
 * +----------------------------------------+   +----------------------------------------------------+
 * </pre>
 */
public final class ImageFrames {
  /** zstd frame magic, little-endian. */
  static final int ZSTD_MAGIC = 0xFD2FB528;
  private static final int ZSTD_MAGIC_BYTES = 4;
  /** Skippable frames: magic 0x184D2A50..5F, then a u32 LE content size. */
  private static final long ZSTD_SKIPPABLE = 0x184D2A50L;
  private static final long ZSTD_SKIPPABLE_MASK = 0xFFFFFFF0L;
  private static final int ZSTD_SKIPPABLE_HEADER = 8;
  /** Largest zstd frame header: magic, FHD, window descriptor, 4-byte dict id, 8-byte FCS. */
  private static final int ZSTD_MAX_HEADER = 18;
  private static final int FCS_TWO_BYTE_OFFSET = 256;
  private static final int GZIP_ID1 = 0x1F;
  private static final int GZIP_ID2 = 0x8B;
  private static final int GZIP_DEFLATE = 8;
  private static final int GZIP_FIXED_HEADER = 10;
  private static final int GZIP_TRAILER = 8;
  private static final int FHCRC = 0x02;
  private static final int FEXTRA = 0x04;
  private static final int FNAME = 0x08;
  private static final int FCOMMENT = 0x10;
  private static final int FRESERVED = 0xE0;
  private static final int IN_BUFFER = 1 << 17;
  private static final int OUT_BUFFER = 1 << 17;

  private ImageFrames() {}

  /** Receives the decoded bytes in order. */
  @FunctionalInterface
  public interface RawSink {
    void accept(byte[] b, int off, int len);
  }

  /**
   * One frame: where it starts in the file, its compressed and raw length, and the content size
   * its header declares (zstd; -1 when absent; gzip: the ISIZE trailer, raw length mod 2^32).
   */
  public record Frame(int index, long offset, long compressedLength, long rawLength, long declaredSize) {}

  /** A frame that does not decode: which one, where, and why. */
  public static final class FrameException extends IOException {
    private final boolean truncated;

    FrameException(String message, boolean truncated) {
      super(message);
      this.truncated = truncated;
    }

    /** True when the file ended inside a frame; false for corrupt bytes. */
    public boolean truncated() {
      return truncated;
    }
  }

  /**
   * Decodes every frame of {@code in}.
   *
   * @param name the file's name for messages
   * @throws FrameException naming the frame index and compressed offset of the first bad frame
   */
  public static List<Frame> read(InputStream in, String name, RawSink sink) throws IOException {
    Source src = new Source(in);
    if (!src.ensure(ZSTD_MAGIC_BYTES)) {
      throw new FrameException(name + ": " + (src.available() == 0 ? "empty file" : "too short for a frame"), true);
    }
    Codec codec = Codec.sniff(src.buf, src.available());
    return switch (codec) {
      case ZSTD -> new ZstdWalk(src, name, sink).run();
      case GZIP -> new GzipWalk(src, name, sink).run();
      case RAW -> throw new FrameException(name + ": not a zstd or gzip file (first bytes "
          + String.format("%02x %02x %02x %02x", src.buf[0], src.buf[1], src.buf[2], src.buf[3]) + ")", false);
    };
  }

  /** A refillable window on the input; {@code pos} is the file offset of {@code buf[start]}. */
  private static final class Source {
    final InputStream in;
    final byte[] buf = new byte[IN_BUFFER];
    int start;
    int end;
    long pos;
    boolean eof;

    Source(InputStream in) {
      this.in = in;
    }

    int available() {
      return end - start;
    }

    /** Makes at least {@code n} bytes available unless the input ends first; returns whether it did. */
    boolean ensure(int n) throws IOException {
      if (available() >= n) {
        return true;
      }
      System.arraycopy(buf, start, buf, 0, available());
      end -= start;
      start = 0;
      while (end < n && !eof) {
        int r = in.read(buf, end, buf.length - end);
        if (r < 0) {
          eof = true;
        } else {
          end += r;
        }
      }
      return available() >= n;
    }

    /** Consumes {@code n} available bytes. */
    void skip(int n) {
      start += n;
      pos += n;
    }

    int u8(int at) {
      return buf[start + at] & 0xFF;
    }

    long le(int at, int bytes) {
      long v = 0;
      for (int i = bytes - 1; i >= 0; i--) {
        v = (v << 8) | u8(at + i);
      }
      return v;
    }
  }

  private static final class ZstdWalk {
    private final Source src;
    private final String name;
    private final RawSink sink;

    ZstdWalk(Source src, String name, RawSink sink) {
      this.src = src;
      this.name = name;
      this.sink = sink;
    }

    List<Frame> run() throws IOException {
      List<Frame> frames = new ArrayList<>();
      ByteBuffer in = ByteBuffer.allocateDirect(IN_BUFFER);
      ByteBuffer out = ByteBuffer.allocateDirect(OUT_BUFFER);
      byte[] copy = new byte[OUT_BUFFER];
      try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
        while (src.ensure(1)) {
          int index = frames.size();
          long offset = src.pos;
          if (skippable(index, offset)) {
            frames.add(new Frame(index, offset, src.pos - offset, 0, 0));
            continue;
          }
          long declared = declaredSize(index, offset);
          ctx.reset();
          long raw = 0;
          boolean done = false;
          while (!done) {
            if (!src.ensure(1)) {
              throw new FrameException(name + ": frame " + index + " (at compressed offset " + offset
                  + ") is truncated: the file ends at " + src.pos + " after " + raw + " raw bytes", true);
            }
            in.clear();
            int n = Math.min(in.capacity(), src.available());
            in.put(src.buf, src.start, n).flip();
            do {
              out.clear();
              try {
                done = ctx.decompressDirectByteBufferStream(out, in);
              } catch (ZstdException e) {
                throw new FrameException(name + ": frame " + index + " (at compressed offset " + offset
                    + ") is corrupt near compressed offset " + (src.pos + in.position()) + ": " + e.getMessage(), false);
              }
              out.flip();
              int got = out.remaining();
              out.get(copy, 0, got);
              sink.accept(copy, 0, got);
              raw += got;
            } while (!done && (in.hasRemaining() || out.position() == out.capacity()));
            src.skip(in.position());
          }
          if (declared >= 0 && declared != raw) {
            throw new FrameException(name + ": frame " + index + " (at compressed offset " + offset
                + ") declares " + declared + " raw bytes but decodes to " + raw, false);
          }
          frames.add(new Frame(index, offset, src.pos - offset, raw, declared));
        }
      }
      return frames;
    }

    /** Consumes a skippable frame (RFC 8878 §3.1.2) at the current position, if there is one. */
    private boolean skippable(int index, long offset) throws IOException {
      src.ensure(ZSTD_SKIPPABLE_HEADER);
      if (src.available() < ZSTD_MAGIC_BYTES || (src.le(0, ZSTD_MAGIC_BYTES) & ZSTD_SKIPPABLE_MASK) != ZSTD_SKIPPABLE) {
        return false;
      }
      if (src.available() < ZSTD_SKIPPABLE_HEADER) {
        throw new FrameException(name + ": skippable frame " + index + " (at compressed offset " + offset
            + ") is truncated inside its header", true);
      }
      long left = src.le(ZSTD_MAGIC_BYTES, 4);
      src.skip(ZSTD_SKIPPABLE_HEADER);
      while (left > 0) {
        if (!src.ensure(1)) {
          throw new FrameException(name + ": skippable frame " + index + " (at compressed offset " + offset
              + ") is truncated: " + left + " bytes missing", true);
        }
        int n = (int) Math.min(left, src.available());
        src.skip(n);
        left -= n;
      }
      return true;
    }

    /** Checks the frame header at the current position; returns its content size or -1. */
    private long declaredSize(int index, long offset) throws IOException {
      src.ensure(ZSTD_MAX_HEADER);
      if (src.available() < ZSTD_MAGIC_BYTES || (int) src.le(0, ZSTD_MAGIC_BYTES) != ZSTD_MAGIC) {
        String seen = src.available() < ZSTD_MAGIC_BYTES ? src.available() + " byte(s)"
            : String.format("0x%08x", src.le(0, ZSTD_MAGIC_BYTES));
        throw new FrameException(name + ": bytes after frame " + (index - 1) + " at compressed offset " + offset
            + " are not a zstd frame (" + seen + ")", false);
      }
      if (src.available() < ZSTD_MAGIC_BYTES + 1) {
        throw new FrameException(name + ": frame " + index + " (at compressed offset " + offset
            + ") is truncated inside its header", true);
      }
      int fhd = src.u8(ZSTD_MAGIC_BYTES);
      int fcsFlag = fhd >>> 6;
      boolean singleSegment = (fhd & 0x20) != 0;
      int dictIdFlag = fhd & 0x3;
      int at = ZSTD_MAGIC_BYTES + 1 + (singleSegment ? 0 : 1) + new int[] {0, 1, 2, 4}[dictIdFlag];
      int fcsBytes = new int[] {singleSegment ? 1 : 0, 2, 4, 8}[fcsFlag];
      if (fcsBytes == 0) {
        return -1;
      }
      if (src.available() < at + fcsBytes) {
        throw new FrameException(name + ": frame " + index + " (at compressed offset " + offset
            + ") is truncated inside its header", true);
      }
      long v = src.le(at, fcsBytes);
      return fcsBytes == 2 ? v + FCS_TWO_BYTE_OFFSET : v;
    }
  }

  private static final class GzipWalk {
    private final Source src;
    private final String name;
    private final RawSink sink;

    GzipWalk(Source src, String name, RawSink sink) {
      this.src = src;
      this.name = name;
      this.sink = sink;
    }

    List<Frame> run() throws IOException {
      List<Frame> frames = new ArrayList<>();
      byte[] out = new byte[OUT_BUFFER];
      Inflater inf = new Inflater(true);
      try {
        while (src.ensure(1)) {
          int index = frames.size();
          long offset = src.pos;
          header(index, offset);
          inf.reset();
          CRC32 crc = new CRC32();
          long raw = 0;
          while (!inf.finished()) {
            if (inf.needsInput()) {
              if (!src.ensure(1)) {
                throw truncated(index, offset, raw);
              }
              inf.setInput(src.buf, src.start, src.available());
              src.skip(src.available());
            }
            int n;
            try {
              n = inf.inflate(out);
            } catch (DataFormatException e) {
              throw new FrameException(name + ": gzip member " + index + " (at compressed offset " + offset
                  + ") is corrupt after " + raw + " raw bytes: " + e.getMessage(), false);
            }
            if (n == 0 && inf.needsDictionary()) {
              throw new FrameException(name + ": gzip member " + index + " needs a preset dictionary", false);
            }
            crc.update(out, 0, n);
            sink.accept(out, 0, n);
            raw += n;
          }
          // give back what the inflater read beyond the deflate data
          int unused = inf.getRemaining();
          src.start -= unused;
          src.pos -= unused;
          if (!src.ensure(GZIP_TRAILER)) {
            throw truncated(index, offset, raw);
          }
          long wantCrc = src.le(0, 4);
          long isize = src.le(4, 4);
          src.skip(GZIP_TRAILER);
          if (wantCrc != crc.getValue()) {
            throw new FrameException(String.format("%s: gzip member %d (at compressed offset %d): CRC32 0x%08x "
                + "of the decoded bytes, the trailer says 0x%08x", name, index, offset, crc.getValue(), wantCrc), false);
          }
          if (isize != (raw & 0xFFFFFFFFL)) {
            throw new FrameException(name + ": gzip member " + index + " (at compressed offset " + offset
                + ") decodes to " + raw + " bytes, its ISIZE says " + isize + " (mod 2^32)", false);
          }
          frames.add(new Frame(index, offset, src.pos - offset, raw, isize));
        }
      } finally {
        inf.end();
      }
      return frames;
    }

    private FrameException truncated(int index, long offset, long raw) {
      return new FrameException(name + ": gzip member " + index + " (at compressed offset " + offset
          + ") is truncated: the file ends at " + src.pos + " after " + raw + " raw bytes", true);
    }

    private void header(int index, long offset) throws IOException {
      if (!src.ensure(GZIP_FIXED_HEADER)) {
        throw new FrameException(name + ": gzip member " + index + " (at compressed offset " + offset
            + ") is truncated inside its header", true);
      }
      if (src.u8(0) != GZIP_ID1 || src.u8(1) != GZIP_ID2 || src.u8(2) != GZIP_DEFLATE) {
        throw new FrameException(String.format("%s: bytes after member %d at compressed offset %d are not a gzip "
            + "member (%02x %02x %02x)", name, index - 1, offset, src.u8(0), src.u8(1), src.u8(2)), false);
      }
      int flg = src.u8(3);
      if ((flg & FRESERVED) != 0) {
        throw new FrameException(name + ": gzip member " + index + " (at compressed offset " + offset
            + ") has reserved flag bits set: 0x" + Integer.toHexString(flg), false);
      }
      src.skip(GZIP_FIXED_HEADER);
      if ((flg & FEXTRA) != 0) {
        need(2, index, offset);
        int xlen = (int) src.le(0, 2);
        src.skip(2);
        need(xlen, index, offset);
        src.skip(xlen);
      }
      for (int field : new int[] {FNAME, FCOMMENT}) {
        if ((flg & field) != 0) {
          do {
            need(1, index, offset);
            src.skip(1);
          } while (src.buf[src.start - 1] != 0);
        }
      }
      if ((flg & FHCRC) != 0) {
        need(2, index, offset);
        src.skip(2);
      }
    }

    private void need(int n, int index, long offset) throws IOException {
      if (!src.ensure(n)) {
        throw new FrameException(name + ": gzip member " + index + " (at compressed offset " + offset
            + ") is truncated inside its header", true);
      }
    }
  }
}
