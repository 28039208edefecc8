package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gcpt.cli.emu.Qemu;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.qemu.GdbRemote;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.Restorer;
import dev.gcpt.core.restorer.RestorerGenerator;
import dev.gcpt.core.restorer.RestorerSpec;
import dev.gcpt.core.restorer.TrapCode;
import dev.gcpt.core.state.Csr;
import dev.gcpt.core.state.HartState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves generated restorers in a real emulator: QEMU virt boots an image holding the restorer,
 * the descriptor and saved hart states; the gdbstub stops each hart at its resume pc and every
 * restored register is compared with the saved value.
 *
 * <p>fcsr is not readable through QEMU 7.2's gdbstub register list, so each hart's resume pc
 * holds a probe, {@code csrr t0, fcsr}: t0 is read one instruction later (after everything else
 * was read at the resume pc). Trap codes are observed through QEMU's exit status: the qemu-virt
 * profile makes the restorer's trap routine write {@code (code << 16) | 0x3333} to the SiFive
 * test device.
 */
@Tag("e2e")
class RestorerQemuTest {

  private static final PlatformProfile QEMU = PlatformProfile.named("qemu-virt");
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(20);
  private static final long MTIME_SAVED = 0x1234_5678_9ABCL;
  /** QEMU virt's timebase is 10 MHz: a minute of wall time. */
  private static final long MTIME_SLACK = 600_000_000L;
  private static final int U = 0;
  private static final int S = 1;
  private static final int M = 3;

  @TempDir Path dir;

  @BeforeAll
  static void qemuInstalled() {
    Assumptions.assumeTrue(Qemu.installed(),
        Qemu.BINARY + " is not installed (Debian package qemu-system-misc): skipping the QEMU proof");
  }

  record Case(String name, Variant variant, int[] modes, boolean f, boolean v, boolean h, boolean ssip) {
    RestorerSpec spec() {
      return RestorerSpec.forVariant(variant, modes.length, QEMU).withFloat(f).withVector(v).withHypervisor(h);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        new Case("V1 1 hart S-mode F+V, SSIP pending", Variant.V1, new int[] {S}, true, true, false, true),
        new Case("V1 1 hart U-mode scalar only", Variant.V1, new int[] {U}, false, false, false, false),
        new Case("V1 1 hart M-mode F+V", Variant.V1, new int[] {M}, true, true, false, false),
        new Case("V2 2 harts S+U F+V", Variant.V2, new int[] {S, U}, true, true, false, false),
        new Case("V2 4 harts S+U+M+S F+V+H", Variant.V2, new int[] {S, U, M, S}, true, true, true, false),
        new Case("V3 1 hart S-mode F+V", Variant.V3, new int[] {S}, true, true, false, false),
        new Case("V0 1 hart U-mode F", Variant.V0, new int[] {U}, true, false, false, false))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyRestoredRegisterEqualsTheSavedValue(Case c) throws Exception {
    RestorerSpec spec = c.spec();
    Restorer restorer = RestorerGenerator.generate(spec);
    Random rnd = new Random(c.name.hashCode());
    List<HartState> states = new ArrayList<>();
    for (int h = 0; h < c.modes.length; h++) {
      states.add(HartStates.random(rnd, spec, h, c.modes[h], MTIME_SAVED, c.ssip));
    }
    Path image = write("img.bin", HartStates.image(spec, restorer, states, HartStates.probePayload(spec)));
    Path sock = dir.resolve("gdb.sock");
    try (Qemu qemu = Qemu.start(image, c.modes.length, sock, dir);
         GdbRemote gdb = GdbRemote.connect(sock, Duration.ofSeconds(10))) {
      Map<Integer, Map<String, Long>> seen = runToProbes(gdb, spec, states);
      for (HartState s : states) {
        Map<String, Long> got = seen.get(s.hart());
        assertEquals(s.pc(), got.get("pc"), "hart " + s.hart() + " pc");
        assertEquals(s.mode(), got.get("priv"), "hart " + s.hart() + " privilege");
        for (int x = 1; x < 32; x++) {
          assertEquals(s.x(x), got.get("x" + x), "hart " + s.hart() + " x" + x);
        }
        if (spec.restoreFloat()) {
          for (int f = 0; f < 32; f++) {
            assertEquals(s.f(f), got.get("f" + f), "hart " + s.hart() + " f" + f);
          }
          assertEquals(s.csr(Csr.FCSR), got.get("fcsr"), "hart " + s.hart() + " fcsr (probe)");
        }
        for (int csr : RestorerGenerator.restoredCsrs(spec)) {
          long want = csr == Csr.MSTATUS ? HartStates.mstatusAfterMret(s.csr(csr)) : s.csr(csr);
          assertEquals(want, got.get("csr" + csr), () -> String.format("hart %d CSR 0x%x: want 0x%x got 0x%x",
              s.hart(), csr, want, got.get("csr" + csr)));
        }
        if (spec.restoreVector()) {
          byte[] vregs = s.vregs();
          int vlenb = spec.vlen() / 8;
          for (int v = 0; v < 32; v++) {
            byte[] want = Arrays.copyOfRange(vregs, v * vlenb, (v + 1) * vlenb);
            assertEquals(java.util.HexFormat.of().formatHex(want), java.util.HexFormat.of().formatHex(vreg(got, v)),
                "hart " + s.hart() + " v" + v);
          }
        }
        assertEquals(s.mtimecmp(), got.get("clint.mtimecmp"), "hart " + s.hart() + " CLINT mtimecmp");
      }
      long mtime = seen.get(0).get("clint.mtime");
      assertTrue(mtime >= MTIME_SAVED && mtime < MTIME_SAVED + MTIME_SLACK,
          String.format("CLINT mtime 0x%x should have restarted from 0x%x", mtime, MTIME_SAVED));
    }
  }

  private final Map<String, byte[]> vectorReads = new HashMap<>();

  private byte[] vreg(Map<String, Long> got, int v) {
    return vectorReads.get(got.get("hart") + ":v" + v);
  }

  /**
   * Continues until every hart stopped at its probe (everything read there) and, with F, one
   * instruction later (t0 = fcsr). A stop at the mtvec/stvec catchers fails with the cause.
   */
  private Map<Integer, Map<String, Long>> runToProbes(GdbRemote gdb, RestorerSpec spec, List<HartState> states)
      throws IOException {
    long payload = Offsets.DRAM_BASE + spec.payloadPosition();
    long mtvecCatcher = payload + HartStates.MTVEC_CATCHER;
    long stvecCatcher = payload + HartStates.STVEC_CATCHER;
    Set<Long> pending = new HashSet<>();
    for (HartState s : states) {
      pending.add(s.pc());
      if (spec.restoreFloat()) {
        pending.add(s.pc() + 4);
      }
    }
    for (long bp : pending) {
      gdb.insertHwBreakpoint(bp);
    }
    gdb.insertHwBreakpoint(mtvecCatcher);
    gdb.insertHwBreakpoint(stvecCatcher);
    Map<Integer, Map<String, Long>> seen = new HashMap<>();
    List<String> trace = new ArrayList<>();
    Set<Long> handled = new HashSet<>();
    Instant deadline = Instant.now().plus(RUN_TIMEOUT);
    while (!pending.isEmpty()) {
      Duration left = Duration.between(Instant.now(), deadline);
      GdbRemote.Stop stop;
      try {
        stop = gdb.continueUntilStop(left.isNegative() ? Duration.ZERO : left);
      } catch (IOException e) {
        fail("harts did not reach their resume pcs within " + RUN_TIMEOUT + " (" + e.getMessage()
            + "); still waiting for " + hex(pending));
        return seen;
      }
      gdb.selectHart(stop.hart());
      long pc = gdb.reg("pc");
      if (pc == mtvecCatcher || pc == stvecCatcher) {
        fail(String.format("hart %d trapped to %s: mcause 0x%x mepc 0x%x mtval 0x%x scause 0x%x sepc 0x%x",
            stop.hart(), pc == mtvecCatcher ? "mtvec" : "stvec", gdb.csr(Csr.MCAUSE), gdb.csr(Csr.MEPC),
            gdb.csr(Csr.MTVAL), gdb.csr(Csr.SCAUSE), gdb.csr(Csr.SEPC)));
      }
      if (!pending.contains(pc) && (handled.contains(pc) || stop.reply().startsWith("T02"))) {
        // QEMU may report a second stop for a hart whose breakpoint was just handled (two harts
        // hitting breakpoints together), or an interrupt-style stop (T02): nothing to read
        trace.add(String.format("hart %d at 0x%x again (%s)", stop.hart(), pc, stop.reply()));
        continue;
      }
      HartState s = states.get(stop.hart());
      if (pc == s.pc()) {
        seen.put(s.hart(), readHart(gdb, spec, s.hart()));
      } else if (pc == s.pc() + 4 && spec.restoreFloat()) {
        seen.get(s.hart()).put("fcsr", gdb.reg("t0"));
      } else {
        fail(String.format("hart %d stopped at unexpected pc 0x%x: %s", stop.hart(), pc, stop.reply()));
      }
      trace.add(String.format("hart %d at 0x%x (%s)", stop.hart(), pc, stop.reply()));
      try {
        gdb.removeHwBreakpoint(pc);
      } catch (IOException e) {
        throw new IOException(e.getMessage() + "; stops so far: " + trace, e);
      }
      pending.remove(pc);
      handled.add(pc);
    }
    return seen;
  }

  private Map<String, Long> readHart(GdbRemote gdb, RestorerSpec spec, int hart) throws IOException {
    Map<String, Long> got = new HashMap<>();
    got.put("hart", (long) hart);
    got.put("pc", gdb.reg("pc"));
    got.put("priv", gdb.reg("priv"));
    for (int x = 1; x < 32; x++) {
      got.put("x" + x, gdb.readU64(gdb.regnum("zero") + x));
    }
    for (int f = 0; f < 32; f++) {
      got.put("f" + f, gdb.readU64(gdb.regnum("ft0") + f));
    }
    for (int csr : RestorerGenerator.restoredCsrs(spec)) {
      got.put("csr" + csr, gdb.csr(csr));
    }
    if (spec.restoreVector()) {
      for (int v = 0; v < 32; v++) {
        vectorReads.put(hart + ":v" + v, gdb.readRegister(gdb.regnum("v0") + v));
      }
    }
    got.put("clint.mtimecmp", gdb.readMemoryU64(QEMU.mtimecmpAddress(hart)));
    got.put("clint.mtime", gdb.readMemoryU64(QEMU.mtimeAddress()));
    return got;
  }

  // ------------------------------------------------------------------ parking

  @Test
  void hartsBeyondTheCountAndTheDebugHartPark() throws Exception {
    // three harts run, the restorer is for two, and hart 1 is the debug park hart
    RestorerSpec spec = RestorerSpec.forVariant(Variant.V2, 2, QEMU).withParkHart(1);
    Restorer restorer = RestorerGenerator.generate(spec);
    Random rnd = new Random(7);
    List<HartState> states = List.of(
        HartStates.random(rnd, spec, 0, S, MTIME_SAVED, false),
        HartStates.random(rnd, spec, 1, S, MTIME_SAVED, false));
    Path image = write("park.bin", HartStates.image(spec, restorer, states, HartStates.probePayload(spec)));
    Path sock = dir.resolve("park.sock");
    try (Qemu qemu = Qemu.start(image, 3, sock, dir);
         GdbRemote gdb = GdbRemote.connect(sock, Duration.ofSeconds(10))) {
      Map<Integer, Map<String, Long>> seen = runToProbes(gdb, spec, states.subList(0, 1));
      assertEquals(states.get(0).x(10), seen.get(0).get("x10"), "hart 0 restored");
      assertEquals(S, seen.get(0).get("priv"));
      for (int parked : new int[] {1, 2}) {
        long wfi = Offsets.DRAM_BASE + wfiOffset(restorer.bytes());
        long pc = parkedPc(gdb, parked, wfi);
        assertTrue(pc == wfi || pc == wfi + 4,
            String.format("hart %d should be in the park loop at 0x%x, pc 0x%x", parked, wfi, pc));
        assertEquals(M, gdb.reg("priv"), "parked hart " + parked + " stays in M-mode");
      }
    }
  }

  /** Offset of the restorer's only wfi (its park loop: wfi; j back). */
  private static long wfiOffset(byte[] restorer) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(restorer).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    long found = -1;
    for (int i = 0; i + 4 <= restorer.length; i += 4) {
      if (b.getInt(i) == WFI) {
        assertEquals(-1, found, "one wfi in the restorer");
        found = i;
      }
    }
    assertTrue(found > 0, "the restorer has a park loop");
    return found;
  }

  private static final int WFI = 0x10500073;

  /**
   * The pc of {@code hart} once it is in the park loop ({@code wfi} at {@code wfi}, then a jump
   * back), letting the harts run a little at a time: under load a hart may still be on its way.
   */
  private static long parkedPc(GdbRemote gdb, int hart, long wfi) throws IOException {
    Instant deadline = Instant.now().plus(RUN_TIMEOUT);
    while (true) {
      gdb.selectHart(hart);
      long pc = gdb.reg("pc");
      if (pc == wfi || pc == wfi + 4 || Instant.now().isAfter(deadline)) {
        return pc;
      }
      gdb.resumeBriefly();
    }
  }

  // ------------------------------------------------------------------ a pending IPI

  /**
   * A hart saved with an IPI pending (mip.MSIP; the CLINT's msip) gets it back: mip.MSIP is
   * read-only, so the restorer writes the CLINT's msip, and once {@code mret} drops to S-mode the
   * machine software interrupt is taken at the saved pc. The other hart had none and resumes.
   */
  @Test
  void aPendingIpiIsRestoredAndTakenAtTheSavedPc() throws Exception {
    RestorerSpec spec = RestorerSpec.forVariant(Variant.V2, 2, QEMU);
    Restorer restorer = RestorerGenerator.generate(spec);
    Random rnd = new Random(11);
    HartState s0 = HartStates.random(rnd, spec, 0, S, MTIME_SAVED, false);
    HartState ipi = HartStates.withCsr(s0, Csr.MIP, s0.csr(Csr.MIP) | MIP_MSIP);
    HartState quiet = HartStates.random(rnd, spec, 1, S, MTIME_SAVED, false);
    Path image = write("ipi.bin", HartStates.image(spec, restorer, List.of(ipi, quiet), HartStates.probePayload(spec)));
    Path sock = dir.resolve("ipi.sock");
    long mtvecCatcher = Offsets.DRAM_BASE + spec.payloadPosition() + HartStates.MTVEC_CATCHER;
    try (Qemu qemu = Qemu.start(image, 2, sock, dir);
         GdbRemote gdb = GdbRemote.connect(sock, Duration.ofSeconds(10))) {
      gdb.insertHwBreakpoint(mtvecCatcher);
      gdb.insertHwBreakpoint(quiet.pc());
      Map<Integer, Long> mcause = new HashMap<>();
      Map<Integer, Long> mepc = new HashMap<>();
      Map<Integer, Long> at = new HashMap<>();
      Instant deadline = Instant.now().plus(RUN_TIMEOUT);
      while (at.size() < 2) {
        Duration left = Duration.between(Instant.now(), deadline);
        GdbRemote.Stop stop;
        try {
          stop = gdb.continueUntilStop(left.isNegative() ? Duration.ZERO : left);
        } catch (IOException e) {
          fail("harts did not stop at the mtvec catcher (hart 0) and the probe (hart 1) within " + RUN_TIMEOUT
              + ": " + e.getMessage() + "; stopped so far: " + at);
          return;
        }
        gdb.selectHart(stop.hart());
        long pc = gdb.reg("pc");
        if (at.containsKey(stop.hart()) || (pc != mtvecCatcher && pc != quiet.pc())) {
          continue; // a second report of a stop already handled, or an interrupt-style stop (T02)
        }
        at.put(stop.hart(), pc);
        mcause.put(stop.hart(), gdb.csr(Csr.MCAUSE));
        mepc.put(stop.hart(), gdb.csr(Csr.MEPC));
      }
      assertEquals(mtvecCatcher, at.get(0), "hart 0 takes the restored IPI");
      assertEquals(1L << 63 | 3, mcause.get(0), "machine software interrupt");
      assertEquals(ipi.pc(), mepc.get(0), "taken at the saved pc, before its first instruction");
      assertEquals(quiet.pc(), at.get(1), "hart 1 had no IPI and resumes");
      long msip = gdb.readMemoryU64(QEMU.msipAddress(0));
      assertEquals(1, msip & 0xFFFF_FFFFL, "CLINT msip of hart 0");
      assertEquals(0, msip >>> 32, "CLINT msip of hart 1");
    }
  }

  private static final long MIP_MSIP = 1L << 3;

  // ------------------------------------------------------------------ traps and boot

  @Test
  void truncatedRestorerTrapsIncomplete() throws Exception {
    RestorerSpec spec = RestorerSpec.forVariant(Variant.V1, 1, QEMU);
    Restorer r = RestorerGenerator.generate(spec);
    byte[] partial = Arrays.copyOf(Arrays.copyOf(r.bytes(), 0x100), r.size()); // a loader copied 0x100 bytes
    List<HartState> states = List.of(HartStates.random(new Random(1), spec, 0, S, MTIME_SAVED, false));
    assertEquals(TrapCode.INCOMPLETE.code(),
        exitStatus("truncated.bin", HartStates.image(spec, partial, states, HartStates.probePayload(spec)), 1));
  }

  @Test
  void restorerForAnotherDescriptorTrapsMismatch() throws Exception {
    RestorerSpec image = RestorerSpec.forVariant(Variant.V1, 1, QEMU);
    Restorer wrong = RestorerGenerator.generate(RestorerSpec.forVariant(Variant.V3, 1, QEMU));
    List<HartState> states = List.of(HartStates.random(new Random(2), image, 0, S, MTIME_SAVED, false));
    assertEquals(TrapCode.DESCRIPTOR_MISMATCH.code(),
        exitStatus("mismatch.bin", HartStates.image(image, wrong, states, HartStates.probePayload(image)), 1));
  }

  @Test
  void stateNotPreparedForMretTrapsModeMismatch() throws Exception {
    RestorerSpec spec = RestorerSpec.forVariant(Variant.V2, 2, QEMU);
    Restorer r = RestorerGenerator.generate(spec);
    Random rnd = new Random(3);
    HartState good = HartStates.random(rnd, spec, 0, S, MTIME_SAVED, false);
    HartState s = HartStates.random(rnd, spec, 1, S, MTIME_SAVED, false);
    // MPP = U while mode = S
    HartState bad = HartStates.withCsr(s, Csr.MSTATUS, s.csr(Csr.MSTATUS) & ~(3L << Csr.MSTATUS_MPP_SHIFT));
    assertEquals(TrapCode.MODE_MISMATCH.code(),
        exitStatus("mode.bin", HartStates.image(spec, r, List.of(good, bad), HartStates.probePayload(spec)), 2));
  }

  @Test
  void imageWithoutStateBootsThePayloadOnEveryHart() throws Exception {
    int code = 0x42;
    RestorerSpec spec = RestorerSpec.forVariant(Variant.V2, 2, QEMU);
    Restorer r = RestorerGenerator.generate(spec);
    byte[] boot = r.buildBootImage(HartStates.exitPayload(QEMU.exitDevice().getAsLong(), code));
    assertEquals(code, exitStatus("boot.bin", boot, 2));
  }

  private int exitStatus(String name, byte[] image, int harts) throws Exception {
    Path file = write(name, image);
    try (Qemu qemu = Qemu.start(file, harts, null, dir)) {
      return qemu.waitForExit(RUN_TIMEOUT);
    }
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static String hex(Set<Long> values) {
    return values.stream().map(v -> "0x" + Long.toHexString(v)).sorted().toList().toString();
  }
}
