package dev.gcpt.core.descriptor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DescriptorTest {
  /** The 98 bytes NEMU writes at offset 0 (checkpoint-formats.md §3, V3). */
  static final byte[] NEMU_98 = HexFormat.of().parseHex(
      "08effdb6f50d10a801180128808040308584908102" + "00"
      + "58b09b3b60b89b3b68c09b3b70c89b3b78d09b3b8001d89b3b"
      + "8801e09b3b9001e0bb3b9801e0bd3ba001e8bd3ba801e8bf3b"
      + "b001f0bf3bb801f0bf3dc001f8bf3dc801f8bf3fd001f8ff3f" + "00");

  static final Descriptor NEMU = new Descriptor(Offsets.HEADER_MAGIC, 0xA8, 1, 0x100000,
      Offsets.VERSION_NEMU, StateLayout.RVGCVH);

  @Test
  void encodesNemuBytesExactly() {
    assertEquals(98, NEMU_98.length);
    assertArrayEquals(NEMU_98, NEMU.encode());
  }

  @Test
  void decodesNemuBytes() {
    Descriptor.Decoded d = Descriptor.decode(NEMU_98, 0, NEMU_98.length);
    assertEquals(NEMU, d.descriptor());
    assertEquals(98, d.length());
    assertEquals(0xEDDE0, d.descriptor().layout().intRegs());
    assertEquals(0xA8 + 0x100000, d.descriptor().coreBase(1));
  }

  @Test
  void decodesAtAnOffsetInsideALargerBuffer() {
    byte[] buf = new byte[300];
    System.arraycopy(NEMU_98, 0, buf, 100, 98);
    assertEquals(NEMU, Descriptor.decode(buf, 100, buf.length).descriptor());
  }

  @Test
  void rejectsWrongMagicNamingTheValue() {
    byte[] bad = NEMU_98.clone();
    bad[1] = (byte) 0xEE;
    DescriptorException e = assertThrows(DescriptorException.class, () -> Descriptor.decode(bad, 0, bad.length));
    assertTrue(e.getMessage().contains("0xdeadbeee"), e.getMessage());
    assertEquals(0, e.offset());
  }

  @Test
  void rejectsMissingTerminator() {
    byte[] cut = java.util.Arrays.copyOf(NEMU_98, 21);
    DescriptorException e = assertThrows(DescriptorException.class, () -> Descriptor.decode(cut, 0, cut.length));
    assertTrue(e.getMessage().contains("terminator"), e.getMessage());
  }

  @Test
  void rejectsInvalidWireType() {
    byte[] bad = NEMU_98.clone();
    bad[0] = 0x0F; // field 1, wire type 7
    DescriptorException e = assertThrows(DescriptorException.class, () -> Descriptor.decode(bad, 0, bad.length));
    assertTrue(e.getMessage().contains("wire type 7"), e.getMessage());
  }

  @Test
  void rejectsCpuNumOutOfRange() {
    byte[] header = dev.gcpt.proto.checkpoint_header.newBuilder().setMagicNumber(Offsets.HEADER_MAGIC)
        .setCpuNum(129).setSingleCoreSize(0x100000).build().toByteArray();
    byte[] enc = new byte[header.length + 2];
    System.arraycopy(header, 0, enc, 0, header.length);
    DescriptorException e = assertThrows(DescriptorException.class, () -> Descriptor.decode(enc, 0, enc.length));
    assertTrue(e.getMessage().contains("cpu_num 129"), e.getMessage());
  }

  @Test
  void roundTripsEveryLayout() {
    for (StateLayout l : new StateLayout[] {StateLayout.RVGCVH, StateLayout.COMPACT}) {
      Descriptor d = new Descriptor(Offsets.HEADER_MAGIC, 0x1000, 4, 0x100000, Offsets.VERSION_QEMU, l);
      byte[] enc = d.encode();
      assertEquals(d, Descriptor.decode(enc, 0, enc.length).descriptor());
      assertEquals(enc.length, Descriptor.decode(enc, 0, enc.length).length());
    }
  }
}
