package dev.gcpt.core.restorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.layout.Variant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Builds a valid LibCheckpoint-style image, then breaks one field at a time. */
class ExternalRestorerTest {

  /** jal x0, +entry; size; ...; 0xCAFF as the last word within size (LibCheckpoint). */
  static byte[] libCheckpointStyle(int size, int fileLength) {
    ByteBuffer b = ByteBuffer.allocate(fileLength).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x0100006F); // jal x0, +0x10
    b.putInt(4, size);
    b.putInt(size - 4, 0xCAFF);
    return b.array();
  }

  @Test
  void acceptsTheFlagAsTheLastWordAndSaysSo() {
    ExternalRestorer.Report r = ExternalRestorer.validate(libCheckpointStyle(0x800, 0x800), "lib.bin");
    assertEquals(0x800, r.size());
    assertEquals(0x10, r.entry());
    assertEquals(ExternalRestorer.FlagPlacement.LAST_WORD, r.flag());
    assertEquals(0x7FC, r.flagOffset());
    assertEquals(EnumSet.of(Variant.V0, Variant.V1, Variant.V2, Variant.V3), r.variants());
    assertTrue(r.describe().contains("size-4, LibCheckpoint style"), r.describe());
  }

  @Test
  void aRestorerLargerThanV0sWindowRestoresOnlyV1ToV3() {
    ExternalRestorer.Report r = ExternalRestorer.validate(libCheckpointStyle(0x1000, 0x1200), "big.bin");
    assertEquals(EnumSet.of(Variant.V1, Variant.V2, Variant.V3), r.variants());
    assertTrue(r.describe().contains("512 bytes after size"), r.describe());
  }

  @Test
  void rejectsEachBrokenField() {
    byte[] notJal = libCheckpointStyle(0x800, 0x800);
    notJal[0] = 0x13;
    assertRejected(notJal, "offset 0x0", "0x01000013");

    byte[] linking = libCheckpointStyle(0x800, 0x800);
    linking[0] = (byte) 0xEF; // jal ra
    assertRejected(linking, "offset 0x0", "x1");

    byte[] sizeTooBig = libCheckpointStyle(0x800, 0x800);
    ByteBuffer.wrap(sizeTooBig).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0x900);
    assertRejected(sizeTooBig, "offset 0x4", "0x900");

    byte[] noFlag = libCheckpointStyle(0x800, 0x800);
    noFlag[0x7FC] = 0;
    assertRejected(noFlag, "offset 0x7fc", "0xcaff");

    byte[] huge = libCheckpointStyle(0xEC004, 0xEC004);
    assertRejected(huge, "offset 0x4", "0xec004");

    assertRejected(new byte[4], "offset 0x0", "4 bytes");

    byte[] jumpsOut = libCheckpointStyle(0x10, 0x10);
    assertRejected(jumpsOut, "offset 0x0", "0x10");
  }

  private static void assertRejected(byte[] bytes, String... needles) {
    RestorerException e = assertThrows(RestorerException.class, () -> ExternalRestorer.validate(bytes, "x.bin"));
    assertTrue(e.getMessage().startsWith("x.bin: "), e.getMessage());
    for (String n : needles) {
      assertTrue(e.getMessage().contains(n), () -> "'" + e.getMessage() + "' should contain " + n);
    }
  }
}
