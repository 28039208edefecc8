package dev.gcpt.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * One {@code qemu-system-riscv64 -machine virt -bios none} run with a raw image loaded at
 * 0x8000_0000 (every hart starts there). Closing it kills QEMU.
 */
final class Qemu implements AutoCloseable {
  static final String BINARY = "qemu-system-riscv64";
  /** The CPU every proof runs on: V with VLEN 128, H, Sstc (on by default in QEMU 7.2). */
  static final String CPU = "rv64,v=true,vlen=128,h=true,sstc=true";
  static final String MEMORY = "256M";

  private final Process process;
  private final Path log;

  private Qemu(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static void assumeInstalled() {
    boolean found = false;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      found |= Files.isExecutable(Path.of(dir, BINARY));
    }
    Assumptions.assumeTrue(found, BINARY + " is not installed (Debian package qemu-system-misc): skipping the QEMU proof");
  }

  /**
   * Starts QEMU on {@code image} with {@code harts} harts. With {@code gdbSocket} non-null the
   * harts are held at reset (-S) and the gdbstub listens on that unix socket.
   */
  static Qemu start(Path image, int harts, Path gdbSocket, Path dir) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(BINARY,
        "-machine", "virt", "-bios", "none", "-nographic", "-monitor", "none", "-serial", "none",
        "-cpu", CPU, "-smp", Integer.toString(harts), "-m", MEMORY,
        "-device", "loader,file=" + image + ",addr=0x80000000,force-raw=on"));
    if (gdbSocket != null) {
      cmd.addAll(List.of("-chardev", "socket,id=gdb0,path=" + gdbSocket + ",server=on,wait=off",
          "-gdb", "chardev:gdb0", "-S"));
    }
    Path log = dir.resolve("qemu-" + image.getFileName() + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Qemu(p, log);
  }

  /** Waits for QEMU to exit by itself and returns its exit status. */
  int waitForExit(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IOException("QEMU did not exit within " + timeout + "; log: " + log());
    }
    return process.exitValue();
  }

  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
