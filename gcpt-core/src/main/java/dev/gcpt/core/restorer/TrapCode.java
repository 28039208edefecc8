package dev.gcpt.core.restorer;

/**
 * Codes the generated restorer stops with. A trap loads the code into a0 and executes the
 * NEMU/XiangShan trap instruction ({@code .insn r 0x6B}), which NEMU, the XiangShan emu and
 * XS-GEM5 report as "HIT GOOD TRAP" (code 0) or "HIT BAD TRAP" with the code; on a platform with
 * an exit device (QEMU virt's SiFive test device) it first writes {@code (code << 16) | 0x3333}
 * there, so QEMU exits with the code as its exit status.
 */
public enum TrapCode {
  /** NEMU's "good trap". Never emitted by the restorer; listed for completeness. */
  GOOD(0, "good trap (not emitted by the restorer)"),
  /** The 0xCAFF flag at base + size - 8 is absent: the loader copied only part of the restorer. */
  INCOMPLETE(2, "restorer incomplete: completion flag 0xCAFF missing at base + size - 8"),
  /** The descriptor in memory is not the one the restorer was generated for. */
  DESCRIPTOR_MISMATCH(3, "descriptor in memory differs from the one the restorer was generated for"),
  /** A hart's saved mode is not 0/1/3, or differs from its saved mstatus.MPP (not prepared for mret). */
  MODE_MISMATCH(4, "saved privilege mode is invalid or differs from the saved mstatus.MPP");

  private final int code;
  private final String meaning;

  TrapCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  /** The value in a0 at the trap (and QEMU's exit status with the qemu-virt profile). */
  public int code() {
    return code;
  }

  public String meaning() {
    return meaning;
  }

  /** The trap code with value {@code code}. */
  public static TrapCode of(int code) {
    for (TrapCode t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("no restorer trap code " + code);
  }
}
