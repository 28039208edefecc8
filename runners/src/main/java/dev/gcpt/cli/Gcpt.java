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
    subcommands = {
      InspectCommand.class,
      RestorerCommand.class,
      NormalizeCommand.class,
      RunCommand.class,
      RegenerateCommand.class,
      BenchCommand.class,
      DemoCommand.class,
      VerifyCommand.class,
      CaptureCommand.class,
    })
public final class Gcpt implements Runnable {

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces with errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    // Ctrl-C (or a kill): one line instead of a silent stop; the JVM then exits 130 (143 for a
    // TERM). Whatever was complete stays, temporaries are swept by the next run.
    Thread interrupted = new Thread(() -> {
      System.err.println("gcpt: interrupted; rerun to resume");
      System.err.flush();
    }, "gcpt-interrupted");
    Runtime.getRuntime().addShutdownHook(interrupted);
    int rc = newCommandLine().execute(args);
    Runtime.getRuntime().removeShutdownHook(interrupted);
    System.exit(rc);
  }

  /** The configured command line (tests call {@code execute} on it). */
  public static CommandLine newCommandLine() {
    CommandLine cl = new CommandLine(new Gcpt());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      boolean verbose = parseResult.originalArgs().contains("--verbose");
      String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
      commandLine.getErr().println("gcpt: " + dev.gcpt.core.io.Uris.redact(msg));
      if (verbose) {
        ex.printStackTrace(commandLine.getErr());
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
