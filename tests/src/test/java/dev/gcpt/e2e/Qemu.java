package dev.gcpt.e2e;

import dev.gcpt.core.qemu.QemuProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * One {@code qemu-system-riscv64 -machine virt -bios none} run with a raw image loaded at
 * 0x8000_0000 (every hart starts there). Closing it kills QEMU.
 */
final class Qemu implements AutoCloseable {
  static final String BINARY = QemuProcess.BINARY;
  /** The CPU every proof runs on: V with VLEN 128, H, Sstc (on by default in QEMU 7.2). */
  static final String CPU = "rv64,v=true,vlen=128,h=true,sstc=true";
  static final String MEMORY = "256M";

  private final QemuProcess process;

  private Qemu(QemuProcess process) {
    this.process = process;
  }

  static void assumeInstalled() {
    Assumptions.assumeTrue(QemuProcess.find().isPresent(),
        BINARY + " is not installed (Debian package qemu-system-misc): skipping the QEMU proof");
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
    return new Qemu(QemuProcess.start(cmd, dir.resolve("qemu-" + image.getFileName() + ".log")));
  }

  /** Waits for QEMU to exit by itself and returns its exit status. */
  int waitForExit(Duration timeout) throws IOException, InterruptedException {
    return process.waitForExit(timeout);
  }

  String log() throws IOException {
    return process.log();
  }

  @Override
  public void close() {
    process.close();
  }
}
