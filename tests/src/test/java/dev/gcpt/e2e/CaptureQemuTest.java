package dev.gcpt.e2e;

import static dev.gcpt.core.restorer.Rv64Assembler.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.cli.emu.Qemu;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.qemu.Endpoint;
import dev.gcpt.core.qemu.GdbRemote;
import dev.gcpt.core.qemu.QemuProcess;
import dev.gcpt.core.qemu.Qmp;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.Rv64Assembler;
import dev.gcpt.core.state.Csr;
import dev.gcpt.core.state.HartState;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Round trips through stock QEMU with software nobody here wrote: Debian's OpenSBI (M-mode
 * firmware, resident at 0x8000_0000) and U-Boot for qemu-riscv64_smode (S-mode). U-Boot runs a
 * command, a second one (a crc32 over 32 MiB) is typed but not entered when {@code gcpt capture}
 * takes the checkpoint; {@code gcpt normalize --platform qemu-virt-opensbi} makes a bundle; a fresh
 * QEMU restores it (harts start at the restorer in the window at DRAM + 16 MiB), gets the Enter,
 * and must run the typed crc32 and answer further commands exactly as the uninterrupted machine
 * did.
 *
 * <p>A bare-metal program proves the capture register by register: it sets known x, f, v, fcsr
 * and CSR values in S-mode and counts in a loop; the capture stops it at the loop's 100th
 * iteration (hardware breakpoint), and the restored machine must hold those values there.
 */
@Tag("e2e")
class CaptureQemuTest {
  static final Path OPENSBI = Path.of("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin");
  static final Path UBOOT = Path.of("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin");
  static final String RAM = "256M";
  static final long RAM_BYTES = 256L << 20;
  /**
   * QEMU virt writes its device tree into the last 2 MiB below the end of RAM (for RAM under
   * 1 GiB): restoring with 2 MiB more RAM than was captured keeps that write out of the image.
   */
  static final long FDT_HEADROOM = 2L << 20;
  static final Duration BOOT = Duration.ofSeconds(30);
  static final Duration COMMAND = Duration.ofSeconds(30);
  static final Duration CONNECT = Duration.ofSeconds(10);
  static final PlatformProfile OPENSBI_PROFILE = PlatformProfile.named("qemu-virt-opensbi");

  /** Typed before the checkpoint, entered after it. */
  static final String INTERRUPTED = "crc32 0x84000000 0x2000000";

  /** What U-Boot is asked after the restore point, on the original and on the restored machine. */
  static final List<String> FOLLOW_UP = List.of(
      "crc32 0x84000000 0x100000",
      "md.q 0x84000000 4",
      "setenv gcpt restored; printenv gcpt",
      "printenv",
      "echo gcpt round trip",
      "sbi",
      "cpu list",
      "sleep 1");

  @TempDir Path dir;

  @BeforeAll
  static void toolsInstalled() {
    Assumptions.assumeTrue(Qemu.installed(),
        Qemu.BINARY + " is not installed (Debian package qemu-system-misc): skipping the capture proofs");
  }

  static void assumeFirmware() {
    Assumptions.assumeTrue(Files.isReadable(OPENSBI),
        OPENSBI + " is missing (Debian package opensbi): skipping the OpenSBI/U-Boot round trip");
    Assumptions.assumeTrue(Files.isReadable(UBOOT),
        UBOOT + " is missing (Debian package u-boot-qemu): skipping the OpenSBI/U-Boot round trip");
  }

  /** Prints how long each phase took (the figures in docs/capture.md come from here). */
  static final class Phases {
    private final String name;
    private long last = System.nanoTime();

    Phases(String name) {
      this.name = name;
    }

    void done(String phase) {
      long now = System.nanoTime();
      System.out.printf("%s: %-28s %6d ms%n", name, phase, (now - last) / 1_000_000);
      last = now;
    }
  }

  // ------------------------------------------------------------------ OpenSBI + U-Boot

  @ParameterizedTest(name = "{0} hart(s)")
  @ValueSource(ints = {1, 2})
  void ubootAnswersAfterRestoreExactlyAsTheUninterruptedMachine(int harts) throws Exception {
    assumeFirmware();
    Path serial = dir.resolve("ser.sock");
    Path qmpSocket = dir.resolve("qmp.sock");
    Path gdbSocket = dir.resolve("gdb.sock");
    Path checkpoint = dir.resolve("cpt/uboot.zstd");
    Phases phases = new Phases("u-boot " + harts + " hart(s)");
    String remainder;
    List<String> reference = new ArrayList<>();
    try (QemuProcess qemu = QemuProcess.start(List.of(QemuProcess.BINARY, "-machine", "virt", "-m", RAM,
            "-smp", Integer.toString(harts), "-display", "none", "-monitor", "none",
            "-bios", OPENSBI.toString(), "-kernel", UBOOT.toString(),
            "-serial", "unix:" + serial + ",server=on,wait=on", "-qmp", "unix:" + qmpSocket + ",server=on,wait=off",
            "-chardev", "socket,id=gdb0,path=" + gdbSocket + ",server=on,wait=off", "-gdb", "chardev:gdb0"),
            dir.resolve("original.log"));
        SerialConsole console = SerialConsole.connect(serial, CONNECT)) {
      console.waitFor("Hit any key to stop autoboot", BOOT);
      console.send("\n");
      console.waitFor("=> ", BOOT);
      phases.done("boot to the prompt");
      console.command("random 0x84000000 0x1000000 7", COMMAND);
      // a command typed but not entered: U-Boot waits in its line editor with the line in its
      // buffer (guest RAM) when the checkpoint is taken; Enter comes after the restore
      console.send(INTERRUPTED);
      console.waitFor(INTERRUPTED, COMMAND);

      List<String> capture = new ArrayList<>(List.of("capture", "--qmp", "unix:" + qmpSocket,
          "--gdb", "unix:" + gdbSocket, "--platform", "qemu-virt-opensbi", "--no-resume", "-o", checkpoint.toString()));
      // with 2 harts OpenSBI leaves an IPI pending for the hart parked in its HSM wait loop: the
      // checkpoint carries it (mip.MSIP) and the restorer writes it back to the CLINT
      Cli captured = Cli.run(capture.toArray(String[]::new));
      phases.done("capture");
      assertEquals(0, captured.exitCode(), captured.out() + captured.err());
      assertTrue(captured.out().contains((harts == 1 ? "V1" : "V2") + ", " + harts + " hart(s), window at DRAM offset"
          + " 0x1000000"), captured.out());
      try (Qmp qmp = Qmp.connect(Endpoint.unix(qmpSocket), CONNECT)) {
        String status = qmp.status();
        assertTrue(status.equals("paused") || status.equals("debug"), "--no-resume leaves the machine stopped: " + status);
        qmp.cont();
      }
      remainder = console.command("", COMMAND);
      for (String c : FOLLOW_UP) {
        reference.add(console.command(c, COMMAND));
      }
      phases.done("original: rest of the run");
    }
    assertTrue(remainder.matches("\r\ncrc32 for 84000000 \\.\\.\\. 85ffffff ==> [0-9a-f]{8}\r\n=> "), remainder);

    List<HartState> saved = readHarts(checkpoint, OPENSBI_PROFILE.windowBase());
    assertEquals(harts, saved.size());
    List<HartState> uboot = saved.stream().filter(h -> h.mode() == 1).toList();
    assertEquals(1, uboot.size(), "one hart runs U-Boot in S-mode: " + saved);
    assertTrue(uboot.get(0).hasFloat(), "OpenSBI hands U-Boot FS = Dirty: fcsr is captured");
    assertEquals(harts - 1, saved.stream().filter(h -> h.mode() == 3).count(), "the other harts wait in OpenSBI (M-mode)");
    if (harts > 1) {
      // (which hart OpenSBI parks is its boot lottery's choice)
      assertTrue(saved.stream().anyMatch(h -> h.mode() == 3 && (h.csr(Csr.MIP) & 1L << 3) != 0),
          "the parked hart's pending IPI is saved as mip.MSIP: " + saved);
    }

    Cli normalized = Cli.run("normalize", checkpoint.toString(), "--platform", "qemu-virt-opensbi", "-o",
        dir.resolve("bundles").toString());
    assertEquals(0, normalized.exitCode(), normalized.out() + normalized.err());
    phases.done("normalize");
    Path raw = rawImage(dir.resolve("bundles/uboot/0/uboot.zstd"), RAM_BYTES + FDT_HEADROOM);
    phases.done("decompress the bundle image");

    List<String> restored = new ArrayList<>();
    String restoredRemainder;
    Path serial2 = dir.resolve("ser2.sock");
    List<String> cmd = new ArrayList<>(List.of(QemuProcess.BINARY, "-machine", "virt,memory-backend=ram0",
        "-object", "memory-backend-file,id=ram0,size=" + (RAM_BYTES + FDT_HEADROOM) + ",mem-path=" + raw + ",share=off",
        "-m", Long.toString((RAM_BYTES + FDT_HEADROOM) >> 20) + "M", "-smp", Integer.toString(harts), "-bios", "none",
        "-display", "none", "-monitor", "none", "-serial", "unix:" + serial2 + ",server=on,wait=on"));
    for (int h = 0; h < harts; h++) {
      cmd.addAll(List.of("-device", "loader,addr=0x" + Long.toHexString(OPENSBI_PROFILE.windowAddress()) + ",cpu-num=" + h));
    }
    try (QemuProcess qemu = QemuProcess.start(cmd, dir.resolve("restored.log"));
        SerialConsole console = SerialConsole.connect(serial2, CONNECT)) {
      restoredRemainder = console.command("", COMMAND);
      phases.done("restored: enter the typed crc32");
      for (String c : FOLLOW_UP) {
        restored.add(console.command(c, COMMAND));
      }
      phases.done("restored: follow-up commands");
    }
    assertEquals(remainder, restoredRemainder, "the restored U-Boot runs the line typed before the checkpoint, same CRC");
    for (int i = 0; i < FOLLOW_UP.size(); i++) {
      assertEquals(reference.get(i), restored.get(i), "'" + FOLLOW_UP.get(i) + "'");
    }
    assertTrue(reference.get(5).contains("OpenSBI 1.1"), "SBI calls reach the restored firmware: " + reference.get(5));
  }

  /** Decompresses a bundle image into a raw file of {@code length} bytes (zero-extended). */
  static Path rawImage(Path image, long length) throws IOException {
    Path raw = image.resolveSibling("image.raw");
    try (InputStream in = Files.newInputStream(image); DecodedStream d = DecodedStream.open(in, image.toString(), 1L << 34)) {
      Files.copy(d, raw);
    }
    try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
      assertTrue(f.length() <= length);
      f.setLength(length);
    }
    return raw;
  }

  static List<HartState> readHarts(Path checkpoint, long windowBase) throws IOException {
    try (InputStream in = Files.newInputStream(checkpoint);
        OpenCheckpoint cp = CheckpointReader.open(in, checkpoint.toString(),
            CheckpointReader.Options.DEFAULT.withWindowBase(windowBase))) {
      assertEquals(cp.harts().size() == 1 ? Variant.V1 : Variant.V2, cp.variant());
      return cp.harts();
    }
  }

  // ------------------------------------------------------------------ bare metal, register by register

  static final long PROGRAM = Offsets.DRAM_BASE + Offsets.PAYLOAD_DEFAULT;
  static final int HIT = 100;
  static final int FCSR = 0x5A; // frm 2 (RDN), fflags 0x1A
  static final long SSCRATCH = 0x5C5C_1234L;
  static final long MSCRATCH = 0x3C3C_5678L;
  static final int VL = 3;
  static final long VTYPE_E32_M1 = 0x10;
  /** VSSIP, VSTIP, VSEIP, SGEIP: QEMU sets them in mideleg on any write when H is present. */
  static final long MIDELEG_FORCED_BY_H = 0x1444;

  static long xValue(int i) {
    return 0x0101_0101_0101_0101L * i ^ 0xF00D_0000L;
  }

  static long fValue(int i) {
    return Double.doubleToRawLongBits(i + 0.25);
  }

  static byte vByte(int reg, int b) {
    return (byte) (reg * 16 + b);
  }

  /** The program, and the offset of its counting loop. */
  record Program(byte[] bytes, long loop) {}

  static Program program() {
    Rv64Assembler a = new Rv64Assembler();
    Label smode = a.newLabel("smode");
    Label loop = a.newLabel("loop");
    Label mtrap = a.newLabel("mtrap");
    Label strap = a.newLabel("strap");
    Label fdata = a.newLabel("fdata");
    Label vdata = a.newLabel("vdata");
    Label xdata = a.newLabel("xdata");
    // M-mode: let S-mode reach everything, enable F and V, return to S-mode
    a.li(T0, -1L);
    a.csrw(Csr.PMPADDR0, T0);
    a.li(T0, 0x1F);
    a.csrw(Csr.PMPCFG0, T0);
    a.li(T0, 3L << Csr.MSTATUS_FS_SHIFT | 3L << Csr.MSTATUS_VS_SHIFT);
    a.csrs(Csr.MSTATUS, T0);
    a.li(T0, 3L << Csr.MSTATUS_MPP_SHIFT);
    a.csrc(Csr.MSTATUS, T0);
    a.li(T0, 1L << Csr.MSTATUS_MPP_SHIFT);
    a.csrs(Csr.MSTATUS, T0);
    a.li(T0, MSCRATCH);
    a.csrw(Csr.MSCRATCH, T0);
    a.la(T0, mtrap);
    a.csrw(Csr.MTVEC, T0);
    a.la(T0, smode);
    a.csrw(Csr.MEPC, T0);
    a.mret();
    // S-mode: known values everywhere, then count
    a.bind(smode);
    a.la(T0, strap);
    a.csrw(Csr.STVEC, T0);
    a.li(T0, SSCRATCH);
    a.csrw(Csr.SSCRATCH, T0);
    a.la(T6, fdata);
    for (int i = 0; i < 32; i++) {
      a.fld(i, T6, 8 * i);
    }
    a.la(T6, vdata);
    for (int v = 0; v < 32; v += 8) {
      a.vlre8(8, v, T6);
      a.addi(T6, T6, 8 * 16);
    }
    a.li(T0, VL);
    a.li(T1, VTYPE_E32_M1);
    a.vsetvl(ZERO, T0, T1);
    a.li(T0, FCSR);
    a.csrw(Csr.FCSR, T0);
    a.la(T6, xdata);
    for (int x = 1; x < 32; x++) {
      if (x != T6) {
        a.ld(x, T6, 8 * x);
      }
    }
    a.ld(T6, T6, 8 * T6);
    a.li(A0, 0);
    a.bind(loop);
    a.addi(A0, A0, 1);
    a.j(loop);
    a.bind(mtrap);
    a.j(mtrap);
    a.bind(strap);
    a.j(strap);
    a.align(8);
    a.bind(fdata);
    for (int i = 0; i < 32; i++) {
      a.word64(fValue(i));
    }
    a.bind(xdata);
    for (int x = 0; x < 32; x++) {
      a.word64(xValue(x));
    }
    a.bind(vdata);
    byte[] v = new byte[32 * 16];
    for (int r = 0; r < 32; r++) {
      for (int b = 0; b < 16; b++) {
        v[r * 16 + b] = vByte(r, b);
      }
    }
    a.bytes(v);
    return new Program(a.toByteArray(), loop.offset());
  }

  @Test
  void bareMetalStateIsCapturedAndRestoredRegisterByRegister() throws Exception {
    Program p = program();
    Path prog = dir.resolve("prog.bin");
    Files.write(prog, p.bytes());
    long loopPc = PROGRAM + p.loop();
    Path checkpoint = dir.resolve("cpt/bare.zstd");
    Phases phases = new Phases("bare metal");
    List<String> launch = List.of("capture", "--launch", "--bios", "none", "--memory", "64M", "--cpu", Qemu.CPU,
        "--qemu-arg=-device", "--qemu-arg=loader,file=" + prog + ",addr=0x" + Long.toHexString(PROGRAM) + ",force-raw=on",
        "--qemu-arg=-device", "--qemu-arg=loader,addr=0x" + Long.toHexString(PROGRAM) + ",cpu-num=0",
        "--at-pc", "0x" + Long.toHexString(loopPc), "--hit", Integer.toString(HIT), "-o", checkpoint.toString());

    // a window over the program is refused: guest RAM there is in use
    List<String> overProgram = new ArrayList<>(launch);
    overProgram.set(overProgram.indexOf("--hit") + 1, "1");
    overProgram.addAll(List.of("--window-base", "0x100000"));
    Cli refused = Cli.run(overProgram.toArray(String[]::new));
    assertEquals(1, refused.exitCode(), refused.out() + refused.err());
    assertTrue(refused.err().contains("is in use: byte at DRAM offset 0x100000 (physical 0x80100000) is not zero"),
        refused.err());

    phases.done("refused capture");
    Cli captured = Cli.run(launch.toArray(String[]::new));
    phases.done("launch and capture");
    assertEquals(0, captured.exitCode(), captured.out() + captured.err());
    HartState s = readHarts(checkpoint, 0).get(0);
    assertEquals(loopPc, s.pc());
    assertEquals(1, s.mode());
    assertEquals(HIT - 1, s.x(A0), "stopped at the 100th arrival at the loop");
    for (int x = 1; x < 32; x++) {
      if (x != A0) {
        assertEquals(xValue(x), s.x(x), "captured x" + x);
      }
    }
    for (int f = 0; f < 32; f++) {
      assertEquals(fValue(f), s.f(f), "captured f" + f);
    }
    assertEquals(FCSR, s.csr(Csr.FCSR), "fcsr, read through the CSR feature although QEMU does not list it");
    assertEquals(VL, s.csr(Csr.VL));
    assertEquals(VTYPE_E32_M1, s.csr(Csr.VTYPE));
    assertEquals(SSCRATCH, s.csr(Csr.SSCRATCH));
    assertEquals(MSCRATCH, s.csr(Csr.MSCRATCH));
    assertEquals(loopPc, s.csr(Csr.MEPC), "prepared for mret: mepc = pc");
    assertEquals(1, Csr.mstatusMpp(s.csr(Csr.MSTATUS)), "prepared for mret: MPP = S");
    for (int r = 0; r < 32; r++) {
      for (int b = 0; b < 16; b++) {
        assertEquals(vByte(r, b), s.vregs()[r * 16 + b], "captured v" + r + " byte " + b);
      }
    }

    Cli normalized = Cli.run("normalize", checkpoint.toString(), "--platform", "qemu-virt", "-o",
        dir.resolve("bundles").toString());
    assertEquals(0, normalized.exitCode(), normalized.out() + normalized.err());
    long ram = 64L << 20;
    phases.done("normalize");
    Path raw = rawImage(dir.resolve("bundles/bare/0/bare.zstd"), ram + FDT_HEADROOM);
    Path gdbSocket = dir.resolve("restore-gdb.sock");
    try (QemuProcess qemu = QemuProcess.start(List.of(QemuProcess.BINARY, "-machine", "virt,memory-backend=ram0",
            "-object", "memory-backend-file,id=ram0,size=" + (ram + FDT_HEADROOM) + ",mem-path=" + raw + ",share=off",
            "-m", ((ram + FDT_HEADROOM) >> 20) + "M", "-cpu", Qemu.CPU, "-bios", "none", "-display", "none",
            "-monitor", "none", "-serial", "none",
            "-chardev", "socket,id=gdb0,path=" + gdbSocket + ",server=on,wait=off", "-gdb", "chardev:gdb0", "-S"),
            dir.resolve("bare-restored.log"));
        GdbRemote gdb = GdbRemote.connect(gdbSocket, CONNECT)) {
      gdb.insertHwBreakpoint(loopPc);
      GdbRemote.Stop stop = gdb.continueUntilStop(COMMAND);
      gdb.selectHart(stop.hart());
      assertEquals(loopPc, gdb.reg("pc"), "the restored hart resumes at the captured pc");
      assertEquals(1, gdb.reg("priv"));
      for (int x = 1; x < 32; x++) {
        assertEquals(s.x(x), gdb.readU64(gdb.regnum("zero") + x), "restored x" + x);
      }
      for (int f = 0; f < 32; f++) {
        assertEquals(s.f(f), gdb.readU64(gdb.regnum("ft0") + f), "restored f" + f);
      }
      for (int c : new int[] {Csr.FCSR, Csr.VL, Csr.VTYPE, Csr.SSCRATCH, Csr.MSCRATCH, Csr.STVEC, Csr.MTVEC,
          Csr.PMPADDR0, Csr.PMPCFG0, Csr.SATP, Csr.MEDELEG}) {
        assertEquals(s.csr(c), gdb.csr(c), String.format("restored CSR 0x%x", c));
      }
      assertEquals(s.csr(Csr.MIDELEG) | MIDELEG_FORCED_BY_H, gdb.csr(Csr.MIDELEG),
          "mideleg: QEMU forces the VS interrupts delegated on every write when H is present");
      byte[] v = new byte[32 * 16];
      for (int r = 0; r < 32; r++) {
        System.arraycopy(gdb.readRegister(gdb.regnum("v0") + r), 0, v, r * 16, 16);
      }
      assertEquals(HexFormat.of().formatHex(s.vregs()), HexFormat.of().formatHex(v), "restored v0..v31");

      // and it keeps counting
      gdb.removeHwBreakpoint(loopPc);
      gdb.step(stop.hart());
      gdb.insertHwBreakpoint(loopPc);
      stop = gdb.continueUntilStop(COMMAND);
      gdb.selectHart(stop.hart());
      assertEquals(HIT, gdb.reg("a0"), "one more iteration after the restore");
    }
    phases.done("restore and compare");
  }
}
