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
    assertEquals(ExternalRestorer.Kind.UNKNOWN, r.kind());
    assertTrue(r.describe().contains("flag        0xcaff at 0x7fc (size-4)"), r.describe());
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

  @Test
  void recognizesLibCheckpointAlphaWithItsFlagBeforeZeroPadding() {
    byte[] file = UpstreamRestorers.libCheckpointAlpha();
    ExternalRestorer.Report r = ExternalRestorer.validate(file, "alpha.bin");
    assertEquals(ExternalRestorer.Kind.LIBCHECKPOINT_ALPHA, r.kind());
    assertEquals(0xC00, r.size());
    assertEquals(0x20, r.entry());
    assertEquals(ExternalRestorer.FlagPlacement.PADDED, r.flag());
    assertEquals(0x8B0, r.flagOffset());
    assertEquals(EnumSet.of(Variant.V1), r.variants());
    assertTrue(r.restores(Variant.V1, 1));
    assertTrue(!r.restores(Variant.V1, 2) && !r.restores(Variant.V2, 1) && !r.restores(Variant.V3, 1));
    assertEquals(UpstreamRestorers.ALPHA_FILE_LENGTH, r.fileLength());
    assertEquals(Restorer.sha256Hex(java.util.Arrays.copyOf(file, 0xC00)), r.sha256(), "hash of size bytes only");
    assertTrue(r.notRestored().get(0).contains("vxrm, vxsat"), r.notRestored().toString());
    String d = r.describe();
    assertTrue(d.contains("kind        LibCheckpointAlpha"), d);
    assertTrue(d.contains("flag        0xcaff at 0x8b0 (then zero padding up to size)"), d);
    assertTrue(d.contains("works for   V1 images only, one hart"), d);
    assertTrue(d.contains("1045528 bytes after size"), d);
  }

  @Test
  void aFlagFollowedByAnythingButZerosIsNoFlag() {
    byte[] file = UpstreamRestorers.libCheckpointAlpha();
    ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(0xBF0, 0x13);
    assertRejected(file, "offset 0xbf0", "last non-zero word below size 0xc00 is 0x13");
    assertEquals(-1, ExternalRestorer.flagOffset(file, 0xC00));
  }

  @Test
  void refusesLibCheckpointInProtobufModeInOneLine() {
    RestorerException e = assertThrows(RestorerException.class,
        () -> ExternalRestorer.validate(UpstreamRestorers.libCheckpoint(true), "lc.bin"));
    assertEquals("lc.bin: offset 0x8: LibCheckpoint built in protobuf mode decodes the checkpoint header at its own"
        + " load address (offset 0), where a gcpt image holds the restorer (the descriptor is at 0xec000, V0"
        + " 0x7f000): it restores none of gcpt's images; use the built-in restorer, LibCheckpointAlpha or a"
        + " LibCheckpoint built with --mode=bare_metal", e.getMessage());
    assertEquals(ExternalRestorer.Kind.LIBCHECKPOINT_PROTOBUF,
        ExternalRestorer.kind(UpstreamRestorers.libCheckpoint(true), UpstreamRestorers.LIBCHECKPOINT_SIZE));
  }

  @Test
  void libCheckpointWithAFixedLayoutUsesItsSizeWordNotItsFileLength() {
    ExternalRestorer.Report r = ExternalRestorer.validate(UpstreamRestorers.libCheckpoint(false), "fixed.bin");
    assertEquals(ExternalRestorer.Kind.LIBCHECKPOINT_FIXED, r.kind());
    assertEquals(557_088, r.size());
    assertEquals(1_048_584, r.fileLength());
    assertEquals(ExternalRestorer.FlagPlacement.SECOND_TO_LAST_WORD, r.flag());
    assertEquals(EnumSet.of(Variant.V1, Variant.V2), r.variants());
    assertTrue(r.notRestored().get(0).contains("fcsr"), r.notRestored().toString());
  }

  @Test
  void recognizesGcptRestorersAndTheSpecTheyWereMadeFrom() {
    RestorerSpec v1 = RestorerSpec.forVariant(Variant.V1, 1, PlatformProfile.named("xiangshan"));
    ExternalRestorer.Report r = ExternalRestorer.validate(RestorerGenerator.generate(v1).bytes(), "v1.bin");
    assertEquals(ExternalRestorer.Kind.GCPT, r.kind());
    assertEquals(EnumSet.of(Variant.V1), r.variants());
    assertEquals(java.util.OptionalInt.of(1), r.harts());
    assertEquals("V1 images with 1 hart(s), descriptor at 0xec000 (checked at boot, trap 3 otherwise); platform"
        + " xiangshan (CLINT 0x38000000), payload at 0x100000, VLEN 128, F on, V on, H off", r.worksFor());
    assertEquals(v1.notRestored(), r.notRestored());

    RestorerSpec v2 = RestorerSpec.forVariant(Variant.V2, 4, PlatformProfile.named("qemu-virt")).withHypervisor(true)
        .withVector(false);
    ExternalRestorer.Report r2 = ExternalRestorer.validate(RestorerGenerator.generate(v2).bytes(), "v2.bin");
    assertEquals(EnumSet.of(Variant.V2), r2.variants());
    assertTrue(r2.restores(Variant.V2, 4) && !r2.restores(Variant.V2, 2), "a V2 restorer is made for its hart count");
    assertTrue(r2.worksFor().endsWith("platform qemu-virt (CLINT 0x2000000), payload at 0x100000, VLEN 128, F on,"
        + " V off, H on"), r2.worksFor());

    RestorerSpec odd = RestorerSpec.forVariant(Variant.V3, 1, PlatformProfile.named("nemu")).withVlen(256);
    ExternalRestorer.Report r3 = ExternalRestorer.validate(RestorerGenerator.generate(odd).bytes(), "v3.bin");
    assertEquals(EnumSet.of(Variant.V3), r3.variants());
    assertTrue(r3.worksFor().endsWith("not a built-in profile's with default payload position and VLEN 128"),
        r3.worksFor());
  }
}
