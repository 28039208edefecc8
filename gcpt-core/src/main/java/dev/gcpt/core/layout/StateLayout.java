package dev.gcpt.core.layout;

/**
 * Where one hart's architectural state sits, as byte offsets from that hart's core base.
 *
 * <p>The field set is LibCheckpoint's {@code single_core_rvgc_rvv_rvh_memlayout}; the three
 * known layouts are constants here, with the V1 one drawn below (offsets from the core base,
 * which is DRAM offset 0 for a single-core V1 image):
 *
 * <pre>
 * 0xECDB0  magic (0xBEEF)      0xEDDE0  x0..x31 (32 x 8)      0xEDFF0  CSR k at +8k (4096 x 8)
 * 0xECDB8  pc                  0xEDEE0  int_done              0xF5FF0  csr_done
 * 0xECDC0  mode (0 U, 1 S, 3 M) 0xEDEE8 f0..f31 (32 x 8)      0xF5FF8  csr_reserve (word 0 = harts)
 * 0xECDC8  mtime               0xEDFE8  float_done            0xFDFF8  v0..v31 (VLEN/8 each)
 * 0xECDD0  mtimecmp            0xECDD8  misc_done             0xFFFF8  vector_done
 * </pre>
 */
public record StateLayout(
    long magic,
    long pc,
    long mode,
    long mtime,
    long mtimecmp,
    long miscDone,
    long miscReserve,
    long intRegs,
    long intDone,
    long floatRegs,
    long floatDone,
    long csrs,
    long csrDone,
    long csrReserve,
    long vectorRegs,
    long vectorDone) {

  /** Number of CSR slots (CSR number k at csrs + 8k). */
  public static final int CSR_SLOTS = 4096;
  /** Bytes reserved for the vector register file (32 registers of up to VLEN 2048). */
  public static final long VECTOR_AREA = 0x2000;

  /** V1 "rvgcvh": NEMU since 2024-07, QEMU single core, LibCheckpointAlpha; also V2 per core. */
  public static final StateLayout RVGCVH = new StateLayout(
      0xECDB0, 0xECDB8, 0xECDC0, 0xECDC8, 0xECDD0, 0xECDD8, 0xECDE0,
      0xEDDE0, 0xEDEE0, 0xEDEE8, 0xEDFE8, 0xEDFF0, 0xF5FF0, 0xF5FF8, 0xFDFF8, 0xFFFF8);

  /**
   * LibCheckpoint's compact per-core layout; used here for V0 sources, whose state is moved
   * below the V0 payload (0xA0000).
   */
  public static final StateLayout COMPACT = new StateLayout(
      0x0, 0x8, 0x10, 0x18, 0x20, 0x28, 0x30,
      0x1000, 0x1100, 0x1130, 0x1230, 0x1238, 0x9238, 0x9240, 0x11240, 0x13240);

  /**
   * V0 "original" (NEMU 2022 to mid-2024). It has no vector area and no csr_reserve; those
   * offsets are -1.
   */
  public static final StateLayout ORIGINAL = new StateLayout(
      0xF00, 0x1200, 0xF08, 0xF10, 0xF18, -1, -1,
      0x1000, -1, 0x1100, -1, 0x1300, -1, -1, -1, -1);

  /** Offset of CSR number {@code csr} from the core base. */
  public long csr(int csr) {
    if (csr < 0 || csr >= CSR_SLOTS) {
      throw new IllegalArgumentException("CSR number out of range: " + csr);
    }
    return csrs + 8L * csr;
  }

  public long intReg(int i) {
    return intRegs + 8L * checkReg(i);
  }

  public long floatReg(int i) {
    return floatRegs + 8L * checkReg(i);
  }

  public boolean hasVectorArea() {
    return vectorRegs >= 0;
  }

  public boolean hasCsrReserve() {
    return csrReserve >= 0;
  }

  /** One past the highest byte of state this layout describes, for a given VLEN. */
  public long end(int vlenBits) {
    long end = Math.max(csrs + 8L * CSR_SLOTS, Math.max(intRegs, floatRegs) + 8L * 32);
    end = Math.max(end, pc + 8);
    if (hasCsrReserve()) {
      end = Math.max(end, csrReserve + 8);
    }
    if (hasVectorArea()) {
      end = Math.max(end, vectorRegs + 32L * (vlenBits / 8));
    }
    return end;
  }

  /** Lowest state offset (the magic word in every known layout). */
  public long start() {
    return Math.min(magic, Math.min(pc, Math.min(intRegs, csrs)));
  }

  private static int checkReg(int i) {
    if (i < 0 || i > 31) {
      throw new IllegalArgumentException("register index out of range: " + i);
    }
    return i;
  }
}
