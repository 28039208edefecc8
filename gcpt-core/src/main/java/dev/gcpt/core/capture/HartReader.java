package dev.gcpt.core.capture;

import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.qemu.GdbRemote;
import dev.gcpt.core.restorer.RestorerSpec;
import dev.gcpt.core.state.Csr;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads one stopped hart through QEMU's gdbstub: pc, privilege (the virtual "priv" register),
 * x1..x31, f0..f31, every CSR the target description lists plus the ones QEMU leaves out of it
 * (fflags, frm, fcsr, the vector CSRs, stimecmp, the envcfg CSRs), and v0..v31.
 *
 * <p><b>fcsr.</b> QEMU 7.2 lists only the CSRs accessible when the debugger attaches, so fcsr is
 * usually missing from the description, but its debug CSR access serves CSR 3 at the CSR
 * feature's base + 3. Capture reads fcsr there, cross-checks it with fflags and frm read the
 * same way, and refuses a hart whose mstatus.FS is not Off when QEMU does not serve it.
 */
public final class HartReader {
  private HartReader() {}

  /** CSRs read by number even when the target description does not list them. */
  static final int[] EXTRA_CSRS = {
    Csr.FFLAGS, Csr.FRM, Csr.FCSR, Csr.VSTART, Csr.VXSAT, Csr.VXRM, Csr.VCSR, Csr.VL, Csr.VTYPE, Csr.VLENB,
    Csr.STIMECMP, 0x24D /* vstimecmp */, Csr.SENVCFG, Csr.MENVCFG, Csr.HENVCFG,
  };
  private static final int FRM_SHIFT = 5;
  private static final long HSTATUS_SPV = 1L << 7;

  /** Reads hart {@code hart}; the machine must be stopped. */
  public static RawHart read(GdbRemote gdb, int hart) throws IOException, CaptureException {
    gdb.selectHart(hart);
    long pc = gdb.reg("pc");
    long priv = gdb.reg("priv");
    if (priv != 0 && priv != 1 && priv != 3) {
      throw new CaptureException("hart " + hart + ": QEMU reports privilege mode " + priv + " (not U, S or M)");
    }
    long[] x = new long[32];
    int x0 = gdb.regnum("zero");
    for (int i = 1; i < 32; i++) {
      x[i] = gdb.readU64(x0 + i);
    }
    long[] csrs = new long[StateLayout.CSR_SLOTS];
    Set<Integer> toRead = new LinkedHashSet<>(gdb.describedCsrs());
    for (int c : EXTRA_CSRS) {
      toRead.add(c);
    }
    Set<Integer> unreadable = new LinkedHashSet<>();
    for (int c : toRead) {
      if (c < 0 || c >= csrs.length) {
        continue;
      }
      Long v = gdb.tryCsr(c);
      if (v == null) {
        unreadable.add(c);
      } else {
        csrs[c] = v;
      }
    }
    long misa = csrs[Csr.MISA];
    long mstatus = csrs[Csr.MSTATUS];
    if (unreadable.contains(Csr.MSTATUS) || unreadable.contains(Csr.MISA)) {
      throw new CaptureException("hart " + hart + ": QEMU did not serve mstatus/misa through the gdbstub");
    }

    long[] f = new long[32];
    boolean hasF = (misa & (Csr.MISA_F | Csr.MISA_D)) != 0;
    if (hasF && gdb.hasRegister("ft0")) {
      int f0 = gdb.regnum("ft0");
      boolean single = gdb.bitsize(f0) == 32;
      for (int i = 0; i < 32; i++) {
        long v = gdb.readU64(f0 + i);
        f[i] = single ? v | 0xFFFF_FFFF_0000_0000L : v; // an F-only hart: NaN-box as the register file holds it
      }
    }
    if (hasF && Csr.mstatusFs(mstatus) != 0) {
      if (!gdb.hasRegister("ft0")) {
        throw new CaptureException("hart " + hart + ": mstatus.FS is " + Csr.mstatusFs(mstatus)
            + " but the gdbstub describes no float registers");
      }
      if (unreadable.contains(Csr.FCSR)) {
        throw new CaptureException("hart " + hart + ": mstatus.FS is " + Csr.mstatusFs(mstatus)
            + " (float state live) but QEMU did not serve fcsr (CSR 0x3, gdb register "
            + gdb.csrRegnum(Csr.FCSR) + "); refusing a checkpoint with a wrong fcsr");
      }
      long expect = (csrs[Csr.FRM] << FRM_SHIFT) | csrs[Csr.FFLAGS];
      if (!unreadable.contains(Csr.FRM) && !unreadable.contains(Csr.FFLAGS) && expect != csrs[Csr.FCSR]) {
        throw new CaptureException(String.format("hart %d: fcsr 0x%x disagrees with frm 0x%x and fflags 0x%x",
            hart, csrs[Csr.FCSR], csrs[Csr.FRM], csrs[Csr.FFLAGS]));
      }
    }

    byte[] vregs = new byte[0];
    int vlen = RestorerSpec.DEFAULT_VLEN;
    if ((misa & Csr.MISA_V) != 0 && Csr.mstatusVs(mstatus) != 0) {
      if (!gdb.hasRegister("v0") || unreadable.contains(Csr.VLENB) || unreadable.contains(Csr.VL)
          || unreadable.contains(Csr.VTYPE)) {
        throw new CaptureException("hart " + hart + ": mstatus.VS is " + Csr.mstatusVs(mstatus)
            + " but QEMU did not serve the vector registers, vlenb, vl or vtype");
      }
      int vlenb = (int) csrs[Csr.VLENB];
      vlen = vlenb * 8;
      vregs = new byte[32 * vlenb];
      int v0 = gdb.regnum("v0");
      for (int i = 0; i < 32; i++) {
        byte[] v = gdb.readRegister(v0 + i);
        if (v.length != vlenb) {
          throw new CaptureException("hart " + hart + ": v" + i + " has " + v.length + " bytes, vlenb says " + vlenb);
        }
        System.arraycopy(v, 0, vregs, i * vlenb, vlenb);
      }
    }

    if ((misa & Csr.MISA_H) != 0 && (csrs[Csr.HGATP] != 0 || (csrs[Csr.HSTATUS] & HSTATUS_SPV) != 0
        || (mstatus & Csr.MSTATUS_MPV) != 0)) {
      throw new CaptureException(String.format("hart %d: a hypervisor is active (hgatp 0x%x, hstatus 0x%x):"
          + " QEMU's gdbstub does not report the virtualization mode (V), so capture cannot tell a guest's"
          + " state from the host's", hart, csrs[Csr.HGATP], csrs[Csr.HSTATUS]));
    }
    return new RawHart(hart, pc, (int) priv, x, f, csrs, vregs, vlen);
  }
}
