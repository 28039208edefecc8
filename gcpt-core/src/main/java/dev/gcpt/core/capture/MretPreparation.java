package dev.gcpt.core.capture;

import dev.gcpt.core.state.Csr;
import dev.gcpt.core.state.HartState;

/**
 * Prepares a hart's state for {@code mret} exactly as the producers do before they write a
 * checkpoint (NEMU's serializer; XiangShan's QEMU fork for S/U), so the restorer's
 * {@code mret} resumes at pc in the saved mode:
 *
 * <ul>
 *   <li>mstatus.MPIE &larr; mstatus.MIE, mstatus.MIE &larr; 0, mstatus.MPP &larr; mode,
 *       mstatus.MPV &larr; V (0: capture refuses harts that may run virtualized);
 *   <li>mepc &larr; pc (for every mode: the restorer's M-mode path returns with {@code mret} too,
 *       see RestorerSpec.SAVED_M_MODE_NOTE);
 *   <li>mip.MTIP cleared (the CLINT raises it again from the restored mtime/mtimecmp);
 *   <li>mip.MSIP = the CLINT's msip for this hart (the restorer writes msip back when it is set).
 * </ul>
 *
 * sstatus.SIE/SPIE are left as they are: neither NEMU nor the QEMU fork touches them (the
 * restorer restores mstatus whole, so S-mode's interrupt enable survives).
 */
public final class MretPreparation {
  private MretPreparation() {}

  /** mip.MTIP. */
  public static final long MIP_MTIP = 1L << 7;
  /** mip.MSIP. */
  public static final long MIP_MSIP = 1L << 3;

  /**
   * The prepared state; {@code mtime} is the global CLINT time, {@code mtimecmp} and {@code msip}
   * (bit 0: an IPI is pending) this hart's CLINT registers.
   */
  public static HartState prepare(RawHart raw, long mtime, long mtimecmp, long msip) {
    long[] csrs = raw.csrs();
    csrs[Csr.MSTATUS] = mstatus(raw.csr(Csr.MSTATUS), raw.priv());
    csrs[Csr.MEPC] = raw.pc();
    csrs[Csr.MIP] = csrs[Csr.MIP] & ~(MIP_MTIP | MIP_MSIP) | ((msip & 1) != 0 ? MIP_MSIP : 0);
    return new HartState(raw.hart(), raw.pc(), raw.priv(), mtime, mtimecmp, raw.x(), raw.f(), csrs, raw.vregs(),
        raw.vlen());
  }

  /** mstatus with MPIE = MIE, MIE = 0, MPP = {@code mode}, MPV = 0. */
  public static long mstatus(long mstatus, int mode) {
    long mie = (mstatus >>> Csr.MSTATUS_MIE) & 1;
    long s = mstatus & ~(1L << Csr.MSTATUS_MPIE) | mie << Csr.MSTATUS_MPIE;
    s &= ~(1L << Csr.MSTATUS_MIE);
    s = s & ~(3L << Csr.MSTATUS_MPP_SHIFT) | ((long) mode & 3) << Csr.MSTATUS_MPP_SHIFT;
    return s & ~Csr.MSTATUS_MPV;
  }
}
