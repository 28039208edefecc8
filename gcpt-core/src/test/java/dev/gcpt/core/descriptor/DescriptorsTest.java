package dev.gcpt.core.descriptor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DescriptorsTest {

  /** The 98 bytes NEMU writes at offset 0 of a V3 checkpoint (checkpoint-formats.md §3). */
  static final String NEMU_V3_BYTES =
      "08effdb6f50d10a801180128808040308584908102" + "00"
      + "58b09b3b60b89b3b68c09b3b70c89b3b78d09b3b8001d89b3b"
      + "8801e09b3b9001e0bb3b9801e0bd3ba001e8bd3ba801e8bf3b"
      + "b001f0bf3bb801f0bf3dc001f8bf3dc801f8bf3fd001f8ff3f00";

  @Test
  void encodesNemusNinetyEightBytesExactlyAndDecodesThemBack() {
    byte[] want = HexFormat.of().parseHex(NEMU_V3_BYTES);
    assertEquals(98, want.length);
    Descriptor d = Descriptors.nemuV3Header();
    assertArrayEquals(want, d.encode());
    Descriptor.Decoded back = Descriptor.decode(want, 0, want.length);
    assertEquals(98, back.length());
    assertEquals(d, back.descriptor());
    assertEquals(0xDEADBEEFL, back.descriptor().magic());
    assertEquals(0xA8, back.descriptor().cptOffset());
    assertEquals(1, back.descriptor().cpuNum());
    assertEquals(0x100000, back.descriptor().singleCoreSize());
    assertEquals(0x20240205L, back.descriptor().version());
    assertEquals(StateLayout.RVGCVH, back.descriptor().layout());
  }

  /** Absolute DRAM offset of a layout field of hart {@code hart}, decoded from the bytes. */
  private static long absolute(Variant v, int harts, int hart, java.util.function.ToLongFunction<StateLayout> field) {
    byte[] bytes = Descriptors.forVariant(v, harts).encode();
    Descriptor d = Descriptor.decode(bytes, 0, bytes.length).descriptor();
    assertEquals(harts, d.cpuNum());
    return Descriptors.descriptorOffset(v) + d.coreBase(hart) + field.applyAsLong(d.layout());
  }

  @Test
  void v1DecodesToTheV1Offsets() {
    assertEquals(0xEC000, Descriptors.descriptorOffset(Variant.V1));
    assertEquals(0xECDB0, absolute(Variant.V1, 1, 0, StateLayout::magic));
    assertEquals(0xECDB8, absolute(Variant.V1, 1, 0, StateLayout::pc));
    assertEquals(0xEDDE0, absolute(Variant.V1, 1, 0, StateLayout::intRegs));
    assertEquals(0xEDEE8, absolute(Variant.V1, 1, 0, StateLayout::floatRegs));
    assertEquals(0xEDFF0, absolute(Variant.V1, 1, 0, StateLayout::csrs));
    assertEquals(0xF5FF8, absolute(Variant.V1, 1, 0, StateLayout::csrReserve));
    assertEquals(0xFDFF8, absolute(Variant.V1, 1, 0, StateLayout::vectorRegs));
    Descriptor d = Descriptors.forVariant(Variant.V1, 1);
    assertEquals(0, d.cptOffset());
    assertEquals(0xDB0, d.layout().magic());
    assertEquals(0xDB8, d.layout().pc());
  }

  @Test
  void v2DecodesToOneMebibyteBlocksFrom0x300000() {
    Descriptor d = Descriptors.forVariant(Variant.V2, 4);
    assertEquals(0x300000, d.cptOffset());
    assertEquals(0x100000, d.singleCoreSize());
    assertEquals(0x3ECDB0, absolute(Variant.V2, 4, 0, StateLayout::magic));
    assertEquals(0x4ECDB0, absolute(Variant.V2, 4, 1, StateLayout::magic));
    assertEquals(0x6ECDB0, absolute(Variant.V2, 4, 3, StateLayout::magic));
    assertEquals(0x6EDDE0, absolute(Variant.V2, 4, 3, StateLayout::intRegs));
    // hart i's mtimecmp is at core_i_base + mtime_cmp_cpt_addr + 8i (the QEMU V2 quirk)
    assertEquals(0x5ECDD0, absolute(Variant.V2, 4, 2, StateLayout::mtimecmp));
  }

  @Test
  void v3DecodesToNemusShiftedOffsets() {
    assertEquals(0xECE58, absolute(Variant.V3, 1, 0, StateLayout::magic));
    assertEquals(0xEDE88, absolute(Variant.V3, 1, 0, StateLayout::intRegs));
  }

  @Test
  void v0DecodesToTheCompactLayoutBelowTheV0Payload() {
    assertEquals(0x7F000, Descriptors.descriptorOffset(Variant.V0));
    assertEquals(0x80000, absolute(Variant.V0, 1, 0, StateLayout::magic));
    assertEquals(0x80008, absolute(Variant.V0, 1, 0, StateLayout::pc));
    assertEquals(0x81000, absolute(Variant.V0, 1, 0, StateLayout::intRegs));
    assertEquals(0x81238, absolute(Variant.V0, 1, 0, StateLayout::csrs));
    assertEquals(0x91240, absolute(Variant.V0, 1, 0, StateLayout::vectorRegs));
    Descriptor d = Descriptors.forVariant(Variant.V0, 1);
    assertTrue(Offsets.V0_COMPACT_BASE + d.layout().end(128) <= Offsets.V0_PAYLOAD);
  }

  @Test
  void rejectsHartCountsTheVariantCannotHold() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Descriptors.forVariant(Variant.V1, 2));
    assertTrue(e.getMessage().contains("V1") && e.getMessage().contains("2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Descriptors.forVariant(Variant.V2, 129));
    assertTrue(e.getMessage().contains("129"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Descriptors.forVariant(Variant.V2, 0));
    assertTrue(e.getMessage().contains("0"), e.getMessage());
  }
}
