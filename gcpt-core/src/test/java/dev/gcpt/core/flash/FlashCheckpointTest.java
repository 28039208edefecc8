package dev.gcpt.core.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.RestorerGenerator;
import dev.gcpt.core.restorer.RestorerSpec;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import dev.gcpt.core.sample.SyntheticFlash;
import dev.gcpt.core.verify.BundleVerifier;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flash checkpoints in core: reading the flash, the merge into the memory window, the bundle's two images. */
class FlashCheckpointTest {
  @TempDir Path tmp;

  static final BundleBuilder.Target TARGET = new BundleBuilder.Target("wl/1000000", "_1000010_memory_.zstd",
      new BundleManifest.SimPoint("wl", "1000000", null, null));
  /** 4 MiB of flash here (NEMU's is 256 MiB): zeros past the first MiB. */
  static final long FLASH_LENGTH = 4L << 20;

  static SyntheticCheckpoint checkpoint(long seed) {
    // a boot restorer at 0, as NEMU's checkpoint flow starts the workload: a JAL and a size word
    byte[] boot = new byte[16];
    ByteBuffer.wrap(boot).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x0100006F).putInt(4, 16);
    return SyntheticCheckpoint.builder().seed(seed).imageLength(3L << 20).embeddedRestorer(boot).build();
  }

  static byte[] memory(SyntheticCheckpoint cp, Codec codec) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    SyntheticFlash.writeMemory(cp, o, codec);
    return o.toByteArray();
  }

  static byte[] flash(SyntheticCheckpoint cp, Codec codec) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    SyntheticFlash.writeFlash(cp, FLASH_LENGTH, o, codec);
    return o.toByteArray();
  }

  static BundleBuilder builder(String platform) {
    return new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named(platform), new BundleBuilder.Builtin(),
        ImageOptions.of(Codec.ZSTD, 0, 1, 1, false), 128, 1L << 34));
  }

  static BundleBuilder.Result build(BundleBuilder b, byte[] memory, byte[] flash, Path out) throws IOException {
    return b.build(new BundleBuilder.Source("set/wl/1000000/_1000010_memory_.zstd", "m" + memory.length),
        () -> new ByteArrayInputStream(memory),
        new BundleBuilder.FlashInput("set/wl/1000000/_1000010_flash_.zstd", "f" + flash.length,
            () -> new ByteArrayInputStream(flash)),
        TARGET, new LocalOutputFiles(out));
  }

  static byte[] decoded(Path file) throws IOException {
    try (InputStream in = DecodedStream.open(Files.newInputStream(file), file.toString(), 1L << 34)) {
      return in.readAllBytes();
    }
  }

  @Test
  void aFlashPointBecomesABundleWithAMemoryImageThatHoldsTheStateAndAFlashImageWithAnXipRestorer()
      throws IOException {
    SyntheticCheckpoint cp = checkpoint(7);
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    cp.writeRaw(whole);
    byte[] source = whole.toByteArray();
    Path out = tmp.resolve("out");
    BundleBuilder.Result r;
    try (BundleBuilder b = builder("nemu")) {
      r = build(b, memory(cp, Codec.ZSTD), flash(cp, Codec.GZIP), out);
    }
    BundleManifest m = r.manifest();
    assertEquals(BundleBuilder.Status.BUILT, r.status());
    assertEquals("0x10000000", m.flash().base());
    assertEquals("_1000010_flash_.zstd", m.flash().image().file());
    assertEquals("gz", m.flash().source().codec());
    assertEquals(FLASH_LENGTH, m.flash().source().rawLength());
    assertEquals("0x10000000", m.flash().restorer().parameters().get("executeInPlaceAt"));
    assertEquals(1, m.flash().image().frames());
    byte[] f = decoded(out.resolve("wl/1000000/_1000010_flash_.zstd"));
    assertEquals(0x10_0000, f.length, "the flash image is the first MiB of flash");
    byte[] xip = Files.readAllBytes(out.resolve(m.flash().restorer().file()));
    assertArrayEquals(xip, Arrays.copyOf(f, xip.length), "the XIP restorer at the flash base");
    assertEquals(m.flash().descriptor().hex(), java.util.HexFormat.of().formatHex(f, 0xEC000,
        0xEC000 + m.flash().descriptor().length()), "the descriptor at flash offset 0xEC000");
    // the state where NEMU put it (csr_reserve word 0 gets the hart count, as in every bundle)
    assertArrayEquals(Arrays.copyOfRange(source, 0xECDB0, 0xF5FF8), Arrays.copyOfRange(f, 0xECDB0, 0xF5FF8));
    byte[] mem = decoded(out.resolve("wl/1000000/_1000010_memory_.zstd"));
    assertArrayEquals(Arrays.copyOfRange(source, 0xECDB0, 0xF5FF8), Arrays.copyOfRange(mem, 0xECDB0, 0xF5FF8),
        "the memory image holds the state in its window");
    assertArrayEquals(Arrays.copyOfRange(source, 0x100000, source.length),
        Arrays.copyOfRange(mem, 0x100000, source.length), "the rest of DRAM is the source's");
    byte[] dram = Files.readAllBytes(out.resolve(m.restorer().file()));
    assertArrayEquals(dram, Arrays.copyOf(mem, dram.length), "the DRAM restorer at 0");
    assertNotEquals(m.restorer().sha256(), m.flash().restorer().sha256());
    assertTrue(m.commands().get("xiangshan-emu-flash").contains("-F 'wl/1000000/_1000010_flash_.zstd'"),
        m.commands().toString());
    assertTrue(m.commands().get("nemu-flash").contains("--flash-image 'wl/1000000/_1000010_flash_.zstd'"),
        m.commands().toString());
    BundleVerifier.Result v = new BundleVerifier(dev.gcpt.core.io.Store.local()).verify(
        out.resolve("wl/1000000").toString());
    assertTrue(v.ok(), v.line());

    // the same inputs again: up to date; elsewhere: the same bytes
    try (BundleBuilder b = builder("nemu")) {
      assertEquals(BundleBuilder.Status.UP_TO_DATE, build(b, memory(cp, Codec.ZSTD), flash(cp, Codec.GZIP), out)
          .status());
      build(b, memory(cp, Codec.ZSTD), flash(cp, Codec.GZIP), tmp.resolve("again"));
    }
    for (String file : new String[] {"wl/1000000/_1000010_memory_.zstd", "wl/1000000/_1000010_flash_.zstd",
        "wl/1000000/bundle.json"}) {
      assertArrayEquals(Files.readAllBytes(out.resolve(file)), Files.readAllBytes(tmp.resolve("again").resolve(file)),
          file);
    }
  }

  @Test
  void anotherPlatformRegeneratesBothImagesFromTheBundleAlone() throws IOException {
    SyntheticCheckpoint cp = checkpoint(8);
    Path out = tmp.resolve("out");
    byte[] memory = memory(cp, Codec.ZSTD);
    byte[] flash = flash(cp, Codec.ZSTD);
    BundleManifest before;
    try (BundleBuilder b = builder("nemu")) {
      before = build(b, memory, flash, out).manifest();
    }
    BundleBuilder.Result r;
    try (BundleBuilder b = builder("gem5")) { // no Sstc: another restorer than nemu's
      // the sources are gone: regeneration reads the bundle's own images
      r = b.build(new BundleBuilder.Source("set/wl/1000000/_1000010_memory_.zstd", "m" + memory.length),
          () -> { throw new java.io.FileNotFoundException("gone"); },
          new BundleBuilder.FlashInput("set/wl/1000000/_1000010_flash_.zstd", "f" + flash.length,
              () -> { throw new java.io.FileNotFoundException("gone"); }),
          TARGET, new LocalOutputFiles(out));
    }
    assertEquals(BundleBuilder.Status.REGENERATED, r.status());
    BundleManifest m = r.manifest();
    assertNotEquals(before.flash().restorer().sha256(), m.flash().restorer().sha256());
    assertEquals("gem5", m.flash().restorer().parameters().get("platform"));
    assertEquals(before.flash().source(), m.flash().source(), "the flash source carries over");
    byte[] f = decoded(out.resolve("wl/1000000/_1000010_flash_.zstd"));
    byte[] xip = Files.readAllBytes(out.resolve(m.flash().restorer().file()));
    assertArrayEquals(xip, Arrays.copyOf(f, xip.length));
    BundleVerifier.Result v = new BundleVerifier(dev.gcpt.core.io.Store.local()).verify(
        out.resolve("wl/1000000").toString());
    assertTrue(v.ok(), v.line());
  }

  @Test
  void whatCannotBeBundledFailsNamingTheOffset() throws IOException {
    SyntheticCheckpoint cp = checkpoint(9);
    byte[] memory = memory(cp, Codec.RAW);
    byte[] flash = flash(cp, Codec.RAW);
    // data past the first MiB of flash
    byte[] late = flash.clone();
    late[0x123458] = 1;
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> build(builder("nemu"), memory, late, tmp.resolve("a")));
    assertTrue(e.getMessage().contains("offset 0x123458"), e.getMessage());
    // no state in the flash
    byte[] empty = new byte[(int) FLASH_LENGTH];
    e = assertThrows(CheckpointException.class, () -> build(builder("nemu"), memory, empty, tmp.resolve("b")));
    assertEquals(CheckpointException.Reason.NOT_A_CHECKPOINT, e.reason());
    assertTrue(e.getMessage().contains("--store-cpt-in-flash"), e.getMessage());
    // DRAM where the state goes is not free
    byte[] used = memory.clone();
    used[0xF0000] = 5;
    e = assertThrows(CheckpointException.class, () -> build(builder("nemu"), used, flash, tmp.resolve("c")));
    assertTrue(e.getMessage().contains("DRAM offset 0xf0000 holds 0x5"), e.getMessage());
    // no restorer at 0: the window is not known to be reserved
    byte[] noBoot = memory.clone();
    Arrays.fill(noBoot, 0, 16, (byte) 0x13);
    e = assertThrows(CheckpointException.class, () -> build(builder("nemu"), noBoot, flash, tmp.resolve("d")));
    assertTrue(e.getMessage().contains("word 0 is 0x13131313"), e.getMessage());
  }

  @Test
  void theXipRestorerWritesNothingOfItsOwnAndRefusesMoreThanOneHart() {
    PlatformProfile xip = PlatformProfile.named("nemu").inFlashAt(FlashCheckpoint.FLASH_BASE);
    byte[] code = RestorerGenerator.generate(spec(xip, 1)).bytes();
    ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0x74446073, b.getInt(8), "csrrsi x0, mnstatus, 8 first (smrnmi)");
    int descriptorAt = code.length - 8 - 4 - 100; // the data at the end: not instructions
    for (int at = 8; at < descriptorAt; at += 4) {
      int w = b.getInt(at);
      assertNotEquals(0x2F, w & 0x7F, "no AMO (the barrier) at 0x" + Integer.toHexString(at));
      assertTrue((w & 0x7F) != 0x07 || ((w >>> 12) & 7) != 0, "no vector load from flash at 0x"
          + Integer.toHexString(at));
    }
    byte[] dram = RestorerGenerator.generate(spec(PlatformProfile.named("nemu"), 1)).bytes();
    assertNotEquals(0x74446073, ByteBuffer.wrap(dram).order(ByteOrder.LITTLE_ENDIAN).getInt(8),
        "a restorer in DRAM leaves mnstatus alone");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RestorerGenerator.generate(spec(xip, 2)));
    assertTrue(e.getMessage().contains("one hart only"), e.getMessage());
  }

  static RestorerSpec spec(PlatformProfile p, int harts) {
    return RestorerSpec.forVariant(harts == 1 ? dev.gcpt.core.layout.Variant.V1 : dev.gcpt.core.layout.Variant.V2,
        harts, p);
  }

  @Test
  void theFlashFileIsNamedAfterTheMemoryImage() {
    assertEquals("_77_0.310000_flash_.zstd", FlashCheckpoint.flashFileName("_77_0.310000_memory_.zstd"));
    assertEquals("_2000132_flash_.gz", FlashCheckpoint.flashFileName("_2000132_memory_.gz"));
    assertEquals("cpt.flash.zstd", FlashCheckpoint.flashFileName("cpt.zstd"));
  }

  @Test
  void theProfileReadsAndWritesXipBaseAndSmrnmi() throws IOException {
    PlatformProfile xip = PlatformProfile.named("xiangshan").inFlashAt(0x1000_0000L);
    assertTrue(xip.smrnmi());
    assertEquals(xip, PlatformProfile.resolve(xip.toPropertiesText()));
    // a DRAM profile's text (part of bundle recipes) does not mention them
    assertTrue(!PlatformProfile.named("xiangshan").toString().contains("smrnmi"));
    assertThrows(IllegalArgumentException.class, () -> PlatformProfile.named("nemu").inFlashAt(0x8000_0000L));
  }
}
