package dev.gcpt.core.capture;

import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.state.HartState;

/**
 * One hart's architectural state as QEMU's gdbstub shows it at the stop, before it is prepared
 * for {@code mret} ({@link MretPreparation}).
 *
 * @param pc where the hart resumes (the breakpoint address, or the next instruction)
 * @param priv privilege mode: 0 U, 1 S, 3 M (QEMU's virtual "priv" register)
 * @param csrs the full 4096-slot CSR table; 0 where QEMU does not serve the CSR
 * @param vregs v0..v31, VLEN/8 bytes each, empty without vector state
 * @param vlen VLEN in bits ({@link dev.gcpt.core.restorer.RestorerSpec#DEFAULT_VLEN} without V)
 */
public record RawHart(int hart, long pc, int priv, long[] x, long[] f, long[] csrs, byte[] vregs, int vlen) {
  public RawHart {
    if (x.length != 32 || f.length != 32 || csrs.length != StateLayout.CSR_SLOTS) {
      throw new IllegalArgumentException("x and f need 32 entries, csrs 4096");
    }
    x = x.clone();
    f = f.clone();
    csrs = csrs.clone();
    vregs = vregs.clone();
  }

  public long csr(int k) {
    return csrs[k];
  }

  @Override
  public long[] csrs() {
    return csrs.clone();
  }

  @Override
  public long[] x() {
    return x.clone();
  }

  @Override
  public long[] f() {
    return f.clone();
  }

  @Override
  public byte[] vregs() {
    return vregs.clone();
  }

  @Override
  public String toString() {
    return "RawHart{hart=" + hart + ", pc=0x" + Long.toHexString(pc) + ", mode=" + HartState.modeName(priv) + "}";
  }
}
