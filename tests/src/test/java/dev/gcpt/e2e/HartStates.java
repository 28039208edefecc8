package dev.gcpt.e2e;

import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.restorer.Restorer;
import dev.gcpt.core.restorer.RestorerSpec;
import dev.gcpt.core.restorer.Rv64Assembler;
import dev.gcpt.core.state.Csr;
import dev.gcpt.core.state.HartState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

/**
 * Random but valid saved hart states for the QEMU proof, and the images that carry them.
 *
 * <p>"Valid" means what a real producer running on the proof's CPU (QEMU rv64 with V, H, Sstc)
 * would have saved: every CSR value is one QEMU stores as written (WARL fields at legal values,
 * read-only fields at the values QEMU shows), and the state is prepared for {@code mret} as the
 * producers do (mepc = pc, MPP = mode, MIE = 0). Nothing is pending that could interrupt the hart
 * after {@code mret}: timers far in the future, no SSIP in U-mode.
 */
final class HartStates {
  private HartStates() {}

  /** Per-hart probe code spacing inside the payload. */
  static final int PROBE_STRIDE = 0x100;
  /** mtvec and stvec point at these payload offsets, where a `j .` catches unexpected traps. */
  static final int MTVEC_CATCHER = 0x1000;
  static final int STVEC_CATCHER = 0x1100;
  static final int PAYLOAD_BYTES = 0x2000;

  static final long MISA_BASE = (2L << 62) | bit('A') | bit('C') | bit('D') | bit('F') | bit('I') | bit('M')
      | bit('S') | bit('U') | Csr.MISA_V | Csr.MISA_H;
  /** mstatus.UXL = mstatus.SXL = 2 (64-bit), read-only in QEMU. */
  static final long MSTATUS_XLEN = 0xAL << 32;
  /** HS-level interrupts QEMU keeps delegated when H is present (VSSIP, VSTIP, VSEIP, SGEIP). */
  static final long MIDELEG_FORCED_BY_H = 0x1444;
  static final long S_INTERRUPTS = 0x222;
  static final long ALL_MS_INTERRUPTS = 0xAAA;
  static final long VS_INTERRUPTS = 0x444;
  static final long MEDELEG = 0xB1FF;
  static final long MENVCFG_STCE = 1L << 63;
  static final long ENVCFG_FIOM = 1;
  static final long PMP_NAPOT_RWX = 0x1F;
  static final long PMPADDR_ALL = (1L << 54) - 1;
  static final long TIMER_FAR = 0x7000_0000_0000_0000L;
  static final long VTYPE_E32_M1_TA_MA = 0xD0;
  static final int VL = 3;

  private static long bit(char ext) {
    return 1L << (ext - 'A');
  }

  /** {@code s} with one CSR changed. */
  static HartState withCsr(HartState s, int csr, long value) {
    long[] csrs = s.csrTable();
    csrs[csr] = value;
    return new HartState(s.hart(), s.pc(), s.mode(), s.mtime(), s.mtimecmp(), s.xs(), s.fs(), csrs, s.vregs(),
        s.vlen());
  }

  /** The pc hart {@code hart} resumes at: its probe inside the payload. */
  static long probe(RestorerSpec spec, int hart) {
    return Offsets.DRAM_BASE + spec.payloadPosition() + (long) PROBE_STRIDE * hart;
  }

  static HartState random(Random rnd, RestorerSpec spec, int hart, int mode, long mtime, boolean ssip) {
    boolean f = spec.restoreFloat();
    boolean v = spec.restoreVector();
    boolean h = spec.restoreHypervisor();
    long pc = probe(spec, hart);
    long[] x = new long[32];
    long[] fr = new long[32];
    for (int i = 1; i < 32; i++) {
      x[i] = rnd.nextLong();
    }
    for (int i = 0; i < 32 && f; i++) {
      fr[i] = rnd.nextLong();
    }
    long[] c = new long[StateLayout.CSR_SLOTS];
    c[Csr.MISA] = MISA_BASE;
    long fs = f ? 3 : 0;
    long vs = v ? 3 : 0;
    long mstatus = MSTATUS_XLEN | fs << Csr.MSTATUS_FS_SHIFT | vs << Csr.MSTATUS_VS_SHIFT
        | (long) mode << Csr.MSTATUS_MPP_SHIFT
        | (rnd.nextBoolean() ? 1L << Csr.MSTATUS_MPIE : 0)
        | (rnd.nextBoolean() ? 1L << Csr.MSTATUS_SPIE : 0)
        | (rnd.nextBoolean() ? 1L << Csr.MSTATUS_SPP : 0)
        | (rnd.nextBoolean() ? 1L << 18 : 0)   // SUM
        | (rnd.nextBoolean() ? 1L << 19 : 0);  // MXR
    if (fs == 3 || vs == 3) {
      mstatus |= 1L << 63; // SD
    }
    c[Csr.MSTATUS] = mstatus;
    c[Csr.MEPC] = pc;
    c[Csr.MTVEC] = Offsets.DRAM_BASE + spec.payloadPosition() + MTVEC_CATCHER;
    c[Csr.STVEC] = Offsets.DRAM_BASE + spec.payloadPosition() + STVEC_CATCHER;
    c[Csr.MEDELEG] = MEDELEG;
    c[Csr.MIDELEG] = S_INTERRUPTS | MIDELEG_FORCED_BY_H;
    long mie = ALL_MS_INTERRUPTS | (h ? VS_INTERRUPTS : 0);
    c[Csr.MIE] = mie;
    c[Csr.SIE] = mie & S_INTERRUPTS;
    c[Csr.MIP] = ssip ? 2 : 0;
    c[Csr.MCOUNTEREN] = 7;
    c[Csr.SCOUNTEREN] = 5;
    c[Csr.MENVCFG] = MENVCFG_STCE | ENVCFG_FIOM;
    c[Csr.SENVCFG] = ENVCFG_FIOM;
    c[Csr.MSCRATCH] = rnd.nextLong();
    c[Csr.SSCRATCH] = rnd.nextLong();
    c[Csr.MCAUSE] = 0x8000_0000_0000_0007L;
    c[Csr.MTVAL] = rnd.nextLong();
    c[Csr.SEPC] = Offsets.DRAM_BASE + (rnd.nextInt(1 << 20) & ~3);
    c[Csr.SCAUSE] = 13;
    c[Csr.STVAL] = rnd.nextLong();
    c[Csr.SATP] = 0;
    c[Csr.STIMECMP] = TIMER_FAR + hart;
    c[Csr.PMPADDR0] = PMPADDR_ALL;
    for (int i = 1; i < 16; i++) {
      c[Csr.PMPADDR0 + i] = rnd.nextLong() >>> 12;
    }
    c[Csr.PMPCFG0] = PMP_NAPOT_RWX;
    c[0x3A2] = 0;
    if (f) {
      c[Csr.FCSR] = (long) rnd.nextInt(5) << 5 | rnd.nextInt(32);
      c[Csr.FFLAGS] = c[Csr.FCSR] & 0x1F;
      c[Csr.FRM] = c[Csr.FCSR] >>> 5;
    }
    byte[] vregs = new byte[0];
    if (v) {
      vregs = new byte[32 * (spec.vlen() / 8)];
      rnd.nextBytes(vregs);
      c[Csr.VTYPE] = VTYPE_E32_M1_TA_MA;
      c[Csr.VL] = VL;
      c[Csr.VSTART] = 1;
      c[Csr.VXRM] = 2;
      c[Csr.VXSAT] = 1;
      c[Csr.VCSR] = 2 << 1 | 1;
      c[Csr.VLENB] = spec.vlen() / 8;
    }
    if (h) {
      c[Csr.HSTATUS] = 2L << 32 | 1L << 9 | 1L << 8; // VSXL = 64, HU, SPVP
      c[Csr.HEDELEG] = MEDELEG;
      c[Csr.HIDELEG] = VS_INTERRUPTS;
      c[Csr.HIE] = mie & (VS_INTERRUPTS | 1L << 12);
      c[Csr.HCOUNTEREN] = 3;
      c[Csr.HENVCFG] = MENVCFG_STCE | ENVCFG_FIOM;
      c[Csr.HTVAL] = rnd.nextLong() >>> 2;
      c[Csr.VSSTATUS] = 2L << 32 | 1L << 18;
      c[Csr.VSIE] = (mie & VS_INTERRUPTS) >>> 1;
      c[Csr.VSTVEC] = Offsets.DRAM_BASE + 0x4000;
      c[Csr.VSSCRATCH] = rnd.nextLong();
      c[Csr.VSEPC] = Offsets.DRAM_BASE + (rnd.nextInt(1 << 20) & ~3);
      c[Csr.VSCAUSE] = 8;
      c[Csr.VSTVAL] = rnd.nextLong();
      c[0x24D] = TIMER_FAR + 0x100 + hart; // vstimecmp
      c[Csr.MTVAL2] = rnd.nextLong() >>> 2;
    }
    long mtimecmp = TIMER_FAR + 0x1000 + hart;
    return new HartState(hart, pc, mode, mtime, mtimecmp, x, fr, c, vregs, spec.vlen());
  }

  /**
   * The payload: per hart a probe at {@code PROBE_STRIDE * hart} ({@code csrr t0, fcsr} when F
   * is restored, else a nop; then {@code j .}), and {@code j .} catchers at the mtvec and stvec
   * targets.
   */
  static byte[] probePayload(RestorerSpec spec) {
    Rv64Assembler a = new Rv64Assembler();
    for (int h = 0; h < spec.harts(); h++) {
      while (a.position() < PROBE_STRIDE * h) {
        a.word32(0);
      }
      if (spec.restoreFloat()) {
        a.csrr(Rv64Assembler.T0, Csr.FCSR);
      } else {
        a.addi(Rv64Assembler.ZERO, Rv64Assembler.ZERO, 0);
      }
      a.jal(Rv64Assembler.ZERO, 0);
    }
    while (a.position() < MTVEC_CATCHER) {
      a.word32(0);
    }
    a.jal(Rv64Assembler.ZERO, 0);
    while (a.position() < STVEC_CATCHER) {
      a.word32(0);
    }
    a.jal(Rv64Assembler.ZERO, 0);
    while (a.position() < PAYLOAD_BYTES) {
      a.word32(0);
    }
    return a.toByteArray();
  }

  /** A payload that exits QEMU through the SiFive test device with {@code code}. */
  static byte[] exitPayload(long exitDevice, int code) {
    Rv64Assembler a = new Rv64Assembler();
    a.li(Rv64Assembler.T0, exitDevice);
    a.li(Rv64Assembler.T1, (long) code << 16 | 0x3333);
    a.sw(Rv64Assembler.T1, Rv64Assembler.T0, 0);
    a.jal(Rv64Assembler.ZERO, 0);
    return a.toByteArray();
  }

  /**
   * A raw image: {@code restorerBytes} at 0, the spec's descriptor at its offset, the states at
   * their core bases (V2's mtimecmp quirk: hart i's also at +8i), and the payload.
   */
  static byte[] image(RestorerSpec spec, byte[] restorerBytes, List<HartState> states, byte[] payload) {
    StateLayout l = spec.descriptor().layout();
    long end = spec.payloadPosition() + payload.length;
    end = Math.max(end, spec.coreBase(spec.harts() - 1) + l.end(spec.vlen()) + 8L * spec.harts());
    end = (end + 0xFFF) & ~0xFFFL;
    ByteBuffer img = ByteBuffer.allocate(Math.toIntExact(end)).order(ByteOrder.LITTLE_ENDIAN);
    img.put(0, restorerBytes);
    img.put(Math.toIntExact(spec.descriptorOffset()), spec.descriptor().encode());
    for (HartState s : states) {
      long base = spec.coreBase(s.hart());
      s.write(img, base, l, Offsets.STATE_MAGIC, spec.harts());
      img.putLong(Math.toIntExact(base + l.mtimecmp() + 8L * s.hart()), s.mtimecmp());
    }
    img.put(Math.toIntExact(spec.payloadPosition()), payload);
    return img.array();
  }

  static byte[] image(RestorerSpec spec, Restorer r, List<HartState> states, byte[] payload) {
    return image(spec, r.bytes(), states, payload);
  }

  /** mstatus as {@code mret} leaves it: MIE = MPIE, MPIE = 1, MPP = U, MPRV = 0 unless MPP was M, MPV = 0. */
  static long mstatusAfterMret(long saved) {
    long mpie = (saved >>> Csr.MSTATUS_MPIE) & 1;
    int mpp = (int) Csr.mstatusMpp(saved);
    long s = saved & ~(1L << Csr.MSTATUS_MIE) | mpie << Csr.MSTATUS_MIE;
    s |= 1L << Csr.MSTATUS_MPIE;
    s &= ~(3L << Csr.MSTATUS_MPP_SHIFT);
    if (mpp != 3) {
      s &= ~(1L << 17);
    }
    s &= ~Csr.MSTATUS_MPV;
    return s;
  }
}
