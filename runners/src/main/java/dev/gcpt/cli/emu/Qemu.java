package dev.gcpt.cli.emu;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code qemu-system-riscv64 -machine virt -bios none} run with a raw image loaded at
 * 0x8000_0000 (every hart starts there). Closing it kills QEMU.
 */
public final class Qemu implements AutoCloseable {
  public static final String BINARY = "qemu-system-riscv64";
  /** The CPU every proof runs on: V with VLEN 128, H, Sstc (on by default in QEMU 7.2). */
  public static final String CPU = "rv64,v=true,vlen=128,h=true,sstc=true";
  public static final String MEMORY = "256M";

  private final Process process;
  private final Path log;

  private Qemu(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Whether {@value #BINARY} is on the PATH (Debian package qemu-system-misc). */
  public static boolean installed() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, BINARY))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts QEMU on {@code image} with {@code harts} harts. With {@code gdbSocket} non-null the
   * harts are held at reset (-S) and the gdbstub listens on that unix socket.
   */
  public static Qemu start(Path image, int harts, Path gdbSocket, Path dir) throws IOException {
    return start(image, harts, CPU, MEMORY, gdbSocket, dir);
  }

  /** As {@link #start(Path, int, Path, Path)} with a given {@code -cpu} and {@code -m}. */
  public static Qemu start(Path image, int harts, String cpu, String memory, Path gdbSocket, Path dir)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(BINARY,
        "-machine", "virt", "-bios", "none", "-nographic", "-monitor", "none", "-serial", "none",
        "-cpu", cpu, "-smp", Integer.toString(harts), "-m", memory,
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
  public int waitForExit(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IOException("QEMU did not exit within " + timeout + "; log: " + log());
    }
    return process.exitValue();
  }

  public String log() throws IOException {
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
