package dev.gcpt.core.restorer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A small RV64 encoder: 32-bit instructions only (no compressed forms), labels with fix-ups for
 * forward references, and raw data. Every encoder range-checks its operands and throws an
 * {@link IllegalArgumentException} naming the offending value.
 *
 * <p>Encodings follow the RISC-V unprivileged spec (RV64I, M, A, F/D loads, Zicsr, Zifencei,
 * V 1.0 loads and vsetvl) and the privileged spec (mret, wfi, sfence.vma). {@link #trap()} emits
 * the NEMU/XiangShan "trap" instruction {@code .insn r 0x6B, 0, 0, x0, x0, x0}.
 */
public final class Rv64Assembler {

  // ABI register numbers
  public static final int ZERO = 0;
  public static final int RA = 1;
  public static final int SP = 2;
  public static final int GP = 3;
  public static final int TP = 4;
  public static final int T0 = 5;
  public static final int T1 = 6;
  public static final int T2 = 7;
  public static final int S0 = 8;
  public static final int S1 = 9;
  public static final int A0 = 10;
  public static final int A1 = 11;
  public static final int A2 = 12;
  public static final int A3 = 13;
  public static final int A4 = 14;
  public static final int A5 = 15;
  public static final int A6 = 16;
  public static final int A7 = 17;
  public static final int S2 = 18;
  public static final int S3 = 19;
  public static final int S4 = 20;
  public static final int S5 = 21;
  public static final int S6 = 22;
  public static final int S7 = 23;
  public static final int S8 = 24;
  public static final int S9 = 25;
  public static final int S10 = 26;
  public static final int S11 = 27;
  public static final int T3 = 28;
  public static final int T4 = 29;
  public static final int T5 = 30;
  public static final int T6 = 31;

  // major opcodes
  private static final int OP_LOAD = 0x03;
  private static final int OP_LOAD_FP = 0x07;
  private static final int OP_MISC_MEM = 0x0F;
  private static final int OP_IMM = 0x13;
  private static final int OP_AUIPC = 0x17;
  private static final int OP_IMM_32 = 0x1B;
  private static final int OP_STORE = 0x23;
  private static final int OP_AMO = 0x2F;
  private static final int OP_OP = 0x33;
  private static final int OP_LUI = 0x37;
  private static final int OP_OP_32 = 0x3B;
  private static final int OP_V = 0x57;
  private static final int OP_BRANCH = 0x63;
  private static final int OP_JALR = 0x67;
  /** NEMU/XiangShan "trap" (custom-2 slot in the 0x6B opcode space): a0 holds the code. */
  private static final int OP_NEMU_TRAP = 0x6B;
  private static final int OP_JAL = 0x6F;
  private static final int OP_SYSTEM = 0x73;

  private static final int IMM12_MIN = -2048;
  private static final int IMM12_MAX = 2047;

  /** A position in the code; bound once, referenced any number of times before or after. */
  public static final class Label {
    private final String name;
    private long offset = -1;

    private Label(String name) {
      this.name = name;
    }

    public boolean isBound() {
      return offset >= 0;
    }

    /** Offset from the start of the output; only once bound. */
    public long offset() {
      if (offset < 0) {
        throw new IllegalStateException("label " + name + " is not bound");
      }
      return offset;
    }

    @Override
    public String toString() {
      return name + (offset >= 0 ? "@0x" + Long.toHexString(offset) : "(unbound)");
    }
  }

  private enum FixKind { BRANCH, JAL, PCREL_HI_LO }

  private record Fixup(int at, Label target, FixKind kind) {}

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final List<Fixup> fixups = new ArrayList<>();

  /** Current offset (bytes emitted so far). */
  public int position() {
    return out.size();
  }

  public Label newLabel(String name) {
    return new Label(name);
  }

  /** Binds {@code label} to the current position. */
  public Rv64Assembler bind(Label label) {
    if (label.isBound()) {
      throw new IllegalStateException("label " + label + " bound twice");
    }
    label.offset = position();
    return this;
  }

  // ---------------------------------------------------------------- raw data

  public Rv64Assembler word32(int value) {
    out.write(value);
    out.write(value >>> 8);
    out.write(value >>> 16);
    out.write(value >>> 24);
    return this;
  }

  public Rv64Assembler word64(long value) {
    word32((int) value);
    return word32((int) (value >>> 32));
  }

  public Rv64Assembler bytes(byte[] data) {
    out.writeBytes(data);
    return this;
  }

  /** Pads with zero bytes up to a multiple of {@code alignment} (a power of two). */
  public Rv64Assembler align(int alignment) {
    if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
      throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
    }
    while (position() % alignment != 0) {
      out.write(0);
    }
    return this;
  }

  /** The emitted bytes with every fix-up applied. */
  public byte[] toByteArray() {
    byte[] code = out.toByteArray();
    for (Fixup f : fixups) {
      if (!f.target.isBound()) {
        throw new IllegalStateException("label " + f.target + " referenced at 0x"
            + Integer.toHexString(f.at) + " is never bound");
      }
      long delta = f.target.offset() - f.at;
      switch (f.kind) {
        case BRANCH -> patch(code, f.at, branchImm(checkBranch(delta)), 0x01FF_F07F);
        case JAL -> patch(code, f.at, jalImm(checkJal(delta)), 0x0000_0FFF);
        case PCREL_HI_LO -> {
          int[] hiLo = splitHiLo(delta);
          patch(code, f.at, hiLo[0] << 12, 0x0000_0FFF);
          patch(code, f.at + 4, (hiLo[1] & 0xFFF) << 20, 0x000F_FFFF);
        }
        default -> throw new AssertionError(f.kind);
      }
    }
    return code;
  }

  private static void patch(byte[] code, int at, int bits, int keepMask) {
    int word = (code[at] & 0xFF) | (code[at + 1] & 0xFF) << 8 | (code[at + 2] & 0xFF) << 16
        | (code[at + 3] & 0xFF) << 24;
    word = (word & keepMask) | bits;
    code[at] = (byte) word;
    code[at + 1] = (byte) (word >>> 8);
    code[at + 2] = (byte) (word >>> 16);
    code[at + 3] = (byte) (word >>> 24);
  }

  // ---------------------------------------------------------------- formats

  private Rv64Assembler emit(int insn) {
    return word32(insn);
  }

  private static int r(int opcode, int rd, int funct3, int rs1, int rs2, int funct7) {
    return funct7 << 25 | reg(rs2) << 20 | reg(rs1) << 15 | funct3 << 12 | reg(rd) << 7 | opcode;
  }

  private static int i(int opcode, int rd, int funct3, int rs1, int imm) {
    return (imm12(imm) & 0xFFF) << 20 | reg(rs1) << 15 | funct3 << 12 | reg(rd) << 7 | opcode;
  }

  private static int s(int opcode, int funct3, int rs1, int rs2, int imm) {
    int v = imm12(imm);
    return ((v >> 5) & 0x7F) << 25 | reg(rs2) << 20 | reg(rs1) << 15 | funct3 << 12
        | (v & 0x1F) << 7 | opcode;
  }

  private static int u(int opcode, int rd, int imm20) {
    if (imm20 < -(1 << 19) || imm20 >= (1 << 20)) {
      throw new IllegalArgumentException("20-bit upper immediate out of range: " + imm20);
    }
    return (imm20 & 0xFFFFF) << 12 | reg(rd) << 7 | opcode;
  }

  private static int branchImm(int off) {
    return ((off >> 12) & 1) << 31 | ((off >> 5) & 0x3F) << 25 | ((off >> 1) & 0xF) << 8
        | ((off >> 11) & 1) << 7;
  }

  private static int jalImm(int off) {
    return ((off >> 20) & 1) << 31 | ((off >> 1) & 0x3FF) << 21 | ((off >> 11) & 1) << 20
        | ((off >> 12) & 0xFF) << 12;
  }

  static int reg(int x) {
    if (x < 0 || x > 31) {
      throw new IllegalArgumentException("register number out of range 0..31: " + x);
    }
    return x;
  }

  private static int vreg(int v) {
    if (v < 0 || v > 31) {
      throw new IllegalArgumentException("vector register number out of range 0..31: " + v);
    }
    return v;
  }

  static int imm12(long imm) {
    if (imm < IMM12_MIN || imm > IMM12_MAX) {
      throw new IllegalArgumentException("12-bit signed immediate out of range -2048..2047: " + imm);
    }
    return (int) imm;
  }

  private static int checkBranch(long off) {
    if (off < -4096 || off > 4094 || (off & 1) != 0) {
      throw new IllegalArgumentException("branch offset out of range (even, -4096..4094): " + off);
    }
    return (int) off;
  }

  private static int checkJal(long off) {
    if (off < -(1 << 20) || off > (1 << 20) - 2 || (off & 1) != 0) {
      throw new IllegalArgumentException("jal offset out of range (even, +-1 MiB): " + off);
    }
    return (int) off;
  }

  private static int csr(int csr) {
    if (csr < 0 || csr > 0xFFF) {
      throw new IllegalArgumentException("CSR number out of range 0..0xfff: 0x" + Integer.toHexString(csr));
    }
    return csr;
  }

  private static int shamt(int sh, int max) {
    if (sh < 0 || sh > max) {
      throw new IllegalArgumentException("shift amount out of range 0.." + max + ": " + sh);
    }
    return sh;
  }

  /** Splits a 32-bit signed pc-relative or absolute value into lui/auipc hi20 and addi lo12. */
  static int[] splitHiLo(long value) {
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE - 0x800) {
      throw new IllegalArgumentException("value does not fit a hi20/lo12 pair: 0x" + Long.toHexString(value));
    }
    int lo = (int) (value << 52 >> 52); // sign-extended low 12 bits
    int hi = (int) ((value - lo) >> 12);
    return new int[] {hi & 0xFFFFF, lo};
  }

  // ---------------------------------------------------------------- RV64I

  public Rv64Assembler lui(int rd, int imm20) {
    return emit(u(OP_LUI, rd, imm20));
  }

  public Rv64Assembler auipc(int rd, int imm20) {
    return emit(u(OP_AUIPC, rd, imm20));
  }

  public Rv64Assembler jal(int rd, int offset) {
    return emit(jalImm(checkJal(offset)) | reg(rd) << 7 | OP_JAL);
  }

  public Rv64Assembler jal(int rd, Label target) {
    fixups.add(new Fixup(position(), target, FixKind.JAL));
    return emit(reg(rd) << 7 | OP_JAL);
  }

  /** {@code jal x0, target}. */
  public Rv64Assembler j(Label target) {
    return jal(ZERO, target);
  }

  public Rv64Assembler jalr(int rd, int rs1, int imm) {
    return emit(i(OP_JALR, rd, 0, rs1, imm));
  }

  private Rv64Assembler branch(int funct3, int rs1, int rs2, Label target) {
    fixups.add(new Fixup(position(), target, FixKind.BRANCH));
    return emit(reg(rs2) << 20 | reg(rs1) << 15 | funct3 << 12 | OP_BRANCH);
  }

  private Rv64Assembler branch(int funct3, int rs1, int rs2, int offset) {
    return emit(branchImm(checkBranch(offset)) | reg(rs2) << 20 | reg(rs1) << 15 | funct3 << 12 | OP_BRANCH);
  }

  public Rv64Assembler beq(int rs1, int rs2, Label t) { return branch(0, rs1, rs2, t); }
  public Rv64Assembler bne(int rs1, int rs2, Label t) { return branch(1, rs1, rs2, t); }
  public Rv64Assembler blt(int rs1, int rs2, Label t) { return branch(4, rs1, rs2, t); }
  public Rv64Assembler bge(int rs1, int rs2, Label t) { return branch(5, rs1, rs2, t); }
  public Rv64Assembler bltu(int rs1, int rs2, Label t) { return branch(6, rs1, rs2, t); }
  public Rv64Assembler bgeu(int rs1, int rs2, Label t) { return branch(7, rs1, rs2, t); }
  public Rv64Assembler beq(int rs1, int rs2, int off) { return branch(0, rs1, rs2, off); }
  public Rv64Assembler bne(int rs1, int rs2, int off) { return branch(1, rs1, rs2, off); }
  public Rv64Assembler bltu(int rs1, int rs2, int off) { return branch(6, rs1, rs2, off); }
  public Rv64Assembler bgeu(int rs1, int rs2, int off) { return branch(7, rs1, rs2, off); }

  public Rv64Assembler lb(int rd, int rs1, int imm) { return emit(i(OP_LOAD, rd, 0, rs1, imm)); }
  public Rv64Assembler lh(int rd, int rs1, int imm) { return emit(i(OP_LOAD, rd, 1, rs1, imm)); }
  public Rv64Assembler lw(int rd, int rs1, int imm) { return emit(i(OP_LOAD, rd, 2, rs1, imm)); }
  public Rv64Assembler ld(int rd, int rs1, int imm) { return emit(i(OP_LOAD, rd, 3, rs1, imm)); }
  public Rv64Assembler lbu(int rd, int rs1, int imm) { return emit(i(OP_LOAD, rd, 4, rs1, imm)); }
  public Rv64Assembler lhu(int rd, int rs1, int imm) { return emit(i(OP_LOAD, rd, 5, rs1, imm)); }
  public Rv64Assembler lwu(int rd, int rs1, int imm) { return emit(i(OP_LOAD, rd, 6, rs1, imm)); }

  public Rv64Assembler sb(int rs2, int rs1, int imm) { return emit(s(OP_STORE, 0, rs1, rs2, imm)); }
  public Rv64Assembler sh(int rs2, int rs1, int imm) { return emit(s(OP_STORE, 1, rs1, rs2, imm)); }
  public Rv64Assembler sw(int rs2, int rs1, int imm) { return emit(s(OP_STORE, 2, rs1, rs2, imm)); }
  public Rv64Assembler sd(int rs2, int rs1, int imm) { return emit(s(OP_STORE, 3, rs1, rs2, imm)); }

  public Rv64Assembler addi(int rd, int rs1, int imm) { return emit(i(OP_IMM, rd, 0, rs1, imm)); }
  public Rv64Assembler slti(int rd, int rs1, int imm) { return emit(i(OP_IMM, rd, 2, rs1, imm)); }
  public Rv64Assembler sltiu(int rd, int rs1, int imm) { return emit(i(OP_IMM, rd, 3, rs1, imm)); }
  public Rv64Assembler xori(int rd, int rs1, int imm) { return emit(i(OP_IMM, rd, 4, rs1, imm)); }
  public Rv64Assembler ori(int rd, int rs1, int imm) { return emit(i(OP_IMM, rd, 6, rs1, imm)); }
  public Rv64Assembler andi(int rd, int rs1, int imm) { return emit(i(OP_IMM, rd, 7, rs1, imm)); }

  public Rv64Assembler slli(int rd, int rs1, int sh) {
    return emit(shamt(sh, 63) << 20 | reg(rs1) << 15 | 1 << 12 | reg(rd) << 7 | OP_IMM);
  }

  public Rv64Assembler srli(int rd, int rs1, int sh) {
    return emit(shamt(sh, 63) << 20 | reg(rs1) << 15 | 5 << 12 | reg(rd) << 7 | OP_IMM);
  }

  public Rv64Assembler srai(int rd, int rs1, int sh) {
    return emit(0x400 << 20 | shamt(sh, 63) << 20 | reg(rs1) << 15 | 5 << 12 | reg(rd) << 7 | OP_IMM);
  }

  public Rv64Assembler addiw(int rd, int rs1, int imm) { return emit(i(OP_IMM_32, rd, 0, rs1, imm)); }

  public Rv64Assembler add(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 0, rs1, rs2, 0)); }
  public Rv64Assembler sub(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 0, rs1, rs2, 0x20)); }
  public Rv64Assembler sll(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 1, rs1, rs2, 0)); }
  public Rv64Assembler slt(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 2, rs1, rs2, 0)); }
  public Rv64Assembler sltu(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 3, rs1, rs2, 0)); }
  public Rv64Assembler xor(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 4, rs1, rs2, 0)); }
  public Rv64Assembler srl(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 5, rs1, rs2, 0)); }
  public Rv64Assembler sra(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 5, rs1, rs2, 0x20)); }
  public Rv64Assembler or(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 6, rs1, rs2, 0)); }
  public Rv64Assembler and(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 7, rs1, rs2, 0)); }
  public Rv64Assembler addw(int rd, int rs1, int rs2) { return emit(r(OP_OP_32, rd, 0, rs1, rs2, 0)); }
  public Rv64Assembler subw(int rd, int rs1, int rs2) { return emit(r(OP_OP_32, rd, 0, rs1, rs2, 0x20)); }

  /** M extension multiply (low 64 bits). */
  public Rv64Assembler mul(int rd, int rs1, int rs2) { return emit(r(OP_OP, rd, 0, rs1, rs2, 1)); }

  /** {@code addi rd, rs, 0}. */
  public Rv64Assembler mv(int rd, int rs) {
    return addi(rd, rs, 0);
  }

  /**
   * Loads a constant in the 32-bit signed range ({@code lui}+{@code addiw}, or one
   * {@code addi} when it fits 12 bits). Larger constants are rejected.
   */
  public Rv64Assembler li(int rd, long value) {
    if (value >= IMM12_MIN && value <= IMM12_MAX) {
      return addi(rd, ZERO, (int) value);
    }
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("li supports 32-bit signed constants only: 0x" + Long.toHexString(value));
    }
    int lo = (int) (value << 52 >> 52);
    int hi = (int) (((value - lo) >> 12) & 0xFFFFF);
    lui(rd, hi);
    return lo == 0 ? this : addiw(rd, rd, lo);
  }

  /** {@code auipc rd, hi; addi rd, rd, lo}: rd = address of {@code target}. */
  public Rv64Assembler la(int rd, Label target) {
    fixups.add(new Fixup(position(), target, FixKind.PCREL_HI_LO));
    auipc(rd, 0);
    return addi(rd, rd, 0);
  }

  /** {@code fence pred, succ}; pred/succ are 4-bit IORW masks. */
  public Rv64Assembler fence(int pred, int succ) {
    if (pred < 0 || pred > 15 || succ < 0 || succ > 15) {
      throw new IllegalArgumentException("fence sets are 4-bit IORW masks: pred " + pred + ", succ " + succ);
    }
    return emit(pred << 24 | succ << 20 | OP_MISC_MEM);
  }

  /** {@code fence iorw, iorw}. */
  public Rv64Assembler fence() {
    return fence(0xF, 0xF);
  }

  public Rv64Assembler fenceI() {
    return emit(1 << 12 | OP_MISC_MEM);
  }

  // ---------------------------------------------------------------- privileged

  public Rv64Assembler mret() { return emit(0x302 << 20 | OP_SYSTEM); }
  public Rv64Assembler sret() { return emit(0x102 << 20 | OP_SYSTEM); }
  public Rv64Assembler wfi() { return emit(0x105 << 20 | OP_SYSTEM); }
  public Rv64Assembler ecall() { return emit(OP_SYSTEM); }

  public Rv64Assembler sfenceVma(int rs1, int rs2) {
    return emit(r(OP_SYSTEM, ZERO, 0, rs1, rs2, 0x09));
  }

  /** The NEMU/XiangShan trap instruction: {@code .insn r 0x6B, 0, 0, x0, x0, x0}. */
  public Rv64Assembler trap() {
    return emit(r(OP_NEMU_TRAP, ZERO, 0, ZERO, ZERO, 0));
  }

  // ---------------------------------------------------------------- Zicsr

  public Rv64Assembler csrrw(int rd, int csr, int rs1) { return emit(csr(csr) << 20 | reg(rs1) << 15 | 1 << 12 | reg(rd) << 7 | OP_SYSTEM); }
  public Rv64Assembler csrrs(int rd, int csr, int rs1) { return emit(csr(csr) << 20 | reg(rs1) << 15 | 2 << 12 | reg(rd) << 7 | OP_SYSTEM); }
  public Rv64Assembler csrrc(int rd, int csr, int rs1) { return emit(csr(csr) << 20 | reg(rs1) << 15 | 3 << 12 | reg(rd) << 7 | OP_SYSTEM); }

  public Rv64Assembler csrrwi(int rd, int csr, int uimm) { return emit(csr(csr) << 20 | uimm5(uimm) << 15 | 5 << 12 | reg(rd) << 7 | OP_SYSTEM); }
  public Rv64Assembler csrrsi(int rd, int csr, int uimm) { return emit(csr(csr) << 20 | uimm5(uimm) << 15 | 6 << 12 | reg(rd) << 7 | OP_SYSTEM); }
  public Rv64Assembler csrrci(int rd, int csr, int uimm) { return emit(csr(csr) << 20 | uimm5(uimm) << 15 | 7 << 12 | reg(rd) << 7 | OP_SYSTEM); }

  /** {@code csrrs rd, csr, x0}. */
  public Rv64Assembler csrr(int rd, int csr) { return csrrs(rd, csr, ZERO); }
  /** {@code csrrw x0, csr, rs}. */
  public Rv64Assembler csrw(int csr, int rs) { return csrrw(ZERO, csr, rs); }
  /** {@code csrrs x0, csr, rs}. */
  public Rv64Assembler csrs(int csr, int rs) { return csrrs(ZERO, csr, rs); }
  /** {@code csrrc x0, csr, rs}. */
  public Rv64Assembler csrc(int csr, int rs) { return csrrc(ZERO, csr, rs); }

  private static int uimm5(int v) {
    if (v < 0 || v > 31) {
      throw new IllegalArgumentException("5-bit CSR immediate out of range 0..31: " + v);
    }
    return v;
  }

  // ---------------------------------------------------------------- F / D

  public Rv64Assembler flw(int fd, int rs1, int imm) { return emit(i(OP_LOAD_FP, fd, 2, rs1, imm)); }
  public Rv64Assembler fld(int fd, int rs1, int imm) { return emit(i(OP_LOAD_FP, fd, 3, rs1, imm)); }

  // ---------------------------------------------------------------- A

  private Rv64Assembler amo(int funct5, int width, int rd, int rs2, int rs1, boolean aq, boolean rl) {
    int funct7 = funct5 << 2 | (aq ? 2 : 0) | (rl ? 1 : 0);
    return emit(r(OP_AMO, rd, width, rs1, rs2, funct7));
  }

  /** {@code amoadd.w rd, rs2, (rs1)}. */
  public Rv64Assembler amoaddW(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo(0x00, 2, rd, rs2, rs1, aq, rl); }
  /** {@code amoadd.d rd, rs2, (rs1)}. */
  public Rv64Assembler amoaddD(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo(0x00, 3, rd, rs2, rs1, aq, rl); }
  /** {@code lr.w rd, (rs1)}. */
  public Rv64Assembler lrW(int rd, int rs1, boolean aq, boolean rl) { return amo(0x02, 2, rd, ZERO, rs1, aq, rl); }
  /** {@code lr.d rd, (rs1)}. */
  public Rv64Assembler lrD(int rd, int rs1, boolean aq, boolean rl) { return amo(0x02, 3, rd, ZERO, rs1, aq, rl); }
  /** {@code sc.w rd, rs2, (rs1)}. */
  public Rv64Assembler scW(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo(0x03, 2, rd, rs2, rs1, aq, rl); }
  /** {@code sc.d rd, rs2, (rs1)}. */
  public Rv64Assembler scD(int rd, int rs2, int rs1, boolean aq, boolean rl) { return amo(0x03, 3, rd, rs2, rs1, aq, rl); }

  // ---------------------------------------------------------------- V 1.0

  /** {@code vsetvl rd, rs1, rs2}: vl from AVL rs1, vtype from rs2. */
  public Rv64Assembler vsetvl(int rd, int rs1, int rs2) {
    return emit(r(OP_V, rd, 7, rs1, rs2, 0x40));
  }

  /** {@code vsetvli rd, rs1, vtypei} with an 11-bit vtype immediate. */
  public Rv64Assembler vsetvli(int rd, int rs1, int vtypei) {
    if (vtypei < 0 || vtypei > 0x7FF) {
      throw new IllegalArgumentException("vsetvli vtype immediate out of range 0..0x7ff: 0x" + Integer.toHexString(vtypei));
    }
    return emit(vtypei << 20 | reg(rs1) << 15 | 7 << 12 | reg(rd) << 7 | OP_V);
  }

  /** {@code vmv.v.x vd, rs1}: elements 0..vl-1 of vd = rs1 (the tail as vtype's policy says). */
  public Rv64Assembler vmvVx(int vd, int rs1) {
    return emit(0x17 << 26 | 1 << 25 | reg(rs1) << 15 | 4 << 12 | vreg(vd) << 7 | OP_V);
  }

  /** {@code vle64.v vd, (rs1)} (unmasked, unit stride). */
  public Rv64Assembler vle64(int vd, int rs1) {
    return emit(1 << 25 | reg(rs1) << 15 | 7 << 12 | vreg(vd) << 7 | OP_LOAD_FP);
  }

  /**
   * Whole-register load {@code vl<nregs>re8.v vd, (rs1)}: nregs (1, 2, 4 or 8) registers of
   * VLEN bits each, independent of vtype and vl; vd must be a multiple of nregs.
   */
  public Rv64Assembler vlre8(int nregs, int vd, int rs1) {
    if (nregs != 1 && nregs != 2 && nregs != 4 && nregs != 8) {
      throw new IllegalArgumentException("whole-register load takes 1, 2, 4 or 8 registers: " + nregs);
    }
    if (vreg(vd) % nregs != 0) {
      throw new IllegalArgumentException("vl" + nregs + "re8.v needs vd aligned to " + nregs + ": v" + vd);
    }
    int nf = nregs - 1;
    // nf | mew=0 | mop=00 | vm=1 | lumop=01000 (whole register) | rs1 | width=000 (8-bit) | vd | LOAD-FP
    return emit(nf << 29 | 1 << 25 | 0x08 << 20 | reg(rs1) << 15 | vd << 7 | OP_LOAD_FP);
  }
}
