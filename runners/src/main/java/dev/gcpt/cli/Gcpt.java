package dev.gcpt.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code gcpt} command line. Commands are thin: they parse arguments, call gcpt-core or the
 * pipeline, and print. A user error is one line on stderr (exit 2 for usage, 1 for failure);
 * {@code --verbose} adds the stack trace.
 */
@Command(
    name = "gcpt",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = Gcpt.Version.class,
    description = "Turn RISC-V SimPoint checkpoints into ready-to-run bundles.",
    footer = "%nThe benchmarks (module bench/): bin/gcpt bench --help")
public final class Gcpt implements Runnable {

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces with errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** simplelogger's destination; set on the command line (e.g. {@code =System.err}) to keep logs on the console. */
  static final String LOG_FILE_PROPERTY = "org.slf4j.simpleLogger.logFile";
  /** Where this process logs, when {@link #main} chose a file; null in-process (tests). */
  static volatile java.nio.file.Path logFile;

  public static void main(String[] args) {
    // the console is for progress, summaries and what a user must act on; library and progress
    // logging goes to a file the summaries name (before any logger exists)
    if (System.getProperty(LOG_FILE_PROPERTY) == null) {
      java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "gcpt-logs");
      try {
        java.nio.file.Files.createDirectories(dir);
        logFile = dir.resolve("gcpt-" + java.time.LocalDateTime.now().format(
            java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + ProcessHandle.current().pid() + ".log");
        System.setProperty(LOG_FILE_PROPERTY, logFile.toString());
      } catch (java.io.IOException | RuntimeException e) {
        logFile = null; // no log directory: logs stay on stderr
      }
    }
    // Ctrl-C (or a kill): one line instead of a silent stop; the JVM then exits 130 (143 for a
    // TERM). Whatever was complete stays, temporaries are swept by the next run.
    Thread interrupted = new Thread(() -> {
      System.err.println("gcpt: interrupted; rerun to resume");
      System.err.flush();
    }, "gcpt-interrupted");
    Runtime.getRuntime().addShutdownHook(interrupted);
    int rc = newCommandLine(args).execute(args);
    Runtime.getRuntime().removeShutdownHook(interrupted);
    System.exit(rc);
  }

  /** The commands, in the order the help lists them. */
  private static final java.util.Map<String, java.util.function.Supplier<Object>> COMMANDS = commands();

  private static java.util.Map<String, java.util.function.Supplier<Object>> commands() {
    java.util.Map<String, java.util.function.Supplier<Object>> m = new java.util.LinkedHashMap<>();
    m.put("inspect", InspectCommand::new);
    m.put("restorer", RestorerCommand::new);
    m.put("normalize", NormalizeCommand::new);
    m.put("run", RunCommand::new);
    m.put("regenerate", RegenerateCommand::new);
    m.put("demo", DemoCommand::new);
    m.put("verify", VerifyCommand::new);
    m.put("capture", CaptureCommand::new);
    return m;
  }

  /** The configured command line with every command (tests call {@code execute} on it). */
  public static CommandLine newCommandLine() {
    return newCommandLine(new String[0]);
  }

  /**
   * The command line for {@code args}: with only the command they name when it is one of ours
   * (picocli reflects over every option of every command it is given: about 0.2 s of each
   * process's start on this project), else with all of them (help, usage mistakes, commands of
   * other modules).
   */
  static CommandLine newCommandLine(String[] argv) {
    CommandLine cl = new CommandLine(new Gcpt());
    String named = java.util.Arrays.stream(argv).filter(a -> !a.startsWith("-")).findFirst().orElse(null);
    if (named != null && COMMANDS.containsKey(named)) {
      cl.addSubcommand(named, COMMANDS.get(named).get());
    } else {
      COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
      // commands in modules of their own (bench/) join when their jar is on the class path
      for (GcptCommand extra : java.util.ServiceLoader.load(GcptCommand.class)) {
        cl.addSubcommand(extra);
      }
    }
    // a usage mistake is one line and a hint, not the whole usage text
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage() + " (see '"
          + c.getCommandSpec().qualifiedName() + " --help')");
      return c.getCommandSpec().exitCodeOnInvalidInput();
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      boolean verbose = parseResult.originalArgs().contains("--verbose");
      String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
      // an S3 failure (here or on a worker): its cause and fix, not the SDK's dump
      msg = dev.gcpt.pipeline.io.S3Errors.explain(ex).orElse(msg);
      commandLine.getErr().println("gcpt: " + dev.gcpt.core.io.Uris.redact(msg));
      if (verbose) {
        java.io.StringWriter trace = new java.io.StringWriter();
        ex.printStackTrace(new java.io.PrintWriter(trace));
        commandLine.getErr().print(dev.gcpt.core.io.Uris.redact(trace.toString()));
      }
      return 1;
    });
    return cl;
  }

  /** Version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Gcpt.class.getPackage().getImplementationVersion();
      return new String[] {"gcpt " + (v == null ? "dev" : v)};
    }
  }
}
