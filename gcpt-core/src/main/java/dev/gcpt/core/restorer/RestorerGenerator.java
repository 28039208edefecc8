package dev.gcpt.core.restorer;

import static dev.gcpt.core.restorer.Rv64Assembler.*;

import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.restorer.Rv64Assembler.Label;
import dev.gcpt.core.state.Csr;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates a tailored restorer for a {@link RestorerSpec}. Deterministic: the same spec gives
 * the same bytes.
 *
 * <p>What the generated code does, in order (every hart runs it; registers: s0 = base,
 * s1 = mhartid, s2 = this hart's core base, t6 = cursor into the state):
 * <ol>
 *   <li>{@code s0 = base} (auipc); check the 0xCAFF flag at base + size - 8, else trap
 *       {@link TrapCode#INCOMPLETE}. The trap routine sits right after this check, so a
 *       partial copy still reaches it.
 *   <li>compare the descriptor bytes at base + descriptorOffset with the embedded copy, else
 *       trap {@link TrapCode#DESCRIPTOR_MISMATCH}.
 *   <li>no 0xBEEF at core 0's magic: jump to base + payloadPosition (a0/a1 untouched).
 *   <li>harts with mhartid >= harts (and the debug park hart) park in a wfi loop.
 *   <li>saved mode must be 0, 1 or 3 and equal the saved mstatus.MPP, else trap
 *       {@link TrapCode#MODE_MISMATCH}.
 *   <li>set mstatus.FS/VS (for the restores below); f0..f31 and fcsr; v0..v31 (whole-register
 *       loads), vsetvl from saved vl/vtype, vstart, vxrm, vxsat.
 *   <li>menvcfg; H and VS CSRs (when enabled); M/S CSRs; satp then sfence.vma; PMP; mstatus (with MPRV
 *       and MIE cleared) last, so saved FS/VS = Off takes effect after the F/V restore.
 *   <li>this hart's mtimecmp to the CLINT, and its msip when the saved mip.MSIP is set (a pending
 *       IPI: mip.MSIP itself is read-only); barrier (amoadd on a counter inside the restorer);
 *       the last hart to arrive writes mtime from core 0 and releases the others. A restorer that
 *       executes in place ({@link PlatformProfile#executeInPlace()}, flash) restores one hart, has
 *       no barrier and writes nothing but CSRs, registers and the CLINT.
 *   <li>x1..x31 with the pointer register (t0) last; {@code mret}.
 * </ol>
 */
public final class RestorerGenerator {
  private RestorerGenerator() {}

  /** Offset of the entry point (after the jal and the size word). */
  static final int ENTRY = 8;
  /** Offset of the u32 size word. */
  static final int SIZE_WORD = 4;
  private static final int STATE_MAGIC_LOW = (int) Offsets.STATE_MAGIC;
  private static final int CURSOR_REACH = 2040;

  private static final int PMPCFG2 = 0x3A2;
  private static final int PMP_ENTRIES = 16;
  private static final int VSTIMECMP = 0x24D;
  private static final long MSTATUS_MPRV = 1L << 17;
  private static final long MIP_MSIP = 1L << 3;
  private static final long MSTATUS_MIE = 1L << Csr.MSTATUS_MIE;
  private static final long MSTATUS_FS_DIRTY = 3L << Csr.MSTATUS_FS_SHIFT;
  private static final long MSTATUS_VS_DIRTY = 3L << Csr.MSTATUS_VS_SHIFT;
  /** Smrnmi's mnstatus and its NMIE bit (set by a restorer that runs in place of the reset code). */
  private static final int MNSTATUS = 0x744;
  private static final int MNSTATUS_NMIE = 1 << 3;
  /** vtype of vsetvli: SEW 64, LMUL 1, tail and mask undisturbed. */
  private static final int VTYPE_E64_M1_TU_MU = 0x18;
  /** Reserved privilege encoding (H-mode in old drafts). */
  private static final int MODE_RESERVED = 2;

  /** H-extension CSRs restored when {@link RestorerSpec#restoreHypervisor()} is on. */
  static final int[] HYPERVISOR_CSRS = {
    Csr.HSTATUS, Csr.HEDELEG, Csr.HIDELEG, Csr.HIE, Csr.HCOUNTEREN, Csr.HGEIE, Csr.HENVCFG,
    Csr.HTVAL, Csr.HVIP, Csr.HTINST, Csr.HGATP,
    Csr.VSSTATUS, Csr.VSIE, Csr.VSTVEC, Csr.VSSCRATCH, Csr.VSEPC, Csr.VSCAUSE, Csr.VSTVAL, Csr.VSATP,
    Csr.MTVAL2, Csr.MTINST,
  };

  /**
   * M and S CSRs restored always, after menvcfg (first, so henvcfg.STCE and stimecmp see STCE)
   * and the H CSRs; satp, the PMP and mstatus are handled separately.
   */
  static final int[] MACHINE_SUPERVISOR_CSRS = {
    Csr.MEDELEG, Csr.MIDELEG, Csr.MIE, Csr.MTVEC, Csr.MCOUNTEREN, Csr.MSCRATCH,
    Csr.MEPC, Csr.MCAUSE, Csr.MTVAL, Csr.MIP,
    Csr.STVEC, Csr.SCOUNTEREN, Csr.SENVCFG, Csr.SSCRATCH, Csr.SEPC, Csr.SCAUSE, Csr.STVAL, Csr.SIE,
  };

  /** Generates the restorer for {@code spec}. */
  public static Restorer generate(RestorerSpec spec) {
    return new Restorer(new Emitter(spec).emit(), spec);
  }

  /**
   * The descriptor bytes a generated restorer carries (and compares with memory at boot), read
   * back from its bytes: they sit 8-aligned just before the barrier counter and the completion
   * flag at the end ({@code size - 8}), see {@link #generate}. Empty when {@code restorer} is too
   * short to hold {@code length} descriptor bytes; an external restorer gives meaningless bytes.
   */
  public static java.util.Optional<byte[]> embeddedDescriptor(byte[] restorer, int length) {
    int flag = restorer.length - 8;
    // the descriptor ends at e in [flag - 11, flag - 4] (counter at align4(e), flag at
    // align8(counter + 4)) and starts 8-aligned: exactly one e fits
    for (int end = flag - 11; end <= flag - 4; end++) {
      int start = end - length;
      if (start >= ENTRY && start % 8 == 0) {
        return java.util.Optional.of(java.util.Arrays.copyOfRange(restorer, start, end));
      }
    }
    return java.util.Optional.empty();
  }

  /** The CSR numbers this spec's restorer writes, in the order it writes them ({@link #restoreSteps}). */
  public static List<Integer> restoredCsrs(RestorerSpec spec) {
    List<Integer> out = new ArrayList<>();
    for (Step step : restoreSteps(spec)) {
      switch (step.kind()) {
        case VECTOR_CONFIG -> out.addAll(List.of(Csr.VL, Csr.VTYPE));
        case CSR, SATP, MSTATUS -> out.add(step.csr());
        default -> { } // register files
      }
    }
    return out;
  }

  /** What a {@link Step} restores and how. */
  enum StepKind {
    /** f0..f31 (fld). */
    FLOAT_REGS,
    /** v0..v31 (whole-register loads). */
    VECTOR_REGS,
    /** vl and vtype together, by vsetvl. */
    VECTOR_CONFIG,
    /** One CSR, written as saved. */
    CSR,
    /** satp, then sfence.vma. */
    SATP,
    /** mstatus with MPRV and MIE cleared, last: saved FS/VS = Off takes effect after the F/V restore. */
    MSTATUS
  }

  /** One step of the restore ({@code csr}: the CSR number, or -1 for a register file). */
  record Step(StepKind kind, int csr) {
    static Step csr(int csr) {
      return new Step(StepKind.CSR, csr);
    }
  }

  /**
   * The restore, in the order the restorer does it: the one table that both the generator and
   * {@link #restoredCsrs} read. F (registers, fcsr); V (registers, vl/vtype, vstart, vxrm, vxsat);
   * menvcfg first of the rest (henvcfg.STCE and stimecmp see STCE); the H and VS CSRs with
   * vstimecmp (Sstc); the M and S CSRs; stimecmp (Sstc); satp; the PMP; mstatus.
   */
  static List<Step> restoreSteps(RestorerSpec spec) {
    List<Step> out = new ArrayList<>();
    if (spec.restoreFloat()) {
      out.add(new Step(StepKind.FLOAT_REGS, -1));
      out.add(Step.csr(Csr.FCSR));
    }
    if (spec.restoreVector()) {
      out.add(new Step(StepKind.VECTOR_REGS, -1));
      out.add(new Step(StepKind.VECTOR_CONFIG, -1));
      out.add(Step.csr(Csr.VSTART));
      out.add(Step.csr(Csr.VXRM));
      out.add(Step.csr(Csr.VXSAT));
    }
    out.add(Step.csr(Csr.MENVCFG));
    if (spec.restoreHypervisor()) {
      for (int c : HYPERVISOR_CSRS) {
        out.add(Step.csr(c));
      }
      if (spec.platform().sstc()) {
        out.add(Step.csr(VSTIMECMP));
      }
    }
    for (int c : MACHINE_SUPERVISOR_CSRS) {
      out.add(Step.csr(c));
    }
    if (spec.platform().sstc()) {
      out.add(Step.csr(Csr.STIMECMP)); // after menvcfg (STCE)
    }
    out.add(new Step(StepKind.SATP, Csr.SATP));
    for (int i = 0; i < PMP_ENTRIES; i++) {
      out.add(Step.csr(Csr.PMPADDR0 + i));
    }
    out.add(Step.csr(Csr.PMPCFG0));
    out.add(Step.csr(PMPCFG2));
    out.add(new Step(StepKind.MSTATUS, Csr.MSTATUS));
    return out;
  }

  /** One generation run: the assembler plus the cursor state. */
  private static final class Emitter {
    private final RestorerSpec spec;
    private final StateLayout layout;
    private final Rv64Assembler a = new Rv64Assembler();
    /** Offset from the core base that the cursor register (t6) holds, or null if unset. */
    private Long cursor;

    Emitter(RestorerSpec spec) {
      this.spec = spec;
      this.layout = spec.descriptor().layout();
      this.desc = spec.descriptor().encode();
      this.xip = spec.platform().executeInPlace();
      if (xip && (spec.harts() != 1 || spec.parkHart().isPresent())) {
        // the barrier's counter lives inside the restorer, which is read-only in flash, and no DRAM
        // byte is the restorer's to take
        throw new IllegalArgumentException("a restorer that executes in place (platform " + spec.platform().name()
            + ", xipBase 0x" + Long.toHexString(spec.platform().xipBase().getAsLong()) + ") restores one hart only, not "
            + spec.harts() + (spec.parkHart().isPresent() ? " with a parked hart" : "")
            + ": its barrier would need writable memory");
      }
    }

    /** The restorer runs from read-only memory (flash): no writes to itself (docs/restorer.md, "Flash"). */
    private final boolean xip;

    private final Label entry = a.newLabel("entry");
    private final Label flag = a.newLabel("flag");
    private final Label trap = a.newLabel("trap");
    private final Label complete = a.newLabel("complete");
    private final Label descriptor = a.newLabel("descriptor");
    private final Label counter = a.newLabel("counter");
    private final Label park = a.newLabel("park");
    private final Label modeMismatch = a.newLabel("modeMismatch");
    private final byte[] desc;

    byte[] emit() {
      header();
      completionCheck();
      descriptorCheck();
      stateCheck();
      hartSelect();
      modeCheck();
      registersAndCsrs();
      timersAndBarrier();
      gprsAndReturn();
      parkAndModeTrap();
      data();
      return finish();
    }

    /** 0: jal x0, entry; 4: size (patched at the end); entry: s0 = base. */
    private void header() {
      a.j(entry);
      a.word32(0);
      a.bind(entry);
      if (a.position() != ENTRY) {
        throw new IllegalStateException("entry must be at " + ENTRY);
      }
      if (xip && spec.platform().smrnmi()) {
        // in place of the reset code in flash, which sets mnstatus.NMIE (else every trap is fatal)
        a.csrrsi(ZERO, MNSTATUS, MNSTATUS_NMIE);
      }
      a.auipc(S0, 0);
      a.addi(S0, S0, -(a.position() - 4));
    }

    /** 1. The completion flag; the trap routine right after it, so a partial copy still reaches it. */
    private void completionCheck() {
      a.la(T0, flag);
      a.lwu(T1, T0, 0);
      a.li(T2, Offsets.RESTORER_FLAG);
      a.beq(T1, T2, complete);
      a.li(A0, TrapCode.INCOMPLETE.code());
      // trap routine: a0 = code
      a.bind(trap);
      if (spec.platform().exitDevice().isPresent()) {
        a.li(T0, spec.platform().exitDevice().getAsLong());
        a.li(T1, PlatformProfile.EXIT_FAIL);
        a.slli(T2, A0, 16);
        a.or(T1, T1, T2);
        a.sw(T1, T0, 0);
      }
      a.trap();
      Label hang = a.newLabel("hang");
      a.bind(hang);
      a.j(hang);
    }

    /** 2. The descriptor in memory is byte for byte the embedded one. */
    private void descriptorCheck() {
      a.bind(complete);
      Label cmp = a.newLabel("cmp");
      Label descMismatch = a.newLabel("descMismatch");
      Label descOk = a.newLabel("descOk");
      a.la(T0, descriptor);
      addBase(T1, spec.descriptorOffset());
      a.li(T2, desc.length);
      a.bind(cmp);
      a.lbu(T3, T0, 0);
      a.lbu(T4, T1, 0);
      a.bne(T3, T4, descMismatch);
      a.addi(T0, T0, 1);
      a.addi(T1, T1, 1);
      a.addi(T2, T2, -1);
      a.bne(T2, ZERO, cmp);
      a.j(descOk);
      a.bind(descMismatch);
      a.li(A0, TrapCode.DESCRIPTOR_MISMATCH.code());
      a.j(trap);
      a.bind(descOk);
    }

    /** 3. State present? Else boot the payload. */
    private void stateCheck() {
      Label restore = a.newLabel("restore");
      addBase(T0, spec.coreBase(0) + layout.magic());
      a.ld(T1, T0, 0);
      a.li(T2, STATE_MAGIC_LOW);
      a.beq(T1, T2, restore);
      if (xip) {
        // in flash: the payload is in DRAM, at the window's payload position (above 2 GiB: li takes 32 bits)
        long payload = spec.platform().windowAddress() + spec.payloadPosition();
        a.li(T0, payload >>> 12);
        a.slli(T0, T0, 12);
        if ((payload & 0xFFF) != 0) {
          a.li(T1, payload & 0xFFF);
          a.add(T0, T0, T1);
        }
      } else {
        addBase(T0, spec.payloadPosition());
      }
      a.jalr(ZERO, T0, 0);
      a.bind(restore);
    }

    /** 4. Which hart (s1), which core base (s2); the others park. */
    private void hartSelect() {
      a.csrr(S1, Csr.MHARTID);
      a.li(T0, spec.harts());
      a.bgeu(S1, T0, park);
      if (spec.parkHart().isPresent()) {
        a.li(T0, spec.parkHart().getAsInt());
        a.beq(S1, T0, park);
      }
      addBase(S2, spec.coreBase(0));
      long coreSize = spec.descriptor().singleCoreSize();
      if (Long.bitCount(coreSize) == 1) {
        a.slli(T0, S1, Long.numberOfTrailingZeros(coreSize));
      } else {
        a.li(T1, coreSize);
        a.mul(T0, S1, T1);
      }
      a.add(S2, S2, T0);
    }

    /** 5. Mode check: mode in {0,1,3} and == mstatus.MPP. */
    private void modeCheck() {
      loadState(T0, layout.mode());
      loadState(T1, layout.csr(Csr.MSTATUS));
      a.srli(T1, T1, Csr.MSTATUS_MPP_SHIFT);
      a.andi(T1, T1, 3);
      a.bne(T0, T1, modeMismatch);
      a.li(T2, MODE_RESERVED);
      a.beq(T0, T2, modeMismatch);
    }

    /** 6 and 7. mstatus.FS/VS on for the restore, then every step of {@link #restoreSteps}. */
    private void registersAndCsrs() {
      long enable = (spec.restoreFloat() ? MSTATUS_FS_DIRTY : 0) | (spec.restoreVector() ? MSTATUS_VS_DIRTY : 0);
      if (enable != 0) {
        a.li(T0, enable);
        a.csrs(Csr.MSTATUS, T0);
      }
      for (Step step : restoreSteps(spec)) {
        switch (step.kind()) {
          case FLOAT_REGS -> {
            pointTo(layout.floatRegs());
            for (int i = 0; i < 32; i++) {
              a.fld(i, T6, (int) (layout.floatReg(i) - cursor));
            }
          }
          case VECTOR_REGS -> {
            if (xip) {
              vectorRegsByScalarLoads();
            } else {
              int groupBytes = 8 * (spec.vlen() / 8); // eight registers of VLEN bits
              addCore(T0, layout.vectorRegs());
              for (int v = 0; v < 32; v += 8) {
                a.vlre8(8, v, T0);
                if (v < 24) {
                  addImm(T0, T0, groupBytes);
                }
              }
            }
          }
          case VECTOR_CONFIG -> {
            loadState(T1, layout.csr(Csr.VL));
            loadState(T2, layout.csr(Csr.VTYPE));
            a.vsetvl(ZERO, T1, T2);
          }
          case CSR -> restoreCsr(step.csr());
          case SATP -> {
            restoreCsr(step.csr());
            a.sfenceVma(ZERO, ZERO);
          }
          case MSTATUS -> {
            loadState(T1, layout.csr(step.csr()));
            a.li(T2, ~(MSTATUS_MPRV | MSTATUS_MIE));
            a.and(T1, T1, T2);
            a.csrw(step.csr(), T1);
          }
        }
      }
    }

    /**
     * v0..v31 without vector loads, which fault on flash (device memory) in NEMU: each 64-bit element
     * by a scalar load, last element first, written by vmv.v.x to elements 0..j with vl = j + 1 and
     * the tail undisturbed, so element k ends up holding the k-th word.
     */
    private void vectorRegsByScalarLoads() {
      int elements = spec.vlen() / 64;
      addCore(T0, layout.vectorRegs());
      for (int v = 0; v < 32; v++) {
        Label element = a.newLabel("v" + v);
        addImm(T3, T0, 8L * (elements - 1) + (long) v * (spec.vlen() / 8));
        a.li(T2, elements);
        a.bind(element);
        a.ld(T1, T3, 0);
        a.vsetvli(ZERO, T2, VTYPE_E64_M1_TU_MU);
        a.vmvVx(v, T1);
        a.addi(T3, T3, -8);
        a.addi(T2, T2, -1);
        a.bne(T2, ZERO, element);
      }
    }

    /** 8. This hart's mtimecmp and pending IPI; the barrier; mtime by the last hart to arrive. */
    private void timersAndBarrier() {
      a.slli(T3, S1, 3);
      addCore(T0, layout.mtimecmp());
      a.add(T0, T0, T3);
      a.ld(T1, T0, 0);
      a.li(T0, spec.platform().mtimecmpAddress(0));
      a.add(T0, T0, T3);
      a.sd(T1, T0, 0);
      // a pending IPI: mip.MSIP is read-only, the CLINT's msip drives it (no write otherwise)
      Label noIpi = a.newLabel("noIpi");
      loadState(T1, layout.csr(Csr.MIP));
      a.andi(T1, T1, (int) MIP_MSIP);
      a.beq(T1, ZERO, noIpi);
      a.li(T0, spec.platform().msipAddress(0));
      a.slli(T2, S1, 2);
      a.add(T0, T0, T2);
      a.li(T1, 1);
      a.sw(T1, T0, 0);
      a.bind(noIpi);
      if (xip) {
        // one hart, nothing to wait for, and the counter is read-only: mtime at once
        addBase(T4, spec.coreBase(0) + layout.mtime());
        a.ld(T4, T4, 0);
        a.li(T5, spec.platform().mtimeAddress());
        a.sd(T4, T5, 0);
        a.fence();
        return;
      }
      int arrivals = spec.harts() - (spec.parkHart().isPresent() ? 1 : 0);
      Label wait = a.newLabel("wait");
      Label spin = a.newLabel("spin");
      a.la(T0, counter);
      a.li(T1, 1);
      a.amoaddW(T2, T1, T0, true, true);
      a.li(T3, arrivals - 1);
      a.bne(T2, T3, wait);
      addBase(T4, spec.coreBase(0) + layout.mtime());
      a.ld(T4, T4, 0);
      a.li(T5, spec.platform().mtimeAddress());
      a.sd(T4, T5, 0);
      a.fence();
      a.amoaddW(ZERO, T1, T0, true, true);
      a.bind(wait);
      a.li(T3, arrivals + 1);
      a.bind(spin);
      a.lw(T2, T0, 0);
      a.bne(T2, T3, spin);
      a.fence();
    }

    /** 9. GPRs, the pointer register last; mret. */
    private void gprsAndReturn() {
      addCore(T0, layout.intRegs());
      for (int x = 1; x < 32; x++) {
        if (x != T0) {
          a.ld(x, T0, 8 * x);
        }
      }
      a.ld(T0, T0, 8 * T0);
      a.mret();
    }

    /** Parked harts wait for interrupts; the mode trap. */
    private void parkAndModeTrap() {
      a.bind(park);
      a.wfi();
      a.j(park);
      a.bind(modeMismatch);
      a.li(A0, TrapCode.MODE_MISMATCH.code());
      a.j(trap);
    }

    /** Data: the descriptor, the barrier counter, the flag. */
    private void data() {
      a.align(8);
      a.bind(descriptor);
      a.bytes(desc);
      a.align(4);
      a.bind(counter);
      a.word32(0);
      a.align(8);
      a.bind(flag);
      a.word32(Offsets.RESTORER_FLAG);
      a.word32(0);
    }

    /** The bytes, checked to fit, with the size word patched. */
    private byte[] finish() {
      byte[] out = a.toByteArray();
      if (out.length > spec.limit()) {
        throw new IllegalStateException("restorer of " + out.length + " bytes does not fit below 0x"
            + Long.toHexString(spec.limit()) + " (descriptor and state)");
      }
      if (out.length > spec.payloadPosition()) {
        throw new IllegalStateException("restorer of " + out.length + " bytes overlaps the payload at 0x"
            + Long.toHexString(spec.payloadPosition()));
      }
      out[SIZE_WORD] = (byte) out.length;
      out[SIZE_WORD + 1] = (byte) (out.length >>> 8);
      out[SIZE_WORD + 2] = (byte) (out.length >>> 16);
      out[SIZE_WORD + 3] = (byte) (out.length >>> 24);
      return out;
    }

    /** rd = base + offset. */
    private void addBase(int rd, long offset) {
      addImm(rd, S0, offset);
    }

    /** rd = core base + offset. */
    private void addCore(int rd, long offset) {
      addImm(rd, S2, offset);
    }

    /** rd = rs + value (rd may equal rs; uses rd as scratch when rd != rs, else t5). */
    private void addImm(int rd, int rs, long value) {
      if (value >= -2048 && value <= 2047) {
        a.addi(rd, rs, (int) value);
        return;
      }
      int scratch = rd != rs ? rd : T5;
      a.li(scratch, value);
      a.add(rd, rs, scratch);
    }

    /** Points the cursor (t6) so that {@code offset} and what follows it are reachable. */
    private void pointTo(long offset) {
      long target = offset + CURSOR_REACH;
      addCore(T6, target);
      cursor = target;
    }

    /** rd = the u64 at core base + offset. */
    private void loadState(int rd, long offset) {
      if (cursor == null || offset - cursor < -2048 || offset - cursor > 2047 - 7) {
        pointTo(offset);
      }
      a.ld(rd, T6, (int) (offset - cursor));
    }

    private void restoreCsr(int csr) {
      loadState(T1, layout.csr(csr));
      a.csrw(csr, T1);
    }
  }
}
