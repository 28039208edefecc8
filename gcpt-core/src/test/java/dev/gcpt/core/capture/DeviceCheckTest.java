package dev.gcpt.core.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gcpt.core.qemu.PhysicalMemory;
import dev.gcpt.core.qemu.Qmp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceCheckTest {
  /** Physical memory that reads 0 except where set; also counts the addresses read. */
  static final class FakeMemory implements PhysicalMemory {
    final Map<Long, Long> values = new HashMap<>();

    @Override
    public long[] readPhysical(long address, int count, int width) {
      long[] out = new long[count];
      for (int i = 0; i < count; i++) {
        out[i] = values.getOrDefault(address + (long) i * width, 0L);
      }
      return out;
    }
  }

  static final Qmp.PciDevice HOST = new Qmp.PciDevice(0, 0, 0, 0x0600, "Host bridge");

  static FakeMemory quietVirt() {
    FakeMemory m = new FakeMemory();
    for (int i = 0; i < DeviceCheck.VIRTIO_SLOTS; i++) {
      m.values.put(DeviceCheck.VIRTIO_MMIO + DeviceCheck.VIRTIO_STRIDE * i, (long) DeviceCheck.VIRTIO_MAGIC);
    }
    m.values.put(DeviceCheck.UART + DeviceCheck.UART_LCR, 0x03L);
    m.values.put(DeviceCheck.UART + DeviceCheck.UART_LSR, 0x60L);
    return m;
  }

  @Test
  void aQuietMachineHasNoProblems() throws Exception {
    assertEquals(List.of(), DeviceCheck.problems(quietVirt(), List.of(HOST), 2));
  }

  @Test
  void aPendingIpiIsCarriedNotRefused() throws Exception {
    FakeMemory m = quietVirt();
    m.values.put(0x0200_0004L, 1L); // CLINT msip of hart 1: saved as mip.MSIP, written back by the restorer
    assertEquals(List.of(), DeviceCheck.problems(m, List.of(HOST), 2));
  }

  @Test
  void everyRuleNamesTheDeviceAndAddress() throws Exception {
    FakeMemory m = quietVirt();
    m.values.put(DeviceCheck.PLIC_PENDING, 1L << 10);
    m.values.put(DeviceCheck.PLIC_ENABLE + 3 * DeviceCheck.PLIC_CONTEXT_STRIDE, 1L << 1);
    long blk = DeviceCheck.VIRTIO_MMIO + DeviceCheck.VIRTIO_STRIDE * 7;
    m.values.put(blk + DeviceCheck.VIRTIO_DEVICE_ID, 2L);
    m.values.put(blk + DeviceCheck.VIRTIO_STATUS, 0xFL);
    m.values.put(DeviceCheck.VIRTIO_MMIO + DeviceCheck.VIRTIO_DEVICE_ID, 1L); // present, never driven: fine
    m.values.put(DeviceCheck.UART + DeviceCheck.UART_IER, 0x01L);
    m.values.put(DeviceCheck.UART + DeviceCheck.UART_LSR, 0x61L);
    List<String> p = DeviceCheck.problems(m, List.of(HOST, new Qmp.PciDevice(0, 1, 0, 0x0200, "Ethernet controller")), 2);
    assertEquals(List.of(
        "PLIC: interrupt sources [10] are pending (0xc001000 = 0x00000400)",
        "PLIC: context 3 (hart 1 S-mode) has sources [1] enabled (0xc002180 = 0x00000002); a restored PLIC starts"
            + " with every source disabled",
        "virtio-mmio at 0x10008000: device id 2 was set up by a driver (status 0xf); its queues and configuration"
            + " live in QEMU, not in guest RAM",
        "UART at 0x10000000: interrupts enabled (IER 0x01): an interrupt-driven driver's device state is not carried",
        "UART at 0x10000000: received input the guest has not read yet (LSR 0x61) would be lost",
        "PCI: 00:01.0 Ethernet controller (class 0x0200) is present; PCI device state is not carried"), p);
  }
}
