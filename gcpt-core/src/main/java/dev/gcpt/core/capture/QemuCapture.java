package dev.gcpt.core.capture;

import static dev.gcpt.core.json.Json.hex;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.qemu.GdbRemote;
import dev.gcpt.core.qemu.Qmp;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.RestorerSpec;
import dev.gcpt.core.state.HartState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Captures a checkpoint from a stock QEMU {@code virt} machine through its gdbstub (harts) and
 * QMP (physical memory, RAM size, RAM dump):
 *
 * <ol>
 *   <li>pause: QEMU stops every hart when the debugger connects; {@link AtPc} resumes until a
 *       hart reaches a pc (its Nth time), {@link After} resumes for a while and interrupts;
 *   <li>read every hart ({@link HartReader}) and the CLINT's mtime, mtimecmp and msip;
 *   <li>refuse device state a checkpoint cannot carry ({@link DeviceCheck});
 *   <li>prepare each hart for mret ({@link MretPreparation});
 *   <li>dump RAM from 0x8000_0000 with {@code pmemsave} into a temporary file next to the output
 *       (QEMU writes it, so QEMU must run on this host) and stream it through
 *       {@link CheckpointWriter} into the output, renamed into place when complete.
 * </ol>
 *
 * The machine stays paused; the caller resumes it (gdb detach) or ends QEMU.
 */
public final class QemuCapture {
  private QemuCapture() {}

  /** When to take the checkpoint. */
  public sealed interface Trigger permits Now, AtPc, After {}

  /** Where the machine is: QEMU paused it when the debugger connected. */
  public record Now() implements Trigger {
    @Override
    public String toString() {
      return "on request";
    }
  }

  /**
   * When a hart is about to execute {@code pc} for the {@code hit}th time (a hardware
   * breakpoint; only {@code hart} counts when given).
   */
  public record AtPc(long pc, int hit, OptionalInt hart) implements Trigger {
    public AtPc {
      Objects.requireNonNull(hart, "hart");
      if (hit < 1) {
        throw new IllegalArgumentException("hit count must be at least 1: " + hit);
      }
    }

    @Override
    public String toString() {
      return "at pc " + hex(pc) + (hit > 1 ? " (hit " + hit + ")" : "") + hart.stream().mapToObj(h -> " on hart " + h)
          .findFirst().orElse("");
    }
  }

  /** After the machine ran for {@code delay} more (host time: not deterministic). */
  public record After(Duration delay) implements Trigger {
    @Override
    public String toString() {
      return "after " + delay.toMillis() + " ms";
    }
  }

  /**
   * @param platform CLINT base (mtime, mtimecmp) and window base of the checkpoint
   * @param timeout bound on every wait: reaching the trigger, the RAM dump (plus 20 s per GiB)
   */
  public record Options(Trigger trigger, PlatformProfile platform, Codec codec, int level, boolean allowNonZeroWindow,
      boolean allowDeviceState, Duration timeout) {
    public Options {
      Objects.requireNonNull(trigger, "trigger");
      Objects.requireNonNull(platform, "platform");
      Objects.requireNonNull(codec, "codec");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /** One captured hart, for reports. */
  public record HartSummary(int hart, String pc, String mode, boolean floatState, boolean vectorState,
      boolean hypervisorState) {
    static HartSummary of(HartState h) {
      return new HartSummary(h.hart(), hex(h.pc()), HartState.modeName(h.mode()), h.hasFloat(), h.hasVector(),
          h.hasHypervisor());
    }
  }

  /** What was captured (written as JSON beside the checkpoint by the command line). */
  public record Result(String file, String qemu, String trigger, String variant, String windowBase, long ramSize,
      String codec, long compressedLength, long icount, String mtime, List<HartSummary> harts,
      List<String> deviceProblemsIgnored, List<String> notes, Timings millis) {}

  /** Where the time went, in milliseconds. */
  public record Timings(long pause, long readHarts, long checkDevices, long dumpRam, long writeCheckpoint) {}

  private static final Duration DUMP_PER_GIB = Duration.ofSeconds(20);

  /** The report and the harts exactly as written into the checkpoint. */
  public record Captured(Result report, List<HartState> harts) {}

  /** Captures into {@code out}. */
  public static Captured capture(GdbRemote gdb, Qmp qmp, Options o, Path out) throws IOException, CaptureException {
    Instant deadline = Instant.now().plus(o.timeout());
    long t0 = System.nanoTime();
    pause(gdb, o.trigger(), deadline);
    long t1 = System.nanoTime();
    List<Integer> hartIds = gdb.harts();
    int cpus = qmp.cpuCount();
    if (hartIds.size() != cpus) {
      throw new CaptureException("the gdbstub lists " + hartIds.size() + " harts but QMP reports " + cpus + " CPUs");
    }
    List<RawHart> raws = new ArrayList<>();
    for (int h = 0; h < cpus; h++) {
      raws.add(HartReader.read(gdb, h));
    }
    PlatformProfile p = o.platform();
    long mtime = qmp.u64(p.mtimeAddress());
    long t2 = System.nanoTime();
    List<String> problems = DeviceCheck.problems(qmp, qmp.pciDevices(), cpus);
    long t3 = System.nanoTime();
    if (!problems.isEmpty() && !o.allowDeviceState()) {
      throw CaptureException.of("refusing to capture: the machine holds device state a checkpoint does not carry"
          + " (--allow-device-state captures anyway)", problems);
    }
    List<HartState> harts = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (RawHart r : raws) {
      harts.add(MretPreparation.prepare(r, mtime, qmp.u64(p.mtimecmpAddress(r.hart())),
          qmp.u32(p.msipAddress(r.hart()))));
      if (r.priv() == 3) {
        notes.add("hart " + r.hart() + " was in M-mode: " + RestorerSpec.SAVED_M_MODE_NOTE);
      }
    }
    long ramSize = qmp.ramSize();
    long icount = qmp.icount();
    Path dump = out.resolveSibling(out.getFileName() + ".ram.partial");
    Path partial = out.resolveSibling(out.getFileName() + ".partial");
    CheckpointWriter.Written w;
    long dumpNanos = 0;
    long t4 = System.nanoTime();
    try {
      Files.deleteIfExists(dump);
      Duration dumpTimeout = o.timeout().plus(DUMP_PER_GIB.multipliedBy(Math.max(1, ramSize >> 30)));
      long d0 = System.nanoTime();
      qmp.pmemsave(Offsets.DRAM_BASE, ramSize, dump, dumpTimeout);
      dumpNanos = System.nanoTime() - d0;
      if (Files.size(dump) != ramSize) {
        throw new IOException("QEMU dumped " + Files.size(dump) + " bytes of RAM, expected " + ramSize);
      }
      try (InputStream in = Files.newInputStream(dump); OutputStream os = Files.newOutputStream(partial)) {
        w = CheckpointWriter.write(in, ramSize, p.windowBase(), harts, o.codec(), o.level(), o.allowNonZeroWindow(), os);
      }
      Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | CaptureException | RuntimeException e) {
      Files.deleteIfExists(partial);
      throw e;
    } finally {
      Files.deleteIfExists(dump);
    }
    if (!problems.isEmpty()) {
      notes.add("device state was not carried (capture forced): " + String.join("; ", problems));
    }
    long t5 = System.nanoTime();
    Timings millis = new Timings(ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(dumpNanos), ms(t5 - t4 - dumpNanos));
    Result report = new Result(out.getFileName().toString(), qmp.qemuVersion(), o.trigger().toString(),
        w.variant().name(), hex(p.windowBase()), ramSize, o.codec().cliName(), w.compressedLength(), icount,
        hex(mtime), harts.stream().map(HartSummary::of).toList(), o.allowDeviceState() ? problems : List.of(), notes,
        millis);
    return new Captured(report, List.copyOf(harts));
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  /** Brings the machine to the trigger; every hart is stopped when it returns. */
  static void pause(GdbRemote gdb, Trigger t, Instant deadline) throws IOException, CaptureException {
    if (t instanceof After a) {
      gdb.runFor(a.delay());
    } else if (t instanceof AtPc at) {
      runToPc(gdb, at, deadline);
    }
    // Now: QEMU paused the machine when the debugger connected
  }

  private static void runToPc(GdbRemote gdb, AtPc at, Instant deadline) throws IOException, CaptureException {
    gdb.insertHwBreakpoint(at.pc());
    boolean inserted = true;
    try {
      int hits = 0;
      while (true) {
        Duration left = Duration.between(Instant.now(), deadline);
        GdbRemote.Stop stop;
        try {
          stop = gdb.continueUntilStop(left.isNegative() ? Duration.ZERO : left);
        } catch (GdbRemote.NoReplyException e) {
          gdb.interrupt();
          throw new CaptureException("no hart reached pc " + hex(at.pc()) + " within the timeout (" + hits
              + " of " + at.hit() + " hit(s) seen)");
        }
        gdb.selectHart(stop.hart());
        long pc = gdb.reg("pc");
        if (pc == at.pc() && (at.hart().isEmpty() || at.hart().getAsInt() == stop.hart()) && ++hits == at.hit()) {
          return;
        }
        if (pc == at.pc()) {
          // QEMU reports an inserted breakpoint again at once: step this hart past it
          gdb.removeHwBreakpoint(at.pc());
          inserted = false;
          gdb.step(stop.hart());
          gdb.insertHwBreakpoint(at.pc());
          inserted = true;
        }
      }
    } finally {
      if (inserted) {
        gdb.removeHwBreakpoint(at.pc());
      }
    }
  }
}
