package dev.gcpt.core.codec;

import java.io.IOException;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Strict gzip (RFC 1952) decoder: one or more members, each checked against its CRC32 and ISIZE
 * trailer. Anything after a member that is not another member is an error (the JDK's
 * {@code GZIPInputStream} silently drops it, and may even stop after the first member when the
 * input reports nothing {@code available()}).
 *
 * <pre>
 * member: +----+----+----+-----+-------+-----+----+ [extra] [name\0] [comment\0] [hcrc16]
 *         |ID1 |ID2 | CM | FLG | MTIME | XFL | OS |
 *         |1f  |8b  | 08 |     | 4 LE  |     |    |
 *         +----+----+----+-----+-------+-----+----+
 *         deflate data ...
 *         +-------------+-------------+
 *         | CRC32 (4 LE)| ISIZE (4 LE)|   ISIZE = raw length mod 2^32
 *         +-------------+-------------+
 * </pre>
 */
final class GzipDecoder implements Decoder {
  static final int ID1 = 0x1F;
  static final int ID2 = 0x8B;
  /** CM: the only method defined, deflate. */
  static final int CM_DEFLATE = 8;
  static final int FLG_FHCRC = 0x02;
  static final int FLG_FEXTRA = 0x04;
  static final int FLG_FNAME = 0x08;
  static final int FLG_FCOMMENT = 0x10;
  /** FLG bits 5..7 are reserved and must be zero. */
  static final int FLG_RESERVED = 0xE0;
  /** MTIME (4), XFL (1), OS (1) follow FLG. */
  static final int FIXED_HEADER_TAIL = 6;
  static final int TRAILER_SIZE = 8;
  private static final long U32_MASK = 0xFFFF_FFFFL;
  private static final int U16_MASK = 0xFFFF;

  private enum State { HEADER, DEFLATE, TRAILER, DONE }

  private final CompressedInput input;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final CRC32 headerCrc = new CRC32();
  private final Consumer<Frame> frames;
  private State state = State.HEADER;
  private long memberIndex;
  private long memberStart;
  private long memberRawStart;
  private long raw;

  GzipDecoder(CompressedInput input, Consumer<Frame> frames) {
    this.input = input;
    this.frames = frames;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    while (true) {
      switch (state) {
        case HEADER -> {
          readHeader();
          state = State.DEFLATE;
        }
        case DEFLATE -> {
          int n = inflate(b, off, len);
          if (n > 0) {
            return n;
          }
          if (inflater.finished()) {
            endMember();
          } else if (inflater.needsDictionary()) {
            throw MalformedStreamException.corrupt("member " + memberIndex + " needs a preset dictionary");
          } else if (inflater.needsInput()) {
            if (input.fill() < 0) {
              throw MalformedStreamException.truncated("truncated deflate data in member " + memberIndex);
            }
            inflater.setInput(input.buffer, input.pos, input.available());
            input.pos = input.limit;
          } else {
            throw new IllegalStateException("inflater made no progress in member " + memberIndex);
          }
        }
        case TRAILER -> throw new IllegalStateException("read after a trailer error");
        case DONE -> {
          return -1;
        }
      }
    }
  }

  private int inflate(byte[] b, int off, int len) throws MalformedStreamException {
    int n;
    try {
      n = inflater.inflate(b, off, len);
    } catch (DataFormatException e) {
      throw MalformedStreamException.corrupt("corrupt deflate data in member " + memberIndex + ": " + e.getMessage(), e);
    }
    if (n > 0) {
      crc.update(b, off, n);
      raw += n;
    }
    return n;
  }

  private void endMember() throws IOException {
    input.pos = input.limit - inflater.getRemaining();
    state = State.TRAILER;
    long memberRaw = raw - memberRawStart;
    long expectedCrc = readTrailerWord("CRC32");
    long expectedSize = readTrailerWord("ISIZE");
    if (expectedCrc != crc.getValue()) {
      throw MalformedStreamException.corrupt("CRC32 mismatch in member " + memberIndex + ": trailer says 0x"
          + Long.toHexString(expectedCrc) + ", data gives 0x" + Long.toHexString(crc.getValue()));
    }
    if (expectedSize != (memberRaw & U32_MASK)) {
      throw MalformedStreamException.corrupt("ISIZE mismatch in member " + memberIndex + ": trailer says " + expectedSize
          + ", member holds " + memberRaw + " bytes (mod 2^32: " + (memberRaw & U32_MASK) + ")");
    }
    if (frames != null) {
      frames.accept(new Frame(memberIndex, memberStart, input.position() - memberStart, memberRawStart, memberRaw,
          false));
    }
    memberIndex++;
    if (input.fill() < 0) {
      state = State.DONE;
      return;
    }
    int next = input.buffer[input.pos] & 0xFF;
    if (next != ID1) {
      throw MalformedStreamException.corrupt("trailing garbage after member " + (memberIndex - 1) + " (byte 0x"
          + Integer.toHexString(next) + " where the end of input or another member was expected)");
    }
    state = State.HEADER;
  }

  private long readTrailerWord(String field) throws IOException {
    long value = 0;
    for (int i = 0; i < 4; i++) {
      int c = input.read();
      if (c < 0) {
        throw MalformedStreamException.truncated("truncated trailer of member " + memberIndex + " (" + field + " missing)");
      }
      value |= (long) c << (8 * i);
    }
    return value;
  }

  private void readHeader() throws IOException {
    memberStart = input.position();
    memberRawStart = raw;
    headerCrc.reset();
    int id1 = headerByte();
    int id2 = headerByte();
    if (id1 != ID1 || id2 != ID2) {
      throw MalformedStreamException.corrupt("member " + memberIndex + " does not start with the gzip magic 1f 8b (found "
          + String.format("%02x %02x", id1, id2) + ")");
    }
    int cm = headerByte();
    if (cm != CM_DEFLATE) {
      throw MalformedStreamException.corrupt("member " + memberIndex + " uses compression method " + cm + " (only 8, deflate, exists)");
    }
    int flg = headerByte();
    if ((flg & FLG_RESERVED) != 0) {
      throw MalformedStreamException.corrupt("member " + memberIndex + " sets reserved flag bits (FLG 0x" + Integer.toHexString(flg) + ")");
    }
    for (int i = 0; i < FIXED_HEADER_TAIL; i++) {
      headerByte();
    }
    if ((flg & FLG_FEXTRA) != 0) {
      int xlen = headerByte() | headerByte() << 8;
      for (int i = 0; i < xlen; i++) {
        headerByte();
      }
    }
    if ((flg & FLG_FNAME) != 0) {
      while (headerByte() != 0) {
        // skip the zero-terminated original file name
      }
    }
    if ((flg & FLG_FCOMMENT) != 0) {
      while (headerByte() != 0) {
        // skip the zero-terminated comment
      }
    }
    if ((flg & FLG_FHCRC) != 0) {
      int expected = (int) (headerCrc.getValue() & U16_MASK);
      int stored = headerByte() | headerByte() << 8;
      if (stored != expected) {
        throw MalformedStreamException.corrupt("header CRC16 mismatch in member " + memberIndex + ": stored 0x"
            + Integer.toHexString(stored) + ", header gives 0x" + Integer.toHexString(expected));
      }
    }
    inflater.reset();
    crc.reset();
  }

  private int headerByte() throws IOException {
    int c = input.read();
    if (c < 0) {
      throw MalformedStreamException.truncated("truncated header of member " + memberIndex);
    }
    headerCrc.update(c);
    return c;
  }

  @Override
  public long compressedPosition() {
    return state == State.DEFLATE ? input.position() - inflater.getRemaining() : input.position();
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    input.close();
  }
}
