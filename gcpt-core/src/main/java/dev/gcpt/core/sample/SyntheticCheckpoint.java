package dev.gcpt.core.sample;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.state.Csr;
import dev.gcpt.core.state.HartState;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes synthetic checkpoints of every variant for tests, demos and benchmarks: random but
 * valid hart state (mstatus prepared for {@code mret} as the producers do), a recognisable
 * payload at the workload position, and a body of mostly zero pages with some random and some
 * pointer-like pages. Images of many GiB are streamed (or written sparse), never materialized.
 */
public final class SyntheticCheckpoint {
  /** Page size of the body pattern. */
  public static final int PAGE = 4096;
  /** pmpaddr of a NAPOT region covering the whole address space (what OpenSBI's last entry holds). */
  static final long PMP_NAPOT_ALL = -1L >>> 10;
  /** pmpcfg byte: A = NAPOT (3 << 3), R, W, X. */
  static final long PMP_NAPOT_RWX = 0x1F;

  private final Variant variant;
  private final List<HartState> harts;
  private final byte[] window;
  private final long imageLength;
  private final long seed;
  private final int randomPagesPerMille;

  private SyntheticCheckpoint(Builder b, List<HartState> harts, byte[] window) {
    this.variant = b.variant;
    this.harts = List.copyOf(harts);
    this.window = window;
    this.imageLength = b.imageLength;
    this.seed = b.seed;
    this.randomPagesPerMille = b.randomPagesPerMille;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Variant variant() { return variant; }
  public List<HartState> harts() { return harts; }
  public long imageLength() { return imageLength; }
  /** The reserved window exactly as written (restorer area, header, state). */
  public byte[] window() { return window.clone(); }

  /** Writes the decompressed image to {@code out}. */
  public void writeRaw(OutputStream out) throws IOException {
    OutputStream o = new BufferedOutputStream(out, 1 << 20);
    long headLen = Math.min(window.length, imageLength);
    o.write(window, 0, (int) headLen);
    byte[] page = new byte[PAGE];
    for (long off = headLen; off < imageLength; off += PAGE) {
      int n = (int) Math.min(PAGE, imageLength - off);
      if (fillPage(off, page)) {
        o.write(page, 0, n);
      } else {
        o.write(ZERO_PAGE, 0, n);
      }
    }
    o.flush();
  }

  /** Writes the image compressed with {@code codec} (zstd level 1, gzip level 1, or raw). */
  public void write(OutputStream out, Codec codec) throws IOException {
    switch (codec) {
      case RAW -> writeRaw(out);
      case GZIP -> {
        GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
          {
            def.setLevel(1);
          }
        };
        writeRaw(gz);
        gz.finish();
        gz.flush();
      }
      case ZSTD -> {
        ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, 1);
        z.setChecksum(true);
        writeRaw(z);
        z.close();
      }
    }
  }

  /** Writes the raw image as a sparse file: only non-zero pages are written. */
  public void writeSparseRaw(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      long headLen = Math.min(window.length, imageLength);
      ch.write(ByteBuffer.wrap(window, 0, (int) headLen), 0);
      byte[] page = new byte[PAGE];
      for (long off = headLen; off < imageLength; off += PAGE) {
        if (fillPage(off, page)) {
          ch.write(ByteBuffer.wrap(page, 0, (int) Math.min(PAGE, imageLength - off)), off);
        }
      }
      if (ch.size() < imageLength) {
        ch.truncate(imageLength);
        ch.write(ByteBuffer.wrap(new byte[1]), imageLength - 1);
      }
    }
  }

  private static final byte[] ZERO_PAGE = new byte[PAGE];
  /** Payload marker written at the workload position: "GCPTPAYL". */
  public static final long PAYLOAD_MARKER = 0x4C59415054504347L;

  /** Fills the body page at {@code off}; returns false for an all-zero page (page untouched). */
  private boolean fillPage(long off, byte[] page) {
    long pageNo = off / PAGE;
    long h = mix(seed ^ (pageNo * 0x9E3779B97F4A7C15L));
    int kind = (int) Long.remainderUnsigned(h, 1000);
    ByteBuffer b = ByteBuffer.wrap(page).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    if (off == Offsets.PAYLOAD_DEFAULT || (variant == Variant.V2 && off == window.length)) {
      Arrays.fill(page, (byte) 0);
      b.putLong(0, PAYLOAD_MARKER);
      b.putLong(8, seed);
      return true;
    }
    if (kind < randomPagesPerMille) {
      SplittableRandom r = new SplittableRandom(h);
      for (int i = 0; i < PAGE; i += 8) {
        b.putLong(i, r.nextLong());
      }
      return true;
    }
    if (kind < 2 * randomPagesPerMille) {
      SplittableRandom r = new SplittableRandom(h);
      for (int i = 0; i < PAGE; i += 8) {
        b.putLong(i, (i & 8) == 0 ? r.nextInt(256) : Offsets.DRAM_BASE + (r.nextLong(1L << 28) & ~7L));
      }
      return true;
    }
    return false;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Builder; every choice has a default that makes a valid single-hart V1 image. */
  public static final class Builder {
    private Variant variant = Variant.V1;
    private int harts = 1;
    private int[] modes = {1};
    private boolean floatState = true;
    private boolean vectorState;
    private boolean hypervisor;
    private int vlen = 128;
    private long imageLength = -1;
    private long seed = 1;
    private boolean nemuStyle;
    private byte[] embeddedRestorer;
    private int randomPagesPerMille = 30;
    private Integer csrReserveOverride;
    private boolean pmp = true;

    public Builder variant(Variant v) { this.variant = v; return this; }
    public Builder harts(int n) { this.harts = n; return this; }
    /** Saved privilege per hart (cycled when fewer than harts): 0 U, 1 S, 3 M. */
    public Builder modes(int... m) { this.modes = m.clone(); return this; }
    public Builder floatState(boolean on) { this.floatState = on; return this; }
    public Builder vectorState(boolean on) { this.vectorState = on; return this; }
    public Builder hypervisor(boolean on) { this.hypervisor = on; return this; }
    public Builder vlen(int v) { this.vlen = v; return this; }
    /** Decompressed image length; default: the reserved window plus 1 MiB. */
    public Builder imageLength(long n) { this.imageLength = n; return this; }
    public Builder seed(long s) { this.seed = s; return this; }
    /** NEMU leaves csr_reserve 0; QEMU writes the hart count. */
    public Builder nemuStyle(boolean on) { this.nemuStyle = on; return this; }
    /** Bytes placed at offset 0 (e.g. an upstream restorer carried by the source). */
    public Builder embeddedRestorer(byte[] r) { this.embeddedRestorer = r.clone(); return this; }
    /** Fraction of random (and as many pointer-like) body pages, per mille. */
    public Builder randomPagesPerMille(int n) { this.randomPagesPerMille = n; return this; }
    /** Writes this value as csr_reserve word 0 (to build inconsistent images in tests). */
    public Builder csrReserve(int n) { this.csrReserveOverride = n; return this; }
    /**
     * PMP entry 0 granting S and U mode all memory (NAPOT over everything, RWX), as OpenSBI leaves
     * it; default on. Off: no entry, so a hart resuming in S or U mode faults on QEMU, which
     * enforces PMP.
     */
    public Builder pmp(boolean on) { this.pmp = on; return this; }

    public SyntheticCheckpoint build() {
      if (harts < 1 || harts > Offsets.MAX_HARTS) {
        throw new IllegalArgumentException("harts must be 1.." + Offsets.MAX_HARTS);
      }
      if (variant != Variant.V2 && harts != 1) {
        throw new IllegalArgumentException(variant + " images hold one hart; use V2 for " + harts);
      }
      if (variant == Variant.V0 && (vectorState || hypervisor)) {
        throw new IllegalArgumentException("V0 has no vector or H state");
      }
      StateLayout layout = variant == Variant.V0 ? StateLayout.ORIGINAL : StateLayout.RVGCVH;
      long[] bases = new long[harts];
      for (int i = 0; i < harts; i++) {
        bases[i] = switch (variant) {
          case V0, V1 -> 0;
          case V2 -> Offsets.V2_FIRST_BLOCK + i * Offsets.CORE_BLOCK;
          case V3 -> V3_CPT_OFFSET;
        };
      }
      long windowLen = variant == Variant.V2
          ? Offsets.V2_FIRST_BLOCK + harts * Offsets.CORE_BLOCK : Offsets.CORE_BLOCK;
      if (imageLength < 0) {
        imageLength = windowLen + Offsets.CORE_BLOCK;
      }
      byte[] window = new byte[(int) windowLen];
      ByteBuffer wb = ByteBuffer.wrap(window);
      SplittableRandom r = new SplittableRandom(seed);
      long mtime = 1_000_000 + r.nextLong(1L << 40);
      List<HartState> states = new ArrayList<>();
      for (int i = 0; i < harts; i++) {
        HartState h = randomHart(r, i, modes[i % modes.length], mtime, layout);
        int reserve = csrReserveOverride != null ? csrReserveOverride : nemuStyle ? 0 : harts;
        h.write(wb, bases[i], layout, Offsets.STATE_MAGIC, reserve);
        states.add(h);
      }
      if (variant == Variant.V3) {
        byte[] header = new Descriptor(Offsets.HEADER_MAGIC, V3_CPT_OFFSET, 1, Offsets.CORE_BLOCK,
            Offsets.VERSION_NEMU, StateLayout.RVGCVH).encode();
        System.arraycopy(header, 0, window, 0, header.length);
      } else if (embeddedRestorer != null) {
        System.arraycopy(embeddedRestorer, 0, window, 0, embeddedRestorer.length);
      }
      return new SyntheticCheckpoint(this, states, window);
    }

    private HartState randomHart(SplittableRandom r, int hart, int mode, long mtime, StateLayout layout) {
      long pc = Offsets.DRAM_BASE + Offsets.PAYLOAD_DEFAULT + 4L * r.nextInt(0x4000);
      long[] x = new long[32];
      long[] f = new long[32];
      for (int i = 1; i < 32; i++) {
        x[i] = r.nextLong();
      }
      x[2] = Offsets.DRAM_BASE + 0x0800_0000L - 0x1000L * hart - 16; // sp: a plausible stack
      long[] csrs = new long[StateLayout.CSR_SLOTS];
      long misa = (2L << 62) | letters("IMACSU");
      if (floatState) {
        misa |= Csr.MISA_F | Csr.MISA_D;
        for (int i = 0; i < 32; i++) {
          f[i] = r.nextBoolean() ? Double.doubleToRawLongBits(r.nextDouble() * 1e6)
              : 0xFFFFFFFF00000000L | Float.floatToRawIntBits((float) r.nextDouble());
        }
        csrs[Csr.FCSR] = r.nextInt(0x100);
        csrs[Csr.FFLAGS] = csrs[Csr.FCSR] & 0x1F;
        csrs[Csr.FRM] = (csrs[Csr.FCSR] >> 5) & 7;
      }
      if (vectorState) {
        misa |= Csr.MISA_V;
        csrs[Csr.VTYPE] = 3 << 3; // e64, m1
        csrs[Csr.VL] = 1 + r.nextInt(vlen / 64);
        csrs[Csr.VLENB] = vlen / 8;
        csrs[Csr.VXRM] = r.nextInt(4);
        csrs[Csr.VXSAT] = r.nextInt(2);
        csrs[Csr.VCSR] = (csrs[Csr.VXRM] << 1) | csrs[Csr.VXSAT];
      }
      if (hypervisor) {
        misa |= Csr.MISA_H;
        csrs[Csr.HSTATUS] = 2L << 32; // VSXL = 64
        csrs[Csr.HEDELEG] = r.nextLong() & 0xB1FF;
        csrs[Csr.HIDELEG] = 0x444;
        csrs[Csr.VSTVEC] = pc & ~3L;
        csrs[Csr.VSSCRATCH] = r.nextLong();
        csrs[Csr.VSEPC] = pc & ~1L;
      }
      csrs[Csr.MISA] = misa;
      long mstatus = (2L << 34) | (2L << 32) | ((long) mode << Csr.MSTATUS_MPP_SHIFT)
          | (r.nextBoolean() ? 1L << Csr.MSTATUS_MPIE : 0) | (r.nextBoolean() ? 1L << Csr.MSTATUS_SPIE : 0);
      if (floatState) {
        mstatus |= 3L << Csr.MSTATUS_FS_SHIFT;
      }
      if (vectorState) {
        mstatus |= 3L << Csr.MSTATUS_VS_SHIFT;
      }
      if (floatState || vectorState) {
        mstatus |= 1L << 63; // SD
      }
      csrs[Csr.MSTATUS] = mstatus;
      csrs[Csr.SSTATUS] = mstatus & 0x80000003000DE762L;
      csrs[Csr.MEPC] = pc;
      csrs[Csr.MTVEC] = Offsets.DRAM_BASE + Offsets.PAYLOAD_DEFAULT + 0x100;
      csrs[Csr.STVEC] = Offsets.DRAM_BASE + Offsets.PAYLOAD_DEFAULT + 0x200;
      csrs[Csr.MEDELEG] = 0xB1FF;
      csrs[Csr.MIDELEG] = 0x222;
      if (pmp) {
        csrs[Csr.PMPADDR0] = PMP_NAPOT_ALL;
        csrs[Csr.PMPCFG0] = PMP_NAPOT_RWX;
      }
      csrs[Csr.MIE] = 0xAAA & r.nextLong();
      csrs[Csr.SIE] = csrs[Csr.MIE] & csrs[Csr.MIDELEG];
      csrs[Csr.MSCRATCH] = r.nextLong();
      csrs[Csr.SSCRATCH] = r.nextLong();
      csrs[Csr.SEPC] = pc - 4 * r.nextInt(64);
      csrs[Csr.SCAUSE] = r.nextInt(16);
      csrs[Csr.STVAL] = r.nextLong();
      csrs[Csr.MCAUSE] = r.nextInt(16);
      csrs[Csr.MTVAL] = r.nextLong();
      csrs[Csr.MCOUNTEREN] = 7;
      csrs[Csr.SCOUNTEREN] = 7;
      csrs[Csr.MHARTID] = hart;
      long mtimecmp = mtime + 1 + r.nextLong(1L << 32);
      byte[] vregs = new byte[0];
      if (layout.hasVectorArea()) {
        vregs = new byte[32 * (vlen / 8)];
        if (vectorState) {
          for (int i = 0; i < vregs.length; i++) {
            vregs[i] = (byte) r.nextInt(256);
          }
        }
      }
      return new HartState(hart, pc, mode, mtime, mtimecmp, x, f, csrs, vregs, vlen);
    }

    private static long letters(String s) {
      long bits = 0;
      for (char c : s.toCharArray()) {
        bits |= 1L << (c - 'A');
      }
      return bits;
    }
  }

  /** Where NEMU's V3 state starts: the C sizes of header (5x8) and memlayout (16x8). */
  public static final long V3_CPT_OFFSET = 0xA8;
}
