package dev.gcpt.cli.emu;

import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.qemu.GdbRemote;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.restorer.TrapCode;
import dev.gcpt.core.state.Csr;
import dev.gcpt.core.state.HartState;
import dev.gcpt.core.verify.ImageFrames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Runs a bundle built for the {@code qemu-virt} platform in QEMU ({@code -machine virt -bios
 * none}, the decoded image loaded at 0x8000_0000, every hart starting at the restorer) and checks
 * each hart at its resume pc: pc and privilege mode as the manifest says, x1..x31 as saved in
 * the image. A restorer trap ends QEMU with the trap code (the profile's exit device), which is
 * reported with its meaning.
 */
public final class BundleEmulator {
  /** The platform profile whose bundles can run in QEMU virt. */
  public static final String PLATFORM = "qemu-virt";
  private static final long MIB = 1 << 20;
  /** Guest memory above the image (QEMU virt puts its device tree near the top of DRAM). */
  private static final long MEMORY_HEADROOM = 64 * MIB;
  private static final long MIN_MEMORY = 256 * MIB;
  private static final int ZERO_CHECK = 4096;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration EXIT_WAIT = Duration.ofSeconds(2);
  private static final int GPRS = 32;
  /** The encoding of {@code mret}, as mtval holds it for an illegal-instruction trap on it. */
  private static final long MRET = 0x30200073L;

  private BundleEmulator() {}

  /** Whether the bundle's restorer was generated for QEMU virt (else it cannot run there). */
  public static boolean runnable(BundleManifest m) {
    return m.restorer() != null && m.restorer().parameters() != null
        && PLATFORM.equals(String.valueOf(m.restorer().parameters().get("platform")));
  }

  /**
   * Decodes {@code image} into {@code work}, runs it and returns what is wrong (empty: every hart
   * resumed with its saved state).
   */
  public static Optional<String> check(BundleManifest m, InputStream image, Path work, Duration timeout)
      throws IOException, InterruptedException {
    Path raw = work.resolve("image.raw");
    decode(image, m.image().file(), raw, m.image().rawLength());
    List<HartState> saved;
    try (InputStream in = Files.newInputStream(raw);
        OpenCheckpoint cp = CheckpointReader.open(in, raw.toString(), CheckpointReader.Options.DEFAULT)) {
      saved = cp.harts();
    }
    long memory = Math.max(MIN_MEMORY, (m.image().rawLength() + MEMORY_HEADROOM + MIB - 1) / MIB * MIB);
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
      f.setLength(memory); // QEMU maps the file as all of DRAM: zeros past the image, still sparse
    }
    String cpu = "rv64,v=true,vlen=" + m.vlen() + ",h=true,sstc=true";
    Path sock = work.resolve("gdb.sock");
    try (Qemu qemu = Qemu.startMapped(raw, m.harts(), cpu, memory / MIB, sock, work)) {
      try (GdbRemote gdb = GdbRemote.connect(sock, CONNECT_TIMEOUT)) {
        return run(m, saved, gdb, timeout);
      } catch (IOException e) {
        // QEMU gone: a restorer trap exits it with the trap code
        try {
          int code = qemu.waitForExit(EXIT_WAIT);
          String trap;
          try {
            TrapCode t = TrapCode.of(code);
            trap = ": restorer trap " + t.name() + " (" + t.meaning() + ")";
          } catch (IllegalArgumentException notATrap) {
            trap = "";
          }
          return Optional.of("QEMU exited with status " + code + " before the harts resumed" + trap);
        } catch (IOException stillRunning) {
          throw e;
        }
      }
    }
  }

  private static Optional<String> run(BundleManifest m, List<HartState> saved, GdbRemote gdb, Duration timeout)
      throws IOException {
    Map<Long, TreeSet<Integer>> waiting = new TreeMap<>();
    for (BundleManifest.Hart h : m.hartStates()) {
      waiting.computeIfAbsent(parseHex(h.pc()), k -> new TreeSet<>()).add(h.hart());
    }
    for (long pc : waiting.keySet()) {
      gdb.insertHwBreakpoint(pc);
    }
    // a trap between the restorer's start and the resume pc lands on a restored trap vector: stop
    // there at once (an mret QEMU refuses would otherwise loop on it until the timeout)
    Map<Long, TreeSet<Integer>> vectors = new TreeMap<>();
    for (BundleManifest.Hart h : m.hartStates()) {
      HartState s = saved.get(h.hart());
      for (int csr : new int[] {Csr.MTVEC, Csr.STVEC}) {
        long base = s.csr(csr) & ~3L;
        if (!waiting.containsKey(base)) {
          vectors.computeIfAbsent(base, k -> new TreeSet<>()).add(h.hart());
        }
      }
    }
    for (long v : vectors.keySet()) {
      gdb.insertHwBreakpoint(v);
    }
    Map<Integer, BundleManifest.Hart> byHart = new HashMap<>();
    m.hartStates().forEach(h -> byHart.put(h.hart(), h));
    List<String> wrong = new ArrayList<>();
    Instant deadline = Instant.now().plus(timeout);
    while (!waiting.isEmpty()) {
      Duration left = Duration.between(Instant.now(), deadline);
      try {
        gdb.continueUntilStop(left.isNegative() ? Duration.ZERO : left);
      } catch (IOException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("no reply")) {
          return Optional.of("harts " + waitingHarts(waiting) + " did not reach their resume pcs within "
              + timeout.toSeconds() + " s" + whereAre(gdb, waitingHarts(waiting)));
        }
        throw e;
      }
      // every waiting hart, not only the one the stop names: harts that reach their breakpoints
      // together are reported as one stop, and the others would run past theirs on continuing
      for (int hart : waitingHarts(waiting)) {
        gdb.selectHart(hart);
        long pc = gdb.reg("pc");
        BundleManifest.Hart want = byHart.get(hart);
        long resumePc = parseHex(want.pc());
        TreeSet<Integer> trapped = vectors.get(pc);
        long priv;
        if (trapped != null && trapped.contains(hart)) {
          // an interrupt pending in the saved state is taken as the hart resumes, before the
          // instruction at its pc: the trap's epc is the resume pc and the mode it came from the
          // saved one; the registers are still the restored ones
          Trap t = Trap.read(gdb);
          if (!t.interrupt() || t.epc() != resumePc) {
            return Optional.of(trapReport(gdb, hart, pc));
          }
          priv = t.previousMode();
        } else {
          TreeSet<Integer> harts = waiting.get(pc);
          if (harts == null || !harts.contains(hart)) {
            continue; // still on its way
          }
          priv = gdb.reg("priv");
        }
        pc = resumePc;
        TreeSet<Integer> harts = waiting.get(pc);
        if (priv != mode(want.mode())) {
          wrong.add("hart " + hart + " resumed in mode " + priv + ", the manifest says " + want.mode());
        }
        HartState s = saved.get(hart);
        for (int x = 1; x < GPRS; x++) {
          long got = gdb.readU64(gdb.regnum("zero") + x);
          if (got != s.x(x)) {
            wrong.add(String.format("hart %d x%d = 0x%x at the resume pc, saved 0x%x", hart, x, got, s.x(x)));
          }
        }
        harts.remove(hart);
        if (harts.isEmpty()) {
          waiting.remove(pc);
          gdb.removeHwBreakpoint(pc);
        }
      }
    }
    return wrong.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", wrong));
  }

  /** The trap a hart stopped on its trap vector has just taken. */
  record Trap(boolean machine, long cause, long epc, long tval, long previousMode) {
    boolean interrupt() {
      return cause < 0;
    }

    static Trap read(GdbRemote gdb) throws IOException {
      boolean machine = gdb.reg("priv") == 3;
      long status = gdb.csr(machine ? Csr.MSTATUS : Csr.SSTATUS);
      long previous = machine ? (status >>> 11) & 3 : (status >>> 8) & 1; // MPP, SPP
      return new Trap(machine, gdb.csr(machine ? Csr.MCAUSE : Csr.SCAUSE), gdb.csr(machine ? Csr.MEPC : Csr.SEPC),
          gdb.csr(machine ? Csr.MTVAL : Csr.STVAL), previous);
    }
  }

  /** What a hart stopped on a trap vector says of the trap, with the likely cause. */
  static String trapReport(GdbRemote gdb, int hart, long vector) throws IOException {
    Trap t = Trap.read(gdb);
    boolean machine = t.machine();
    long cause = t.cause();
    long epc = t.epc();
    long tval = t.tval();
    String text = String.format("hart %d trapped to its %s 0x%x before its resume pc: %s 0x%x (%s), %s 0x%x, %s 0x%x",
        hart, machine ? "mtvec" : "stvec", vector, machine ? "mcause" : "scause", cause, causeName(cause),
        machine ? "mepc" : "sepc", epc, machine ? "mtval" : "stval", tval);
    if (cause == 2 && tval == MRET) {
      text += "; QEMU refuses an mret to S or U mode while no PMP entry is configured: the checkpoint's"
          + " pmpaddr/pmpcfg grant none (states taken under OpenSBI carry one)";
    } else if (cause == 1 || cause == 5 || cause == 7) {
      text += "; QEMU enforces PMP: a hart in S or U mode needs a PMP entry that grants it access (the"
          + " checkpoint's pmpaddr/pmpcfg grant none; states taken under OpenSBI carry one)";
    }
    return text;
  }

  private static String causeName(long cause) {
    if (cause < 0) {
      return switch ((int) (cause & 0xFF)) {
        case 1 -> "supervisor software interrupt";
        case 3 -> "machine software interrupt";
        case 5 -> "supervisor timer interrupt";
        case 7 -> "machine timer interrupt";
        case 9 -> "supervisor external interrupt";
        case 11 -> "machine external interrupt";
        default -> "interrupt " + (cause & 0xFF);
      };
    }
    return switch ((int) cause) {
      case 0 -> "instruction address misaligned";
      case 1 -> "instruction access fault";
      case 2 -> "illegal instruction";
      case 4 -> "load address misaligned";
      case 5 -> "load access fault";
      case 7 -> "store access fault";
      case 12 -> "instruction page fault";
      case 13 -> "load page fault";
      case 15 -> "store page fault";
      default -> "exception " + cause;
    };
  }

  /** Where the harts are (after stopping them): pc, mode, mcause, scause. */
  private static String whereAre(GdbRemote gdb, List<Integer> harts) {
    try {
      gdb.interrupt();
      List<String> at = new ArrayList<>();
      for (int h : harts) {
        gdb.selectHart(h);
        at.add(String.format("hart %d at pc 0x%x mode %d mcause 0x%x scause 0x%x", h, gdb.reg("pc"), gdb.reg("priv"),
            gdb.csr(dev.gcpt.core.state.Csr.MCAUSE), gdb.csr(dev.gcpt.core.state.Csr.SCAUSE)));
      }
      return " (" + String.join(", ", at) + ")";
    } catch (IOException e) {
      return "";
    }
  }

  private static List<Integer> waitingHarts(Map<Long, TreeSet<Integer>> waiting) {
    TreeSet<Integer> all = new TreeSet<>();
    waiting.values().forEach(all::addAll);
    return List.copyOf(all);
  }

  private static int mode(String name) {
    return switch (name) {
      case "M" -> 3;
      case "S" -> 1;
      case "U" -> 0;
      default -> -1;
    };
  }

  static long parseHex(String s) {
    return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
  }

  /** Decodes the image into a sparse raw file of exactly {@code rawLength} bytes. */
  static void decode(InputStream image, String name, Path raw, long rawLength) throws IOException {
    try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
      long[] pos = {0};
      ImageFrames.read(image, name, (b, off, len) -> {
        try {
          for (int i = 0; i < len; i += ZERO_CHECK) {
            int n = Math.min(ZERO_CHECK, len - i);
            if (!zero(b, off + i, n)) {
              ByteBuffer buf = ByteBuffer.wrap(b, off + i, n);
              long at = pos[0] + i;
              while (buf.hasRemaining()) {
                at += ch.write(buf, at);
              }
            }
          }
          pos[0] += len;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      if (pos[0] != rawLength) {
        throw new IOException(name + " decodes to " + pos[0] + " bytes, the manifest says " + rawLength);
      }
      if (ch.size() < rawLength) {
        ch.write(ByteBuffer.wrap(new byte[1]), rawLength - 1);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static boolean zero(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
