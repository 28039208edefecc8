package dev.gcpt.cli;

import dev.gcpt.core.capture.CaptureException;
import dev.gcpt.core.capture.QemuCapture;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.qemu.Endpoint;
import dev.gcpt.core.qemu.GdbRemote;
import dev.gcpt.core.qemu.QemuProcess;
import dev.gcpt.core.qemu.Qmp;
import dev.gcpt.core.restorer.PlatformProfile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gcpt capture}: takes a V1 (one hart) or V2 (several harts) checkpoint from a stock QEMU
 * {@code virt} machine, either one already running (attach through its QMP and gdbstub sockets)
 * or one this command launches. See docs/capture.md.
 */
@Command(name = "capture", sortOptions = false, description = {
    "Capture a checkpoint from stock QEMU -machine virt: every hart's registers, CSRs, vector state",
    "and privilege through the gdbstub, the CLINT timer and guest RAM through QMP. Writes a V1 (one",
    "hart) or V2 (several harts) checkpoint; 'gcpt normalize' with the same --platform makes a bundle.",
    "Attach: --qmp EP --gdb EP (EP = unix:PATH or HOST:PORT; QEMU must run on this host).",
    "Launch: --launch [--smp N] [--memory SIZE] [--bios F] [--kernel F] [--qemu-arg=A]...",
    "See docs/capture.md."})
public final class CaptureCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Checkpoint file to write.")
  Path output;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @ArgGroup(exclusive = false)
    Attach attach;

    @ArgGroup(exclusive = false)
    Launch launch;
  }

  static final class Attach {
    @Option(names = "--qmp", required = true, paramLabel = "EP", description = "QEMU's QMP socket (-qmp ...).")
    String qmp;

    @Option(names = "--gdb", required = true, paramLabel = "EP", description = "QEMU's gdbstub socket (-gdb ...).")
    String gdb;

    @Option(names = "--no-resume", description = "Leave the machine paused after the capture (default: resume).")
    boolean noResume;
  }

  static final class Launch {
    @Option(names = "--launch", required = true, description = "Launch qemu-system-riscv64 -machine virt.")
    boolean launch;

    @Option(names = "--smp", defaultValue = "1", description = "Harts (default ${DEFAULT-VALUE}).")
    int smp;

    @Option(names = {"-m", "--memory"}, defaultValue = "256M", description = "RAM, as QEMU's -m (default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--cpu", description = "QEMU -cpu (default: QEMU's rv64).")
    String cpu;

    @Option(names = "--bios", description = "QEMU -bios (default: QEMU's OpenSBI; 'none' for bare metal).")
    String bios;

    @Option(names = "--kernel", description = "QEMU -kernel.")
    Path kernel;

    @Option(names = "--icount", description = "Run with -icount shift=0 (virtual time counts instructions; the count is reported).")
    boolean icount;

    @Option(names = "--console", paramLabel = "FILE", description = "Serial console output (default: OUTPUT.console.log).")
    Path console;

    @Option(names = "--qemu-arg", paramLabel = "ARG", description = "Extra QEMU argument (repeatable, one word each).")
    List<String> extra = new ArrayList<>();
  }

  @ArgGroup(exclusive = true)
  When when;

  static final class When {
    @Option(names = "--at-pc", paramLabel = "ADDR", converter = AddressConverter.class,
        description = "Capture when a hart is about to execute ADDR (hardware breakpoint).")
    Long atPc;

    @Option(names = "--after", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Capture after running this long (500ms, 2s, 1m; host time).")
    Duration after;
  }

  @Option(names = "--hit", defaultValue = "1", description = "With --at-pc: the Nth time the pc is reached (default ${DEFAULT-VALUE}).")
  int hit;

  @Option(names = "--hart", description = "With --at-pc: count only this hart's hits.")
  Integer hart;

  @Option(names = "--platform", defaultValue = "qemu-virt",
      description = "Platform profile (CLINT, window base): qemu-virt, qemu-virt-opensbi or a .properties file (default ${DEFAULT-VALUE}).")
  String platform;

  @Option(names = "--window-base", paramLabel = "OFFSET", converter = AddressConverter.class,
      description = "DRAM offset of the reserved window; overrides the profile's windowBase.")
  Long windowBase;

  @Option(names = "--codec", defaultValue = "zstd", description = "zstd, gz or raw (default ${DEFAULT-VALUE}).")
  String codec;

  @Option(names = "--level", defaultValue = "3", description = "Compression level (default ${DEFAULT-VALUE}).")
  int level;

  @Option(names = "--allow-device-state",
      description = "Capture even when devices hold state the checkpoint does not carry (pending interrupts, virtio, PCI).")
  boolean allowDeviceState;

  @Option(names = "--force-window", description = "Overwrite guest RAM in the reserved window even where it is not zero.")
  boolean forceWindow;

  @Option(names = "--timeout", defaultValue = "60s", converter = DurationConverter.class,
      description = "Bound on reaching the capture point and on the RAM dump (default ${DEFAULT-VALUE}).")
  Duration timeout;

  /** How long QEMU gets to open its sockets. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (hit < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--hit must be at least 1");
    }
    PlatformProfile profile = profile();
    QemuCapture.Trigger trigger = when == null ? new QemuCapture.Now()
        : when.atPc != null ? new QemuCapture.AtPc(when.atPc, hit, hart == null ? OptionalInt.empty() : OptionalInt.of(hart))
        : new QemuCapture.After(when.after);
    QemuCapture.Options options = new QemuCapture.Options(trigger, profile, Codec.fromCliName(codec), level,
        forceWindow, allowDeviceState, timeout);
    Path outFile = output.toAbsolutePath();
    if (outFile.getParent() != null) {
      Files.createDirectories(outFile.getParent());
    }
    QemuCapture.Captured captured;
    try {
      captured = source.attach != null ? attach(options, outFile) : launch(options, outFile);
    } catch (CaptureException e) {
      spec.commandLine().getErr().println("gcpt capture: " + e.getMessage());
      return 1;
    }
    QemuCapture.Result r = captured.report();
    Path report = outFile.resolveSibling(outFile.getFileName() + ".json");
    Files.writeString(report, Json.pretty(r), StandardCharsets.UTF_8);
    out.printf("captured %s: %s, %d hart(s), window at DRAM offset %s, RAM %s -> %s (%s)%n", outFile, r.variant(),
        r.harts().size(), r.windowBase(), Sizes.human(r.ramSize()), Sizes.human(r.compressedLength()), r.trigger());
    for (QemuCapture.HartSummary h : r.harts()) {
      out.printf("  hart %d  pc %s  %s-mode%s%s%n", h.hart(), h.pc(), h.mode(), h.floatState() ? "  F" : "",
          h.vectorState() ? "  V" : "");
    }
    for (String n : r.notes()) {
      out.println("  note: " + n);
    }
    out.printf("normalize: gcpt normalize %s --platform %s -o BUNDLES%n", outFile, profileArgument(profile));
    return 0;
  }

  private String profileArgument(PlatformProfile p) {
    return windowBase == null ? platform : platform + " (with windowBase=0x" + Long.toHexString(p.windowBase()) + ")";
  }

  private PlatformProfile profile() throws IOException {
    PlatformProfile p = PlatformProfile.resolve(platform);
    if (windowBase == null) {
      return p;
    }
    return p.withWindowBase(windowBase);
  }

  private QemuCapture.Captured attach(QemuCapture.Options options, Path outFile) throws IOException, CaptureException {
    try (Qmp qmp = Qmp.connect(Endpoint.parse(source.attach.qmp), CONNECT_TIMEOUT);
        GdbRemote gdb = GdbRemote.connect(Endpoint.parse(source.attach.gdb), CONNECT_TIMEOUT)) {
      QemuCapture.Captured c;
      try {
        c = QemuCapture.capture(gdb, qmp, options, outFile);
      } catch (IOException | CaptureException | RuntimeException e) {
        if (!source.attach.noResume) {
          try {
            gdb.detach();
          } catch (IOException d) {
            e.addSuppressed(d);
          }
        }
        throw e;
      }
      if (!source.attach.noResume) {
        gdb.detach(); // QEMU resumes the machine
      }
      return c;
    }
  }

  private QemuCapture.Captured launch(QemuCapture.Options options, Path outFile) throws IOException, CaptureException {
    Path sockets = Files.createTempDirectory("gcpt-capture");
    Path qmpSocket = sockets.resolve("qmp.sock");
    Path gdbSocket = sockets.resolve("gdb.sock");
    Launch l = source.launch;
    Path console = l.console != null ? l.console : outFile.resolveSibling(outFile.getFileName() + ".console.log");
    List<String> cmd = new ArrayList<>(List.of(QemuProcess.BINARY, "-machine", "virt", "-smp", Integer.toString(l.smp),
        "-m", l.memory, "-display", "none", "-monitor", "none", "-serial", "file:" + console,
        "-qmp", "unix:" + qmpSocket + ",server=on,wait=off",
        "-chardev", "socket,id=gdb0,path=" + gdbSocket + ",server=on,wait=off", "-gdb", "chardev:gdb0", "-S"));
    if (l.cpu != null) {
      cmd.addAll(List.of("-cpu", l.cpu));
    }
    if (l.bios != null) {
      cmd.addAll(List.of("-bios", l.bios));
    }
    if (l.kernel != null) {
      cmd.addAll(List.of("-kernel", l.kernel.toString()));
    }
    if (l.icount) {
      cmd.addAll(List.of("-icount", "shift=0"));
    }
    cmd.addAll(l.extra);
    Path log = outFile.resolveSibling(outFile.getFileName() + ".qemu.log");
    try (QemuProcess qemu = QemuProcess.start(cmd, log);
        Qmp qmp = Qmp.connect(Endpoint.unix(qmpSocket), CONNECT_TIMEOUT);
        GdbRemote gdb = GdbRemote.connect(Endpoint.unix(gdbSocket), CONNECT_TIMEOUT)) {
      try {
        return QemuCapture.capture(gdb, qmp, options, outFile);
      } catch (IOException e) {
        throw qemu.isAlive() ? e : new IOException(e.getMessage() + "; QEMU exited: " + qemu.log().trim(), e);
      }
    } finally {
      try (Stream<Path> files = Files.list(sockets)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(sockets);
    }
  }

  /** 0x-hex (up to 64 bits) or decimal. */
  static final class AddressConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      String v = value.trim().replace("_", "").toLowerCase(Locale.ROOT);
      try {
        return v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("not an address: '" + value + "'");
      }
    }
  }

  /** 500ms, 2s, 1m, or an ISO-8601 duration (PT2S). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m)");

    @Override
    public Duration convert(String value) {
      Matcher m = SIMPLE.matcher(value.trim());
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          default -> Duration.ofMinutes(n);
        };
      }
      try {
        return Duration.parse(value.trim());
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException("not a duration (500ms, 2s, 1m): '" + value + "'");
      }
    }
  }
}
