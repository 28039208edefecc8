package dev.gcpt.core.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reserved window at DRAM offset W != 0 (firmware resident at DRAM start): the image is guest
 * DRAM from 0x8000_0000 with a V1/V2 checkpoint window at W. Reading, normalizing and bundling it
 * must give exactly the bytes below W unchanged followed by what the same checkpoint gives at
 * W = 0, with the same (position independent) restorer.
 */
class WindowBaseTest {
  private static final long W = 0x200000;
  private static final PlatformProfile QEMU = PlatformProfile.named("qemu-virt");
  private static final PlatformProfile QEMU_W = new PlatformProfile("qemu-virt-w", "test", QEMU.dramBase(),
      QEMU.dramSize(), QEMU.clintBase(), true, QEMU.exitDevice(), W);

  @TempDir Path dir;

  static byte[] prefix(long length) {
    byte[] p = new byte[(int) length];
    new Random(9).nextBytes(p); // resident firmware: anything but zeros
    return p;
  }

  static byte[] raw(SyntheticCheckpoint s) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    s.writeRaw(o);
    return o.toByteArray();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  static BundleBuilder.Options options(PlatformProfile p) {
    return new BundleBuilder.Options(p, new BundleBuilder.Builtin(),
        dev.gcpt.core.image.ImageOptions.of(Codec.ZSTD, 1, 1, 1, false), 128, 1L << 34);
  }

  static final BundleBuilder.Target TARGET = new BundleBuilder.Target("uboot/0", "uboot.zstd",
      new BundleManifest.SimPoint("uboot", "0", null, null));

  BundleBuilder.Result build(PlatformProfile p, byte[] src, Path out) throws IOException {
    return new BundleBuilder(options(p)).build(new BundleBuilder.Source("uboot.raw", "size=" + src.length),
        () -> new ByteArrayInputStream(src), TARGET, new LocalOutputFiles(out));
  }

  static byte[] decoded(Path image) throws IOException {
    try (InputStream in = Files.newInputStream(image); DecodedStream d = DecodedStream.open(in, image.toString(), 1L << 34)) {
      return d.readAllBytes();
    }
  }

  @Test
  void readerSeesTheSameHartsFromTheWindowBaseAndKeepsThePrefix() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).imageLength(0x600000).build();
    byte[] prefix = prefix(W);
    byte[] image = concat(prefix, raw(s));
    CheckpointReader.Options at = CheckpointReader.Options.DEFAULT.withWindowBase(W);
    try (OpenCheckpoint cp = CheckpointReader.open(new ByteArrayInputStream(image), "img", at)) {
      assertEquals(Variant.V2, cp.variant());
      assertEquals(s.harts(), cp.harts());
      assertEquals(W, cp.windowBase());
      assertArrayEquals(prefix, cp.prefix());
      assertEquals(0x300000, cp.coreBase(0), "core bases are relative to the window base");
      assertEquals(image.length, cp.drain(null));
    }
  }

  @Test
  void withoutTheWindowBaseOrBeforeItTheImageIsRefused() throws IOException {
    byte[] image = concat(prefix(W), raw(SyntheticCheckpoint.builder().imageLength(0x200000).build()));
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> CheckpointReader.open(new ByteArrayInputStream(image), "img", CheckpointReader.Options.DEFAULT));
    assertEquals(CheckpointException.Reason.NOT_A_CHECKPOINT, e.reason());
    CheckpointReader.Options at = CheckpointReader.Options.DEFAULT.withWindowBase(W);
    e = assertThrows(CheckpointException.class,
        () -> CheckpointReader.open(new ByteArrayInputStream(Arrays.copyOf(image, 0x1000)), "short", at));
    assertEquals(CheckpointException.Reason.TOO_SHORT, e.reason());
    assertEquals("short: image ends at 0x1000, before the window base 0x200000", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CheckpointReader.Options.DEFAULT.withWindowBase(0x1234));
  }

  @Test
  void bundleIsThePrefixFollowedByTheBundleOfTheWindowAtZero() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(Variant.V1).vectorState(true).imageLength(0x500000).build();
    byte[] plainSource = raw(s);
    byte[] prefix = prefix(W);
    BundleBuilder.Result plain = build(QEMU, plainSource, dir.resolve("plain"));
    BundleBuilder.Result windowed = build(QEMU_W, concat(prefix, plainSource), dir.resolve("windowed"));

    byte[] plainImage = decoded(dir.resolve("plain/uboot/0/uboot.zstd"));
    byte[] windowedImage = decoded(dir.resolve("windowed/uboot/0/uboot.zstd"));
    assertArrayEquals(concat(prefix, plainImage), windowedImage);
    assertEquals(plain.manifest().restorer().sha256(), windowed.manifest().restorer().sha256(),
        "the restorer is position independent: same bytes for any window base");
    assertEquals(W + plain.manifest().image().headRawLength(), windowed.manifest().image().headRawLength());

    BundleManifest m = windowed.manifest();
    assertEquals("0x2ec000", m.descriptor().offset());
    assertEquals("0xec000", plain.manifest().descriptor().offset());
    assertEquals("0x200000", m.restorer().parameters().get("windowBase"));
    assertEquals("0x80200000", m.restorer().parameters().get("startAddress"));
    assertTrue(m.commands().get("qemu").contains("-device loader,addr=0x80200000,cpu-num=0"), m.commands().get("qemu"));
    assertTrue(!plain.manifest().restorer().parameters().containsKey("windowBase"));

    dev.gcpt.core.verify.BundleVerifier.Result verified = new dev.gcpt.core.verify.BundleVerifier(
        dev.gcpt.core.io.Store.local()).verify(dir.resolve("windowed/uboot/0").toString());
    assertEquals(java.util.List.of(), verified.problems(), "the verifier finds the restorer at the window base");

    Path image = dir.resolve("windowed/uboot/0/uboot.zstd");
    try (InputStream in = Files.newInputStream(image);
        OpenCheckpoint cp = CheckpointReader.open(in, image.toString(), CheckpointReader.Options.DEFAULT.withWindowBase(W))) {
      assertEquals(s.harts(), cp.harts(), "a normalized windowed image reads back through its descriptor");
      assertEquals(m.restorer().sha256(), cp.embeddedRestorer().orElseThrow().sha256());
      assertEquals(0xEC000L, cp.normalizedDescriptorOffset().getAsLong());
    }
  }

  @Test
  void restorerChangeRegeneratesAndWindowChangeRebuilds() throws IOException {
    byte[] source = concat(prefix(W), raw(SyntheticCheckpoint.builder().imageLength(0x400000).build()));
    build(QEMU_W, source, dir);
    PlatformProfile noSstc = new PlatformProfile("qemu-virt-w", "test", QEMU.dramBase(), QEMU.dramSize(),
        QEMU.clintBase(), false, QEMU.exitDevice(), W);
    BundleBuilder.Result regen = build(noSstc, source, dir);
    assertEquals(BundleBuilder.Status.REGENERATED, regen.status());
    BundleBuilder.Result fresh = build(noSstc, source, dir.resolve("fresh"));
    assertArrayEquals(Files.readAllBytes(dir.resolve("fresh/uboot/0/uboot.zstd")), Files.readAllBytes(dir.resolve("uboot/0/uboot.zstd")));
    assertEquals(fresh.manifest().image(), regen.manifest().image());

    PlatformProfile otherWindow = noSstc.withWindowBase(2 * W);
    CheckpointException e = assertThrows(CheckpointException.class, () -> build(otherWindow, source, dir));
    assertEquals(CheckpointException.Reason.NOT_A_CHECKPOINT, e.reason(), "rebuilt from the source, not regenerated");
  }

  @Test
  void externalRestorersAreRefusedForAMovedWindow() throws IOException {
    byte[] source = concat(prefix(W), raw(SyntheticCheckpoint.builder().imageLength(0x200000).build()));
    byte[] gcpt = dev.gcpt.core.restorer.RestorerGenerator.generate(
        dev.gcpt.core.restorer.RestorerSpec.forVariant(Variant.V1, 1, QEMU)).bytes();
    BundleBuilder.Options o = new BundleBuilder.Options(QEMU_W, BundleBuilder.External.load("gcpt.bin", gcpt),
        dev.gcpt.core.image.ImageOptions.defaults(), 128, 1L << 34);
    CheckpointException e = assertThrows(CheckpointException.class, () -> new BundleBuilder(o).build(
        new BundleBuilder.Source("uboot.raw", "x"), () -> new ByteArrayInputStream(source), TARGET,
        new LocalOutputFiles(dir)));
    assertEquals(CheckpointException.Reason.BAD_RESTORER, e.reason());
    assertTrue(e.getMessage().contains("0x200000"), e.getMessage());
  }

  @Test
  void profileTextIsUnchangedForTheDefaultWindow() {
    // bundle recipes hash this text: W = 0 profiles must print as before windowBase existed
    assertEquals("PlatformProfile[name=qemu-virt, description=QEMU virt machine, dramBase=2147483648, dramSize=8589934592,"
        + " clintBase=33554432, sstc=true, exitDevice=OptionalLong[1048576]]", QEMU.toString());
    assertTrue(QEMU_W.toString().endsWith(", windowBase=2097152]"), QEMU_W.toString());
    assertEquals(new PlatformProfile("x", "x", 0x8000_0000L, 1L << 30, 0x200_0000L, false, OptionalLong.empty()),
        new PlatformProfile("x", "x", 0x8000_0000L, 1L << 30, 0x200_0000L, false, OptionalLong.empty(), 0));
  }
}
