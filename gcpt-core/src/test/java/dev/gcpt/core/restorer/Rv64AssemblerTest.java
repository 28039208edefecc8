package dev.gcpt.core.restorer;

import static dev.gcpt.core.restorer.Rv64Assembler.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.state.Csr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decodes what the assembler emits with GNU binutils and compares the disassembly with a table.
 *
 * <p>{@code objdump -b binary -m riscv:rv64} knows no vector instructions (its default ISA is
 * rv64gc and binutils 2.40 has no option to change it), so the words are wrapped in an ELF
 * object with {@code .insn 4, WORD} lines assembled for rv64gcv: the object's arch attribute
 * makes objdump decode V as well, and every word still comes from this assembler.
 */
class Rv64AssemblerTest {

  private static final String AS = "riscv64-unknown-elf-as";
  private static final String OBJDUMP = "riscv64-unknown-elf-objdump";

  private record Case(String expected, Consumer<Rv64Assembler> emit) {}

  private static List<Case> table() {
    List<Case> t = new ArrayList<>();
    t.add(new Case("lui t0,0x38000", a -> a.lui(T0, 0x38000)));
    t.add(new Case("lui a0,0xfffff", a -> a.lui(A0, -1)));
    t.add(new Case("auipc s0,0x0", a -> a.auipc(S0, 0)));
    t.add(new Case("auipc ra,0x12345", a -> a.auipc(RA, 0x12345)));
    t.add(new Case("jalr zero,0(t0)", a -> a.jalr(ZERO, T0, 0)));
    t.add(new Case("jalr ra,-4(a5)", a -> a.jalr(RA, A5, -4)));
    t.add(new Case("lb a0,-1(sp)", a -> a.lb(A0, SP, -1)));
    t.add(new Case("lh a1,2(sp)", a -> a.lh(A1, SP, 2)));
    t.add(new Case("lw t1,2047(t2)", a -> a.lw(T1, T2, 2047)));
    t.add(new Case("ld t0,-2048(s1)", a -> a.ld(T0, S1, -2048)));
    t.add(new Case("lbu t3,1(t4)", a -> a.lbu(T3, T4, 1)));
    t.add(new Case("lhu t5,6(t6)", a -> a.lhu(T5, T6, 6)));
    t.add(new Case("lwu s2,12(s3)", a -> a.lwu(S2, S3, 12)));
    t.add(new Case("sb a0,0(a1)", a -> a.sb(A0, A1, 0)));
    t.add(new Case("sh a2,-2(a3)", a -> a.sh(A2, A3, -2)));
    t.add(new Case("sw a4,100(a5)", a -> a.sw(A4, A5, 100)));
    t.add(new Case("sd s11,-8(sp)", a -> a.sd(S11, SP, -8)));
    t.add(new Case("addi s0,s0,-8", a -> a.addi(S0, S0, -8)));
    t.add(new Case("slti a0,a1,-5", a -> a.slti(A0, A1, -5)));
    t.add(new Case("sltiu a0,a1,5", a -> a.sltiu(A0, A1, 5)));
    t.add(new Case("xori a0,a1,-1", a -> a.xori(A0, A1, -1)));
    t.add(new Case("ori t0,t1,1024", a -> a.ori(T0, T1, 1024)));
    t.add(new Case("andi t0,t1,255", a -> a.andi(T0, T1, 255)));
    t.add(new Case("slli t0,t1,0x14", a -> a.slli(T0, T1, 20)));
    t.add(new Case("srli t0,t1,0x3f", a -> a.srli(T0, T1, 63)));
    t.add(new Case("srai t0,t1,0x21", a -> a.srai(T0, T1, 33)));
    t.add(new Case("addiw a0,a0,-1", a -> a.addiw(A0, A0, -1)));
    t.add(new Case("add a0,a1,a2", a -> a.add(A0, A1, A2)));
    t.add(new Case("sub a0,a1,a2", a -> a.sub(A0, A1, A2)));
    t.add(new Case("sll a0,a1,a2", a -> a.sll(A0, A1, A2)));
    t.add(new Case("slt a0,a1,a2", a -> a.slt(A0, A1, A2)));
    t.add(new Case("sltu a0,a1,a2", a -> a.sltu(A0, A1, A2)));
    t.add(new Case("xor a0,a1,a2", a -> a.xor(A0, A1, A2)));
    t.add(new Case("srl a0,a1,a2", a -> a.srl(A0, A1, A2)));
    t.add(new Case("sra a0,a1,a2", a -> a.sra(A0, A1, A2)));
    t.add(new Case("or a0,a1,a2", a -> a.or(A0, A1, A2)));
    t.add(new Case("and a0,a1,a2", a -> a.and(A0, A1, A2)));
    t.add(new Case("addw a0,a1,a2", a -> a.addw(A0, A1, A2)));
    t.add(new Case("subw a0,a1,a2", a -> a.subw(A0, A1, A2)));
    t.add(new Case("mul a0,a1,a2", a -> a.mul(A0, A1, A2)));
    t.add(new Case("csrrw zero,mstatus,t0", a -> a.csrw(Csr.MSTATUS, T0)));
    t.add(new Case("csrrs t0,mhartid,zero", a -> a.csrr(T0, Csr.MHARTID)));
    t.add(new Case("csrrs t0,stimecmp,zero", a -> a.csrr(T0, Csr.STIMECMP)));
    t.add(new Case("csrrs zero,mstatus,t1", a -> a.csrs(Csr.MSTATUS, T1)));
    t.add(new Case("csrrc zero,mstatus,t1", a -> a.csrc(Csr.MSTATUS, T1)));
    t.add(new Case("csrrw a0,fcsr,a1", a -> a.csrrw(A0, Csr.FCSR, A1)));
    t.add(new Case("csrrwi zero,vxrm,2", a -> a.csrrwi(ZERO, Csr.VXRM, 2)));
    t.add(new Case("csrrsi zero,mstatus,8", a -> a.csrrsi(ZERO, Csr.MSTATUS, 8)));
    t.add(new Case("csrrci zero,mstatus,8", a -> a.csrrci(ZERO, Csr.MSTATUS, 8)));
    t.add(new Case("csrrw zero,satp,t0", a -> a.csrw(Csr.SATP, T0)));
    t.add(new Case("csrrw zero,hgatp,t0", a -> a.csrw(Csr.HGATP, T0)));
    t.add(new Case("csrrw zero,vtype,t0", a -> a.csrw(Csr.VTYPE, T0)));
    t.add(new Case("fld ft3,16(s1)", a -> a.fld(3, S1, 16)));
    t.add(new Case("fld ft11,-8(t0)", a -> a.fld(31, T0, -8)));
    t.add(new Case("flw fa0,4(a0)", a -> a.flw(10, A0, 4)));
    t.add(new Case("vsetvl zero,t1,t2", a -> a.vsetvl(ZERO, T1, T2)));
    t.add(new Case("vsetvli t0,a0,e32,m1,ta,ma", a -> a.vsetvli(T0, A0, 0xD0)));
    t.add(new Case("vle64.v v2,(a1)", a -> a.vle64(2, A1)));
    t.add(new Case("vl1re8.v v1,(a0)", a -> a.vlre8(1, 1, A0)));
    t.add(new Case("vl8re8.v v24,(t0)", a -> a.vlre8(8, 24, T0)));
    t.add(new Case("vl4re8.v v4,(t0)", a -> a.vlre8(4, 4, T0)));
    t.add(new Case("amoadd.w.aqrl t0,t1,(a0)", a -> a.amoaddW(T0, T1, A0, true, true)));
    t.add(new Case("amoadd.d t0,t1,(a0)", a -> a.amoaddD(T0, T1, A0, false, false)));
    t.add(new Case("lr.d.aq t0,(a0)", a -> a.lrD(T0, A0, true, false)));
    t.add(new Case("lr.w t0,(a0)", a -> a.lrW(T0, A0, false, false)));
    t.add(new Case("sc.d.rl t1,t2,(a0)", a -> a.scD(T1, T2, A0, false, true)));
    t.add(new Case("sc.w t1,t2,(a0)", a -> a.scW(T1, T2, A0, false, false)));
    t.add(new Case("mret", Rv64Assembler::mret));
    t.add(new Case("sret", Rv64Assembler::sret));
    t.add(new Case("wfi", Rv64Assembler::wfi));
    t.add(new Case("ecall", Rv64Assembler::ecall));
    t.add(new Case("fence iorw,iorw", Rv64Assembler::fence));
    t.add(new Case("fence rw,rw", a -> a.fence(3, 3)));
    t.add(new Case("fence.i", Rv64Assembler::fenceI));
    t.add(new Case("sfence.vma zero,zero", a -> a.sfenceVma(ZERO, ZERO)));
    t.add(new Case(".4byte 0x6b", Rv64Assembler::trap));
    return t;
  }

  @Test
  void encodingsDecodeToTheExpectedInstructions(@TempDir Path dir) throws Exception {
    assumeTools();
    List<Case> table = table();
    Rv64Assembler a = new Rv64Assembler();
    for (Case c : table) {
      c.emit.accept(a);
    }
    List<String> got = disassemble(dir, a.toByteArray());
    List<String> want = table.stream().map(Case::expected).toList();
    assertEquals(want, got);
  }

  @Test
  void branchesJumpsAndPcRelativeAddressesResolve(@TempDir Path dir) throws Exception {
    assumeTools();
    Rv64Assembler a = new Rv64Assembler();
    Label fwd = a.newLabel("fwd");
    Label back = a.newLabel("back");
    Label far = a.newLabel("far");
    a.bind(back);                 // 0x0
    a.beq(T0, T1, fwd);           // 0x0
    a.bne(T0, T1, back);          // 0x4
    a.blt(A0, A1, fwd);           // 0x8
    a.bge(A0, A1, fwd);           // 0xc
    a.bltu(A0, A1, fwd);          // 0x10
    a.bgeu(A0, A1, back);         // 0x14
    a.j(far);                     // 0x18
    a.jal(RA, back);              // 0x1c
    a.la(T0, far);                // 0x20, 0x24
    a.bind(fwd);                  // 0x28
    a.li(T2, 0x38000000L);        // lui
    a.li(T2, 0x7FFFF801L);        // lui + addiw
    a.li(T2, -5);                 // addi
    a.li(T2, 0x12345678L);        // lui + addiw
    a.align(0x1000);
    a.bind(far);                  // 0x1000
    a.addi(ZERO, ZERO, 0);
    List<String> got = disassemble(dir, a.toByteArray()).subList(0, 16);
    assertEquals(List.of(
        "beq t0,t1,0x28",
        "bne t0,t1,0x0",
        "blt a0,a1,0x28",
        "bge a0,a1,0x28",
        "bltu a0,a1,0x28",
        "bgeu a0,a1,0x0",
        "jal zero,0x1000",
        "jal ra,0x0",
        "auipc t0,0x1",
        "addi t0,t0,-32",
        "lui t2,0x38000",
        "lui t2,0x80000",
        "addiw t2,t2,-2047",
        "addi t2,zero,-5",
        "lui t2,0x12345",
        "addiw t2,t2,1656"), got);
  }

  @Test
  void immediatesOutOfRangeAreRejectedNamingTheValue() {
    Rv64Assembler a = new Rv64Assembler();
    assertMessage("2048", () -> a.addi(T0, T0, 2048));
    assertMessage("-2049", () -> a.ld(T0, T0, -2049));
    assertMessage("4096", () -> a.sd(T0, T0, 4096));
    assertMessage("32", () -> a.addi(32, T0, 0));
    assertMessage("64", () -> a.slli(T0, T0, 64));
    assertMessage("0x1000", () -> a.csrr(T0, 0x1000));
    assertMessage("1048576", () -> a.lui(T0, 1 << 20));
    assertMessage("1048576", () -> a.jal(ZERO, 1 << 20));
    assertMessage("3", () -> a.jal(ZERO, 3));
    assertMessage("5000", () -> a.beq(T0, T0, 5000));
    assertMessage("32", () -> a.csrrwi(ZERO, Csr.VXRM, 32));
    assertMessage("0x800", () -> a.vsetvli(T0, T0, 0x800));
    assertMessage("v9", () -> a.vlre8(8, 9, T0));
    assertMessage("0x100000000", () -> a.li(T0, 0x1_0000_0000L));
    assertMessage("16", () -> a.fence(16, 0));
    Rv64Assembler b = new Rv64Assembler();
    Label far = b.newLabel("far");
    b.beq(T0, T0, far);
    b.align(8192);
    b.bind(far);
    assertMessage("8192", b::toByteArray);
    Rv64Assembler c = new Rv64Assembler();
    c.j(c.newLabel("nowhere"));
    IllegalStateException e = assertThrows(IllegalStateException.class, c::toByteArray);
    assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
  }

  @Test
  void trapInstructionIsTheNemuWord() {
    Rv64Assembler a = new Rv64Assembler();
    a.trap();
    byte[] b = a.toByteArray();
    assertEquals(0x6B, b[0]);
    assertEquals(0, b[1] | b[2] | b[3]);
  }

  private static void assertMessage(String needle, org.junit.jupiter.api.function.Executable ex) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
    assertTrue(e.getMessage().contains(needle), () -> "'" + e.getMessage() + "' should name " + needle);
  }

  static void assumeTools() {
    Assumptions.assumeTrue(onPath(AS) && onPath(OBJDUMP),
        "binutils-riscv64-unknown-elf (riscv64-unknown-elf-as/objdump) is not installed: skipping decode test");
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Disassembles {@code code} (32-bit words) and returns "mnemonic operands" per instruction. */
  static List<String> disassemble(Path dir, byte[] code) throws IOException, InterruptedException {
    StringBuilder src = new StringBuilder(".option norvc\n.text\n");
    for (int i = 0; i + 4 <= code.length; i += 4) {
      int w = (code[i] & 0xFF) | (code[i + 1] & 0xFF) << 8 | (code[i + 2] & 0xFF) << 16 | (code[i + 3] & 0xFF) << 24;
      // words whose low bits do not mark a 32-bit instruction are data (size word, descriptor)
      src.append(((w & 3) != 3 || (w & 0x1C) == 0x1C) ? String.format(".4byte 0x%08x%n", w) : String.format(".insn 4, 0x%08x%n", w));
    }
    Path s = dir.resolve("words.S");
    Path o = dir.resolve("words.o");
    Files.writeString(s, src);
    run(dir, AS, "-march=rv64gcv_zifencei", "-o", o.toString(), s.toString());
    String dump = run(dir, OBJDUMP, "-d", "-M", "no-aliases", o.toString());
    List<String> lines = new ArrayList<>();
    for (String line : dump.split("\n")) {
      // "   c:\tff840413          \taddi\ts0,s0,-8 # 0x0"
      String[] cols = line.split("\t");
      if (cols.length < 3 || !cols[0].trim().matches("[0-9a-f]+:")) {
        continue;
      }
      String insn = String.join(" ", java.util.Arrays.copyOfRange(cols, 2, cols.length));
      int hash = insn.indexOf(" #");
      if (hash >= 0) {
        insn = insn.substring(0, hash);
      }
      // ELF objects print branch targets as "28 <.text+0x28>": keep the hex address only
      insn = insn.replaceAll("([0-9a-f]+) <[^>]*>", "0x$1");
      lines.add(insn.trim().replaceAll("\\s+", " "));
    }
    return lines;
  }

  private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(cmd[0] + " did not finish in 60 s");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + text);
    }
    return text;
  }
}
