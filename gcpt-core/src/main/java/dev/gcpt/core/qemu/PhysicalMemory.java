package dev.gcpt.core.qemu;

import java.io.IOException;

/** Reads guest physical memory (RAM or device registers) without side effects on the guest's MMU. */
public interface PhysicalMemory {
  /** {@code count} little-endian values of {@code width} bytes (1, 2, 4 or 8) from {@code address}. */
  long[] readPhysical(long address, int count, int width) throws IOException;

  default long u64(long address) throws IOException {
    return readPhysical(address, 1, 8)[0];
  }

  default long u32(long address) throws IOException {
    return readPhysical(address, 1, 4)[0];
  }

  default int u8(long address) throws IOException {
    return (int) readPhysical(address, 1, 1)[0];
  }
}
