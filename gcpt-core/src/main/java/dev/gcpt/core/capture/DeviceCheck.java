package dev.gcpt.core.capture;

import dev.gcpt.core.qemu.PhysicalMemory;
import dev.gcpt.core.qemu.Qmp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds device state a checkpoint cannot carry on QEMU's {@code virt} machine. A gcpt checkpoint
 * holds guest RAM, the harts' architectural state and the CLINT (mtime, mtimecmp, and msip as
 * mip.MSIP, which the restorer writes back); a
 * restored machine's devices start from reset. Each rule below names state that would be lost
 * and change what the guest sees; reads are side-effect free except the UART's LSR (its error
 * bits clear on read).
 *
 * <pre>
 * device             address (virt)                rule: refuse when
 * PLIC pending       0x0C00_1000 (128 sources)     any source pending
 * PLIC enable[ctx]   0x0C00_2000 + 0x80*ctx        any source enabled in any M/S context
 * virtio-mmio[i]     0x1000_1000 + 0x1000*i, i<8   a device is present (id != 0) and a driver set its status
 * UART 16550         0x1000_0000                   IER != 0 (interrupt-driven driver) or LSR.DR (unread input)
 * PCI                query-pci                     any function other than the host bridge
 * </pre>
 */
public final class DeviceCheck {
  private DeviceCheck() {}

  public static final long PLIC_PENDING = 0x0C00_1000L;
  public static final long PLIC_ENABLE = 0x0C00_2000L;
  public static final long PLIC_CONTEXT_STRIDE = 0x80;
  /** M and S context per hart on virt. */
  public static final int PLIC_CONTEXTS_PER_HART = 2;
  /** Words of pending / enable bits read: 128 sources (virt has 95). */
  public static final int PLIC_WORDS = 4;
  public static final long UART = 0x1000_0000L;
  public static final int UART_IER = 1;
  public static final int UART_LCR = 3;
  public static final int UART_LSR = 5;
  public static final int LCR_DLAB = 0x80;
  public static final int LSR_DR = 0x01;
  public static final long VIRTIO_MMIO = 0x1000_1000L;
  public static final long VIRTIO_STRIDE = 0x1000;
  public static final int VIRTIO_SLOTS = 8;
  public static final int VIRTIO_MAGIC = 0x7472_6976; // "virt"
  public static final int VIRTIO_DEVICE_ID = 0x008;
  public static final int VIRTIO_STATUS = 0x070;

  /** The problems found on a machine with {@code harts} harts; empty when the capture is safe. */
  public static List<String> problems(PhysicalMemory mem, List<Qmp.PciDevice> pci, int harts) throws IOException {
    List<String> out = new ArrayList<>();
    long[] pending = mem.readPhysical(PLIC_PENDING, PLIC_WORDS, 4);
    for (int w = 0; w < PLIC_WORDS; w++) {
      if (pending[w] != 0) {
        out.add(String.format("PLIC: interrupt sources %s are pending (0x%x = 0x%08x)", sources(w, pending[w]),
            PLIC_PENDING + 4L * w, pending[w]));
      }
    }
    for (int ctx = 0; ctx < harts * PLIC_CONTEXTS_PER_HART; ctx++) {
      long base = PLIC_ENABLE + PLIC_CONTEXT_STRIDE * ctx;
      long[] en = mem.readPhysical(base, PLIC_WORDS, 4);
      for (int w = 0; w < PLIC_WORDS; w++) {
        if (en[w] != 0) {
          out.add(String.format("PLIC: context %d (hart %d %s-mode) has sources %s enabled (0x%x = 0x%08x);"
              + " a restored PLIC starts with every source disabled", ctx, ctx / 2, ctx % 2 == 0 ? "M" : "S",
              sources(w, en[w]), base + 4L * w, en[w]));
        }
      }
    }
    for (int i = 0; i < VIRTIO_SLOTS; i++) {
      long base = VIRTIO_MMIO + VIRTIO_STRIDE * i;
      long[] head = mem.readPhysical(base, 3, 4); // magic, version, device id
      if (head[0] != VIRTIO_MAGIC || head[2] == 0) {
        continue;
      }
      long status = mem.u32(base + VIRTIO_STATUS);
      if (status != 0) {
        out.add(String.format("virtio-mmio at 0x%x: device id %d was set up by a driver (status 0x%x); its queues"
            + " and configuration live in QEMU, not in guest RAM", base, head[2], status));
      }
    }
    int lcr = mem.u8(UART + UART_LCR);
    if ((lcr & LCR_DLAB) == 0) {
      int ier = mem.u8(UART + UART_IER);
      if (ier != 0) {
        out.add(String.format("UART at 0x%x: interrupts enabled (IER 0x%02x): an interrupt-driven driver's"
            + " device state is not carried", UART, ier));
      }
      int lsr = mem.u8(UART + UART_LSR);
      if ((lsr & LSR_DR) != 0) {
        out.add(String.format("UART at 0x%x: received input the guest has not read yet (LSR 0x%02x) would be lost",
            UART, lsr));
      }
    }
    for (Qmp.PciDevice d : pci) {
      if (d.classCode() != Qmp.PciDevice.HOST_BRIDGE) {
        out.add("PCI: " + d + " is present; PCI device state is not carried");
      }
    }
    return out;
  }

  private static String sources(int word, long bits) {
    List<Integer> s = new ArrayList<>();
    for (int b = 0; b < 32; b++) {
      if ((bits >>> b & 1) != 0) {
        s.add(word * 32 + b);
      }
    }
    return s.toString();
  }
}
