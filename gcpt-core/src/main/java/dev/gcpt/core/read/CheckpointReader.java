package dev.gcpt.core.read;

import static dev.gcpt.core.layout.Offsets.CORE_BLOCK;
import static dev.gcpt.core.layout.Offsets.MAX_HARTS;
import static dev.gcpt.core.layout.Offsets.STATE_MAGIC;
import static dev.gcpt.core.layout.Offsets.V2_FIRST_BLOCK;

import dev.gcpt.core.codec.CodecException;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.descriptor.DescriptorException;
import dev.gcpt.core.image.Sha256;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.ExternalRestorer;
import dev.gcpt.core.read.CheckpointException.Reason;
import dev.gcpt.core.state.HartState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a checkpoint from a stream: sniffs the codec, reads only the reserved window, detects
 * the layout variant (checkpoint-formats.md §3, in the spec's order) and extracts every hart.
 *
 * <p>Detection order after decompression: (1) bytes 0..5 = {@code 08 ef fd b6 f5 0d} → V3;
 * (1b) a JAL at 0 and a protobuf descriptor at 0xEC000 or 0x7F000 → an image gcpt normalized
 * (read through its descriptor; the variant is the source's, inferred from the descriptor); (2) u64 @0xECDB0 = 0xBEEF → V1; (3) u64 @0x3ECDB0 = 0xBEEF → V2 (harts counted by probing
 * 1 MiB blocks, cross-checked with csr_reserve); (4) u64 @0xF00 = 0xBEEF → V0; else not a
 * checkpoint.
 */
public final class CheckpointReader {
  /** The bytes a NEMU/LibCheckpoint protobuf header starts with (field 1 = 0xDEADBEEF). */
  static final byte[] V3_PREFIX = {0x08, (byte) 0xEF, (byte) 0xFD, (byte) 0xB6, (byte) 0xF5, 0x0D};
  /** Size of the first read: the V0/V1/V3 reserved window. */
  static final int HEAD = 0x100000;
  /** How far a V3 header may extend before it is called garbage. */
  static final int V3_HEADER_LIMIT = 0x1000;
  /** Core blocks probed past the last V2 hart for a gap, when csr_reserve does not give the count. */
  static final int V2_GAP_PROBE = 4;
  /** JAL opcode (low 7 bits of word 0 when a restorer is embedded). */
  static final int JAL_OPCODE = 0x6F;

  /**
   * Reader settings.
   *
   * @param windowBase DRAM offset W of the reserved window (PlatformProfile.windowBase; 0 for
   *     every producer's image). With W &gt; 0 the bytes [0, W) are read first and kept as the
   *     image's prefix, and detection runs on the image from W on: every offset the reader and
   *     {@link OpenCheckpoint} report (core bases, window length, descriptor offset) is relative
   *     to W.
   */
  public record Options(int vlen, long maxRawBytes, long windowBase) {
    /** VLEN 128 (NEMU and both upstream restorers), 64 GiB ceiling, window at DRAM start. */
    public static final Options DEFAULT = new Options(128, 64L << 30);

    public Options {
      if (vlen < 64 || vlen > 2048 || Integer.bitCount(vlen) != 1) {
        throw new IllegalArgumentException("VLEN must be a power of two in 64..2048: " + vlen);
      }
      if (windowBase < 0 || windowBase > Offsets.MAX_WINDOW_BASE || windowBase % Offsets.WINDOW_ALIGN != 0) {
        throw new IllegalArgumentException("window base must be a multiple of 0x" + Long.toHexString(Offsets.WINDOW_ALIGN)
            + " in 0..0x" + Long.toHexString(Offsets.MAX_WINDOW_BASE) + ": 0x" + Long.toHexString(windowBase));
      }
    }

    /** The window at DRAM start (W = 0). */
    public Options(int vlen, long maxRawBytes) {
      this(vlen, maxRawBytes, 0);
    }

    /** These options with the window at {@code base}. */
    public Options withWindowBase(long base) {
      return new Options(vlen, maxRawBytes, base);
    }
  }

  private CheckpointReader() {}

  /** Opens and understands {@code in}; the caller streams the rest and closes. */
  public static OpenCheckpoint open(InputStream in, String name, Options opt) throws CheckpointException {
    DecodedStream decoded;
    try {
      decoded = DecodedStream.open(in, name, opt.maxRawBytes());
    } catch (IOException e) {
      throw asCheckpointException(name, e);
    }
    try {
      return new Detection(name, decoded, opt).run();
    } catch (CheckpointException e) {
      closeQuietly(decoded, e);
      throw e;
    } catch (IOException e) {
      CheckpointException ce = asCheckpointException(name, e);
      closeQuietly(decoded, ce);
      throw ce;
    } catch (RuntimeException e) {
      closeQuietly(decoded, e);
      throw e;
    }
  }

  private static void closeQuietly(DecodedStream d, Exception primary) {
    try {
      d.close();
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }

  /** Maps I/O and codec errors to a typed checkpoint error (kept as is when already typed). */
  public static CheckpointException asCheckpointException(String name, IOException e) {
    if (e instanceof CheckpointException ce) {
      return ce;
    }
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof CodecException ce) {
      Reason r = switch (ce.kind()) {
        case EMPTY -> Reason.EMPTY;
        case TRUNCATED -> Reason.TRUNCATED;
        case TOO_LARGE -> Reason.TOO_LARGE;
        default -> Reason.CORRUPT;
      };
      return new CheckpointException(r, msg, e);
    }
    // decoders raise these outside DecodedStream.read too (GZIPInputStream reads the header in its
    // constructor): they are about the bytes, not the storage
    if (e instanceof java.io.EOFException) {
      return new CheckpointException(Reason.TRUNCATED, name + ": truncated stream: " + msg, e);
    }
    if (e instanceof java.util.zip.ZipException) {
      return new CheckpointException(Reason.CORRUPT, name + ": corrupt stream: " + msg, e);
    }
    return new CheckpointException(Reason.IO, name + ": " + msg, e);
  }

  /** One detection run over one stream. */
  private static final class Detection {
    private final String name;
    private final DecodedStream in;
    private final Options opt;
    private byte[] buf = new byte[HEAD];
    private int len;
    private boolean eof;
    private final List<String> notes = new ArrayList<>();
    private long normalizedAt = -1;
    /** The image's bytes below the window base (empty for W = 0). */
    private byte[] prefix = new byte[0];

    Detection(String name, DecodedStream in, Options opt) {
      this.name = name;
      this.in = in;
      this.opt = opt;
    }

    /** Reads until at least {@code upTo} bytes are buffered or the image ends. */
    private int ensure(long upTo) throws IOException {
      if (upTo > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("window too large: " + upTo);
      }
      int want = (int) upTo;
      if (want > buf.length) {
        byte[] bigger = new byte[Math.max(want, buf.length * 2)];
        System.arraycopy(buf, 0, bigger, 0, len);
        buf = bigger;
      }
      while (len < want && !eof) {
        int n = in.read(buf, len, want - len);
        if (n < 0) {
          eof = true;
        } else {
          len += n;
        }
      }
      return len;
    }

    private long u64(long off) {
      return ByteBuffer.wrap(buf, 0, len).order(ByteOrder.LITTLE_ENDIAN).getLong((int) off);
    }

    private boolean hasMagicAt(long off) throws IOException {
      return ensure(off + 8) >= off + 8 && u64(off) == STATE_MAGIC;
    }

    private String hexAt(long off) {
      return off + 8 <= len ? "0x" + Long.toHexString(u64(off)) : "(image ends at 0x" + Long.toHexString(len) + ")";
    }

    OpenCheckpoint run() throws IOException {
      if (opt.windowBase() > 0) {
        readPrefix();
      }
      ensure(HEAD);
      if (len == 0) {
        if (opt.windowBase() > 0) {
          throw new CheckpointException(Reason.TOO_SHORT, name + ": image ends at the window base 0x"
              + Long.toHexString(opt.windowBase()) + ": no reserved window");
        }
        throw new CheckpointException(Reason.EMPTY, name + ": empty image (0 bytes after "
            + in.codec().cliName() + " decoding)");
      }
      if (startsWithV3Prefix(0)) {
        return v3();
      }
      if (len >= 4 && (u32(0) & 0x7F) == JAL_OPCODE) {
        for (long off : new long[] {Offsets.DESCRIPTOR_RVGCVH, Offsets.DESCRIPTOR_V0}) {
          if (startsWithV3Prefix(off)) {
            return normalized(off);
          }
        }
      }
      StateLayout v1 = StateLayout.RVGCVH;
      if (hasMagicAt(v1.magic())) {
        return build(Variant.V1, v1, new long[] {0}, HEAD, null);
      }
      if (hasMagicAt(V2_FIRST_BLOCK + v1.magic())) {
        return v2();
      }
      if (hasMagicAt(StateLayout.ORIGINAL.magic())) {
        return build(Variant.V0, StateLayout.ORIGINAL, new long[] {0}, HEAD, null);
      }
      throw new CheckpointException(Reason.NOT_A_CHECKPOINT, name + ": not a checkpoint: no state magic 0xbeef"
          + " (u64 @0xecdb0 = " + hexAt(0xECDB0) + ", @0x3ecdb0 = " + hexAt(0x3ECDB0)
          + ", @0xf00 = " + hexAt(0xF00) + ") and no protobuf header at offset 0"
          + (opt.windowBase() > 0 ? " (offsets from the window base 0x" + Long.toHexString(opt.windowBase()) + ")" : ""));
    }

    /** Reads [0, windowBase) into {@link #prefix}; detection then starts at the window. */
    private void readPrefix() throws IOException {
      byte[] p = new byte[Math.toIntExact(opt.windowBase())];
      int got = 0;
      while (got < p.length) {
        int n = in.read(p, got, p.length - got);
        if (n < 0) {
          throw new CheckpointException(Reason.TOO_SHORT, name + ": image ends at 0x" + Long.toHexString(got)
              + ", before the window base 0x" + Long.toHexString(opt.windowBase()));
        }
        got += n;
      }
      prefix = p;
    }

    private int u32(long off) {
      return ByteBuffer.wrap(buf, 0, len).order(ByteOrder.LITTLE_ENDIAN).getInt((int) off);
    }

    private boolean startsWithV3Prefix(long at) {
      if (len < at + V3_PREFIX.length) {
        return false;
      }
      for (int i = 0; i < V3_PREFIX.length; i++) {
        if (buf[(int) at + i] != V3_PREFIX[i]) {
          return false;
        }
      }
      return true;
    }

    private OpenCheckpoint v3() throws IOException {
      Descriptor d;
      try {
        d = Descriptor.decode(buf, 0, Math.min(len, V3_HEADER_LIMIT)).descriptor();
      } catch (DescriptorException e) {
        throw new CheckpointException(Reason.BAD_DESCRIPTOR, name + ": V3 protobuf header does not decode: "
            + e.getMessage(), e);
      }
      StateLayout l = d.layout();
      checkV3Layout(d, l);
      List<Long> bases = new ArrayList<>();
      for (int i = 0; i < d.cpuNum(); i++) {
        long base = d.cptOffset() + (long) i * d.singleCoreSize();
        if (!hasMagicAt(base + l.magic())) {
          break;
        }
        bases.add(base);
      }
      if (bases.isEmpty()) {
        throw new CheckpointException(Reason.NOT_A_CHECKPOINT, name + ": V3 header present but no state magic"
            + " 0xbeef at core 0 (offset 0x" + Long.toHexString(d.cptOffset() + l.magic()) + " holds "
            + hexAt(d.cptOffset() + l.magic()) + ")");
      }
      if (bases.size() != d.cpuNum()) {
        notes.add("V3 header says cpu_num " + d.cpuNum() + " but " + bases.size() + " core(s) carry state");
      }
      long[] b = bases.stream().mapToLong(Long::longValue).toArray();
      return build(Variant.V3, l, b, roundUpToBlock(b[b.length - 1] + l.end(opt.vlen())), d);
    }

    /**
     * The header's numbers must place every hart's state, whole, inside the reserved window,
     * without two harts sharing bytes: values a file can hold (2^64 - 1, offsets past the core,
     * overlapping cores) are refused with the field and its value, never an arithmetic error.
     */
    private void checkV3Layout(Descriptor d, StateLayout l) throws CheckpointException {
      if (d.cpuNum() < 0 || d.cpuNum() > MAX_HARTS) {
        throw new CheckpointException(Reason.TOO_MANY_HARTS, name + ": V3 header's cpu_num is "
            + Long.toUnsignedString(d.cpuNum()) + "; at most " + MAX_HARTS + " harts are supported");
      }
      String[] names = {"magic_number_cpt_addr", "pc_cpt_addr", "mode_cpt_addr", "mtime_cpt_addr",
          "mtime_cmp_cpt_addr", "int_reg_cpt_addr", "float_reg_cpt_addr", "csr_reg_cpt_addr"};
      long[] values = {l.magic(), l.pc(), l.mode(), l.mtime(), l.mtimecmp(), l.intRegs(), l.floatRegs(), l.csrs()};
      for (int i = 0; i < names.length; i++) {
        if (values[i] < 0 || values[i] >= CORE_BLOCK) {
          throw new CheckpointException(Reason.BAD_DESCRIPTOR, name + ": V3 memlayout " + names[i] + " is 0x"
              + Long.toUnsignedString(values[i], 16) + ", outside a core's 0x" + Long.toHexString(CORE_BLOCK)
              + " bytes");
        }
      }
      long coreEnd = l.end(opt.vlen());
      if (coreEnd > CORE_BLOCK) {
        throw new CheckpointException(Reason.BAD_DESCRIPTOR, name + ": V3 memlayout puts state up to 0x"
            + Long.toHexString(coreEnd) + " from the core base, past a core's 0x" + Long.toHexString(CORE_BLOCK)
            + " bytes (vector_reg_cpt_addr 0x" + Long.toUnsignedString(l.vectorRegs(), 16) + ", csr_reserve 0x"
            + Long.toUnsignedString(l.csrReserve(), 16) + ")");
      }
      if (d.cpuNum() > 1 && (d.singleCoreSize() < coreEnd || d.singleCoreSize() < 0)) {
        throw new CheckpointException(Reason.BAD_DESCRIPTOR, name + ": V3 header says cpu_num " + d.cpuNum()
            + " with single_core_size 0x" + Long.toUnsignedString(d.singleCoreSize(), 16)
            + ": the harts' state would overlap (one hart's state spans 0x" + Long.toHexString(coreEnd) + " bytes)");
      }
      long windowEnd;
      try {
        windowEnd = Math.addExact(Math.addExact(d.cptOffset(),
            Math.multiplyExact((long) Math.max(0, d.cpuNum() - 1), d.singleCoreSize())), coreEnd);
      } catch (ArithmeticException e) {
        windowEnd = Long.MAX_VALUE;
      }
      if (d.cptOffset() < 0 || windowEnd > V2_FIRST_BLOCK + (long) MAX_HARTS * CORE_BLOCK) {
        throw new CheckpointException(Reason.BAD_DESCRIPTOR, name + ": V3 header places state outside any"
            + " reserved window: cpt_offset 0x" + Long.toUnsignedString(d.cptOffset(), 16) + ", single_core_size 0x"
            + Long.toUnsignedString(d.singleCoreSize(), 16) + ", cpu_num " + d.cpuNum());
      }
    }

    /** An image gcpt normalized: the descriptor at {@code off} says where every hart is. */
    private OpenCheckpoint normalized(long off) throws IOException {
      Descriptor d;
      try {
        d = Descriptor.decode(buf, (int) off, Math.min(len, (int) off + V3_HEADER_LIMIT)).descriptor();
      } catch (DescriptorException e) {
        throw new CheckpointException(Reason.BAD_DESCRIPTOR, name + ": descriptor at 0x" + Long.toHexString(off)
            + " does not decode: " + e.getMessage(), e);
      }
      StateLayout l = d.layout();
      long[] bases = new long[d.cpuNum()];
      for (int i = 0; i < bases.length; i++) {
        bases[i] = off + d.coreBase(i);
        if (bases[i] < 0 || bases[i] + l.end(opt.vlen()) > V2_FIRST_BLOCK + (long) (MAX_HARTS + 1) * CORE_BLOCK) {
          throw new CheckpointException(Reason.BAD_DESCRIPTOR, name + ": descriptor at 0x" + Long.toHexString(off)
              + " places core " + i + " at 0x" + Long.toHexString(bases[i]) + ", outside any reserved window");
        }
        if (!hasMagicAt(bases[i] + l.magic())) {
          throw new CheckpointException(Reason.INCONSISTENT, name + ": descriptor at 0x" + Long.toHexString(off)
              + " says " + d.cpuNum() + " harts but core " + i + " has no state magic at 0x"
              + Long.toHexString(bases[i] + l.magic()) + " (holds " + hexAt(bases[i] + l.magic()) + ")");
        }
      }
      Variant v = off == Offsets.DESCRIPTOR_V0 ? Variant.V0
          : bases[0] == V2_FIRST_BLOCK + off ? Variant.V2
          : bases[0] == off ? Variant.V1 : Variant.V3;
      normalizedAt = off;
      return build(v, l, bases, roundUpToBlock(bases[bases.length - 1] + l.end(opt.vlen())), d);
    }

    private OpenCheckpoint v2() throws IOException {
      StateLayout l = StateLayout.RVGCVH;
      ensure(V2_FIRST_BLOCK + CORE_BLOCK);
      long claimed = u64(V2_FIRST_BLOCK + l.csrReserve());
      if (claimed < 0 || claimed > MAX_HARTS) {
        throw new CheckpointException(Reason.TOO_MANY_HARTS, name + ": V2 csr_reserve at 0x"
            + Long.toHexString(V2_FIRST_BLOCK + l.csrReserve()) + " claims " + Long.toUnsignedString(claimed)
            + " harts; at most " + MAX_HARTS + " are supported");
      }
      List<Long> bases = new ArrayList<>();
      for (int i = 0; i <= MAX_HARTS; i++) {
        long base = V2_FIRST_BLOCK + i * CORE_BLOCK;
        if (!hasMagicAt(base + l.magic())) {
          break;
        }
        bases.add(base);
      }
      if (bases.size() > MAX_HARTS) {
        throw new CheckpointException(Reason.TOO_MANY_HARTS, name + ": V2 image has state magic in more than "
            + MAX_HARTS + " core blocks (block " + MAX_HARTS + " at 0x"
            + Long.toHexString(V2_FIRST_BLOCK + MAX_HARTS * CORE_BLOCK + l.magic()) + ")");
      }
      if (claimed != 0 && claimed != bases.size()) {
        throw new CheckpointException(Reason.INCONSISTENT, name + ": V2 csr_reserve at 0x"
            + Long.toHexString(V2_FIRST_BLOCK + l.csrReserve()) + " says " + claimed + " harts but "
            + bases.size() + " core blocks carry the state magic");
      }
      if (claimed == 0) {
        // nothing says how many harts there are: a hart after a block without state would be
        // dropped silently, so look a few blocks further
        for (int i = bases.size() + 1; i <= Math.min(MAX_HARTS - 1, bases.size() + V2_GAP_PROBE); i++) {
          long base = V2_FIRST_BLOCK + i * CORE_BLOCK;
          if (hasMagicAt(base + l.magic())) {
            throw new CheckpointException(Reason.INCONSISTENT, name + ": V2 core block " + bases.size() + " (0x"
                + Long.toHexString(V2_FIRST_BLOCK + bases.size() * CORE_BLOCK) + ") has no state magic but block " + i
                + " (0x" + Long.toHexString(base) + ") has: a gap in the harts, and csr_reserve (0) does not say"
                + " how many there are");
          }
        }
        notes.add("csr_reserve hart count is 0; " + bases.size() + " harts found by probing core blocks");
      }
      long[] b = bases.stream().mapToLong(Long::longValue).toArray();
      return build(Variant.V2, l, b, roundUpToBlock(b[b.length - 1] + CORE_BLOCK), null);
    }

    private OpenCheckpoint build(Variant variant, StateLayout l, long[] bases, long window, Descriptor src)
        throws IOException {
      long stateEnd = bases[bases.length - 1] + l.end(opt.vlen());
      if (ensure(stateEnd) < stateEnd) {
        throw new CheckpointException(Reason.TOO_SHORT, name + ": " + variant + " image ends at 0x"
            + Long.toHexString(len) + ", inside the hart state (which ends at 0x" + Long.toHexString(stateEnd) + ")");
      }
      ensure(window);
      ByteBuffer view = ByteBuffer.wrap(buf, 0, len);
      List<HartState> harts = new ArrayList<>();
      for (int i = 0; i < bases.length; i++) {
        HartState h = HartState.read(view, i, bases[i], l, opt.vlen());
        if (h.mode() != 0 && h.mode() != 1 && h.mode() != 3) {
          throw new CheckpointException(Reason.BAD_MODE, name + ": hart " + i + ": saved privilege mode "
              + Long.toUnsignedString(u64(bases[i] + l.mode())) + " at offset 0x"
              + Long.toHexString(bases[i] + l.mode()) + " is not 0 (U), 1 (S) or 3 (M)");
        }
        harts.add(h);
      }
      if (variant == Variant.V1 && l.hasCsrReserve() && u64(l.csrReserve()) == 0) {
        notes.add("csr_reserve hart count is 0 (NEMU leaves it 0)");
      }
      long restorerLimit = normalizedAt >= 0 ? normalizedAt : bases[0] + l.start();
      EmbeddedRestorer restorer = variant == Variant.V3 && normalizedAt < 0 ? null : embeddedRestorer(restorerLimit);
      return new OpenCheckpoint(name, in, variant, buf, len, (int) window, l, bases, harts, src, restorer, notes,
          normalizedAt, prefix);
    }

    private EmbeddedRestorer embeddedRestorer(long stateStart) throws CheckpointException {
      ByteBuffer b = ByteBuffer.wrap(buf, 0, len).order(ByteOrder.LITTLE_ENDIAN);
      if (len < 8 || (b.getInt(0) & 0x7F) != JAL_OPCODE) {
        return null;
      }
      long size = Integer.toUnsignedLong(b.getInt(4));
      if (size < 16 || size > stateStart) {
        throw new CheckpointException(Reason.BAD_RESTORER, name + ": embedded restorer size word 0x"
            + Long.toHexString(size) + " at offset 0x4 runs " + (size < 16 ? "below the minimum of 16 bytes"
            : "past the state window (state starts at 0x" + Long.toHexString(stateStart) + ")"));
      }
      // complete: 0xCAFF is the last non-zero word below size (gcpt and LibCheckpoint: size - 8;
      // LibCheckpointAlpha: 0x8b0, zero padding up to 0xc00)
      long flagAt = ExternalRestorer.flagOffset(buf, (int) size);
      return new EmbeddedRestorer(size, flagAt, flagAt >= 0, Sha256.hex(buf, 0, (int) size),
          ExternalRestorer.kind(buf, (int) size).label());
    }
  }

  static long roundUpToBlock(long n) {
    return (n + CORE_BLOCK - 1) / CORE_BLOCK * CORE_BLOCK;
  }
}
