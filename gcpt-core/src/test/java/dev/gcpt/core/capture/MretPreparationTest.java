package dev.gcpt.core.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.state.Csr;
import dev.gcpt.core.state.HartState;
import org.junit.jupiter.api.Test;

class MretPreparationTest {
  static final long SIE = 1L << Csr.MSTATUS_SIE;
  static final long MIE = 1L << Csr.MSTATUS_MIE;
  static final long SPIE = 1L << Csr.MSTATUS_SPIE;
  static final long MPIE = 1L << Csr.MSTATUS_MPIE;
  static final long FS_DIRTY = 3L << Csr.MSTATUS_FS_SHIFT;

  static RawHart raw(int priv, long mstatus, long mip) {
    long[] csrs = new long[StateLayout.CSR_SLOTS];
    csrs[Csr.MSTATUS] = mstatus;
    csrs[Csr.MIP] = mip;
    csrs[Csr.MEPC] = 0x1234;
    long[] x = new long[32];
    x[10] = 42;
    return new RawHart(3, 0x8020_0040L, priv, x, new long[32], csrs, new byte[0], 128);
  }

  @Test
  void supervisorHartGetsMretReadyMstatusMepcAndNoTimerPending() {
    HartState h = MretPreparation.prepare(raw(1, FS_DIRTY | MIE | SIE | Csr.MSTATUS_MPV, 0xA2), 100, 200, 0);
    assertEquals(FS_DIRTY | SIE | MPIE | 1L << Csr.MSTATUS_MPP_SHIFT, h.csr(Csr.MSTATUS),
        "MPIE <- MIE, MIE <- 0, MPP <- S, MPV <- 0; SIE untouched (NEMU and the QEMU fork leave it)");
    assertEquals(0x8020_0040L, h.csr(Csr.MEPC));
    assertEquals(0x22, h.csr(Csr.MIP), "MTIP cleared, SSIP/STIP kept");
    assertEquals(0x2A, MretPreparation.prepare(raw(1, 0, 0xA2), 100, 200, 1).csr(Csr.MIP),
        "a pending IPI (CLINT msip = 1) is saved as mip.MSIP");
    assertEquals(0x22, MretPreparation.prepare(raw(1, 0, 0xAA), 100, 200, 0).csr(Csr.MIP),
        "mip.MSIP follows the CLINT's msip");
    assertEquals(1, h.mode());
    assertEquals(100, h.mtime());
    assertEquals(200, h.mtimecmp());
    assertEquals(3, h.hart());
    assertEquals(42, h.x(10));
  }

  @Test
  void machineAndUserHartsGetTheirModeInMpp() {
    assertEquals(3L << Csr.MSTATUS_MPP_SHIFT | SPIE, MretPreparation.mstatus(SPIE | MPIE, 3),
        "M-mode with MIE = 0: MPIE becomes 0 (the restored MIE), MPP = M");
    assertEquals(MPIE, MretPreparation.mstatus(MIE | 3L << Csr.MSTATUS_MPP_SHIFT, 0), "U-mode: MPP = U");
  }
}
