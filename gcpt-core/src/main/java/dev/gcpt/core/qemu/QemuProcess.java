package dev.gcpt.core.qemu;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One {@code qemu-system-riscv64} process; its stdout and stderr go to a log file. Closing it
 * kills QEMU (SIGTERM, then SIGKILL after a grace period) and never throws.
 */
public final class QemuProcess implements AutoCloseable {
  public static final String BINARY = "qemu-system-riscv64";
  /** How long QEMU gets to exit after SIGTERM before it is killed. */
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final Process process;
  private final Path log;
  private final List<String> command;

  private QemuProcess(Process process, Path log, List<String> command) {
    this.process = process;
    this.log = log;
    this.command = List.copyOf(command);
  }

  /** The QEMU binary on the PATH, if installed. */
  public static Optional<Path> find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, BINARY);
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Starts {@code command} (binary first), writing its output to {@code log}. */
  public static QemuProcess start(List<String> command, Path log) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new QemuProcess(p, log, command);
  }

  public List<String> command() {
    return command;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** Waits for QEMU to exit by itself and returns its exit status. */
  public int waitForExit(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IOException("QEMU did not exit within " + timeout + "; log: " + log());
    }
    return process.exitValue();
  }

  /** What QEMU printed so far. */
  public String log() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  public Path logFile() {
    return log;
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
