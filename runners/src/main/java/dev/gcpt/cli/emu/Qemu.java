package dev.gcpt.cli.emu;

import dev.gcpt.core.qemu.QemuProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code qemu-system-riscv64 -machine virt -bios none} run with a raw image loaded at
 * 0x8000_0000 (every hart starts there). Closing it kills QEMU ({@link QemuProcess}).
 */
public final class Qemu implements AutoCloseable {
  public static final String BINARY = QemuProcess.BINARY;
  /** The CPU every proof runs on: V with VLEN 128, H, Sstc (on by default in QEMU 7.2). */
  public static final String CPU = "rv64,v=true,vlen=128,h=true,sstc=true";
  public static final String MEMORY = "256M";

  private final QemuProcess process;

  private Qemu(QemuProcess process) {
    this.process = process;
  }

  /** Whether {@value #BINARY} is on the PATH (Debian package qemu-system-misc). */
  public static boolean installed() {
    return QemuProcess.find().isPresent();
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
    return launch(image, "virt", harts, cpu, memory, gdbSocket, dir,
        "-device", "loader,file=" + image + ",addr=0x80000000,force-raw=on");
  }

  /**
   * Starts QEMU with {@code image} as its RAM: a private copy-on-write mapping of the raw file
   * ({@code memory-backend-file}, {@code share=off}: the file is never written), so DRAM from
   * 0x8000_0000 is the image without copying it. The file must be exactly {@code memoryMib} MiB.
   * Unlike the generic loader, which reads a file with one read() and fails beyond 2 GiB, this
   * takes images of any size.
   */
  public static Qemu startMapped(Path image, int harts, String cpu, long memoryMib, Path gdbSocket, Path dir)
      throws IOException {
    return launch(image, "virt,memory-backend=ram0", harts, cpu, memoryMib + "M", gdbSocket, dir,
        "-object", "memory-backend-file,id=ram0,size=" + memoryMib + "M,mem-path=" + image + ",share=off");
  }

  /** {@code -machine machine -bios none} without consoles, {@code image} put in memory by {@code load}. */
  private static Qemu launch(Path image, String machine, int harts, String cpu, String memory, Path gdbSocket,
      Path dir, String... load) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(BINARY,
        "-machine", machine, "-bios", "none", "-nographic", "-monitor", "none", "-serial", "none",
        "-cpu", cpu, "-smp", Integer.toString(harts), "-m", memory));
    cmd.addAll(List.of(load));
    if (gdbSocket != null) {
      cmd.addAll(List.of("-chardev", "socket,id=gdb0,path=" + gdbSocket + ",server=on,wait=off",
          "-gdb", "chardev:gdb0", "-S"));
    }
    return new Qemu(QemuProcess.start(cmd, dir.resolve("qemu-" + image.getFileName() + ".log")));
  }

  /** Waits for QEMU to exit by itself and returns its exit status. */
  public int waitForExit(Duration timeout) throws IOException, InterruptedException {
    return process.waitForExit(timeout);
  }

  public String log() throws IOException {
    return process.log();
  }

  @Override
  public void close() {
    process.close();
  }
}
