package dev.gcpt.core.state;

import dev.gcpt.core.layout.StateLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One hart's saved architectural state, as read from (or to be written into) a checkpoint.
 *
 * <p>Arrays are owned by the instance; callers get copies. {@code csrs} is the full 4096-slot
 * table (slot k = CSR k; 0 where unimplemented), {@code vregs} is v0..v31 back to back, VLEN/8
 * bytes each (empty when the layout has no vector area).
 */
public final class HartState {
  private final int hart;
  private final long pc;
  private final int mode;
  private final long mtime;
  private final long mtimecmp;
  private final long[] x;
  private final long[] f;
  private final long[] csrs;
  private final byte[] vregs;
  private final int vlen;

  public HartState(int hart, long pc, int mode, long mtime, long mtimecmp, long[] x, long[] f,
      long[] csrs, byte[] vregs, int vlen) {
    if (x.length != 32 || f.length != 32 || csrs.length != StateLayout.CSR_SLOTS) {
      throw new IllegalArgumentException("x and f need 32 entries, csrs 4096");
    }
    if (vregs.length != 0 && vregs.length != 32 * (vlen / 8)) {
      throw new IllegalArgumentException("vregs must be 32 x VLEN/8 bytes, got " + vregs.length);
    }
    this.hart = hart;
    this.pc = pc;
    this.mode = mode;
    this.mtime = mtime;
    this.mtimecmp = mtimecmp;
    this.x = x.clone();
    this.f = f.clone();
    this.csrs = csrs.clone();
    this.vregs = vregs.clone();
    this.vlen = vlen;
  }

  /**
   * Reads hart state from a little-endian window.
   *
   * @param window the decompressed bytes starting at DRAM offset 0
   * @param coreBase offset of this hart's core base inside {@code window}
   */
  public static HartState read(ByteBuffer window, int hart, long coreBase, StateLayout l, int vlen) {
    ByteBuffer b = window.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long[] x = new long[32];
    long[] f = new long[32];
    for (int i = 0; i < 32; i++) {
      x[i] = b.getLong(at(coreBase, l.intReg(i)));
      f[i] = b.getLong(at(coreBase, l.floatReg(i)));
    }
    x[0] = 0;
    long[] csrs = new long[StateLayout.CSR_SLOTS];
    for (int k = 0; k < csrs.length; k++) {
      csrs[k] = b.getLong(at(coreBase, l.csr(k)));
    }
    byte[] v = new byte[0];
    if (l.hasVectorArea()) {
      v = new byte[32 * (vlen / 8)];
      b.get(at(coreBase, l.vectorRegs()), v);
    }
    return new HartState(hart,
        b.getLong(at(coreBase, l.pc())),
        (int) b.getLong(at(coreBase, l.mode())),
        b.getLong(at(coreBase, l.mtime())),
        b.getLong(at(coreBase, mtimecmpOffset(l, hart))),
        x, f, csrs, v, vlen);
  }

  /**
   * Offset of hart {@code hart}'s mtimecmp from its core base: the memlayout's mtimecmp slot is an
   * array indexed by hart id (QEMU's V2 stores hart i's value at block_i + 0xECDD0 + 8i; for one
   * hart this is the slot itself).
   */
  public static long mtimecmpOffset(StateLayout l, int hart) {
    return l.mtimecmp() + 8L * hart;
  }

  private static int at(long base, long off) {
    return Math.toIntExact(base + off);
  }

  /**
   * Writes this state at {@code coreBase} in {@code window} using layout {@code l}, with the
   * state magic, and csr_reserve word 0 = {@code harts} when the layout has one.
   */
  public void write(ByteBuffer window, long coreBase, StateLayout l, long magic, int harts) {
    ByteBuffer b = window.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(at(coreBase, l.magic()), magic);
    b.putLong(at(coreBase, l.pc()), pc);
    b.putLong(at(coreBase, l.mode()), mode);
    b.putLong(at(coreBase, l.mtime()), mtime);
    b.putLong(at(coreBase, mtimecmpOffset(l, hart)), mtimecmp);
    for (int i = 0; i < 32; i++) {
      b.putLong(at(coreBase, l.intReg(i)), i == 0 ? 0 : x[i]);
      b.putLong(at(coreBase, l.floatReg(i)), f[i]);
    }
    for (int k = 0; k < csrs.length; k++) {
      b.putLong(at(coreBase, l.csr(k)), csrs[k]);
    }
    if (l.hasCsrReserve()) {
      b.putLong(at(coreBase, l.csrReserve()), harts);
    }
    if (l.hasVectorArea() && vregs.length > 0) {
      b.put(at(coreBase, l.vectorRegs()), vregs);
    }
  }

  public int hart() { return hart; }
  public long pc() { return pc; }
  /** Saved privilege: 0 U, 1 S, 3 M. */
  public int mode() { return mode; }
  public long mtime() { return mtime; }
  public long mtimecmp() { return mtimecmp; }
  public long x(int i) { return x[i]; }
  public long f(int i) { return f[i]; }
  public long csr(int k) { return csrs[k]; }
  public long[] xs() { return x.clone(); }
  public long[] fs() { return f.clone(); }
  public long[] csrTable() { return csrs.clone(); }
  public byte[] vregs() { return vregs.clone(); }
  public int vlen() { return vlen; }

  /** F/D state present: misa has F or D and mstatus.FS is not Off. */
  public boolean hasFloat() {
    return (csrs[Csr.MISA] & (Csr.MISA_F | Csr.MISA_D)) != 0 && Csr.mstatusFs(csrs[Csr.MSTATUS]) != 0;
  }

  /** Vector state present: misa.V and mstatus.VS is not Off. */
  public boolean hasVector() {
    return (csrs[Csr.MISA] & Csr.MISA_V) != 0 && Csr.mstatusVs(csrs[Csr.MSTATUS]) != 0;
  }

  /** H state present: misa.H. */
  public boolean hasHypervisor() {
    return (csrs[Csr.MISA] & Csr.MISA_H) != 0;
  }

  public static String modeName(int mode) {
    return switch (mode) {
      case 0 -> "U";
      case 1 -> "S";
      case 3 -> "M";
      default -> "?" + mode;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HartState h && hart == h.hart && pc == h.pc && mode == h.mode
        && mtime == h.mtime && mtimecmp == h.mtimecmp && vlen == h.vlen
        && Arrays.equals(x, h.x) && Arrays.equals(f, h.f) && Arrays.equals(csrs, h.csrs)
        && Arrays.equals(vregs, h.vregs);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(new long[] {hart, pc, mode, mtime, mtimecmp, Arrays.hashCode(x),
        Arrays.hashCode(f), Arrays.hashCode(csrs), Arrays.hashCode(vregs)});
  }

  @Override
  public String toString() {
    return "HartState{hart=" + hart + ", pc=0x" + Long.toHexString(pc) + ", mode=" + modeName(mode) + "}";
  }
}
