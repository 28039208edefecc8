package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.bundle.OutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.image.Sha256;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of image gcpt writes, loaded by the XiangShan emu's own loader (difftest's
 * {@code readFromZstd} / {@code readFromGz}, through {@link EmuLoader}): each layout V0-V3, zstd
 * and gzip, single-frame zstd, a trimmed source (length not a multiple of 128 KiB), bundles whose
 * head was swapped in place and by copy, and bundles written by the command line. The loader must
 * return the image's length and leave exactly the bytes gcpt's own decoder reads in RAM.
 *
 * <p>Every image's length must also be a multiple of 128 KiB: the emu does not need it, but NEMU's
 * {@code load_zstd_img} asserts that every 128 KiB read is full (checkpoint-formats.md §4a), and
 * the same image goes to both.
 */
@Tag("e2e")
class EmuLoaderTest {
  static final long MIB = 1 << 20;
  /** The loaders' read unit: {@code chunk_size * sizeof(long)} in compress.cpp. */
  static final long LOAD_CHUNK = 128 << 10;
  /** A trimmed source (NEMU since 2026-05 stops after the highest touched page). */
  static final long TRIMMED = 3 * MIB + 5 * 4096;

  static EmuLoader.Built built;
  static EmuLoader emu;
  @TempDir Path out;

  @BeforeAll
  static void buildHarness() throws Exception {
    built = EmuLoader.build();
    emu = built.loader();
  }

  /** Per test, so that the reason shows in every test's report (a class-level skip is not reported). */
  @BeforeEach
  void harnessBuilt() {
    Assumptions.assumeTrue(emu != null, () -> built.reason() + ": skipping the emu-loader test");
  }

  static Stream<Arguments> images() {
    ImageOptions zstd = ImageOptions.of(Codec.ZSTD, 0, 1, 1, false);
    ImageOptions gz = ImageOptions.of(Codec.GZIP, 0, 1, 1, false);
    ImageOptions single = ImageOptions.of(Codec.ZSTD, 0, 1, 1, true);
    SyntheticCheckpoint v0 = SyntheticCheckpoint.builder().variant(Variant.V0).imageLength(2 * MIB).seed(10).build();
    SyntheticCheckpoint v1 = SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(3 * MIB).vectorState(true)
        .seed(11).build();
    SyntheticCheckpoint v2 = SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).imageLength(0x500000 + 2 * MIB)
        .seed(12).build();
    SyntheticCheckpoint v3 = SyntheticCheckpoint.builder().variant(Variant.V3).imageLength(3 * MIB).nemuStyle(true)
        .seed(13).build();
    SyntheticCheckpoint trimmed = SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(TRIMMED).nemuStyle(true)
        .seed(14).build();
    return Stream.of(
        Arguments.of("V0 zstd", v0, zstd), Arguments.of("V0 gz", v0, gz),
        Arguments.of("V1 zstd", v1, zstd), Arguments.of("V1 gz", v1, gz),
        Arguments.of("V2 zstd", v2, zstd), Arguments.of("V2 gz", v2, gz),
        Arguments.of("V3 zstd", v3, zstd), Arguments.of("V3 gz", v3, gz),
        Arguments.of("V0 zstd single-frame", v0, single), Arguments.of("V1 zstd single-frame", v1, single),
        Arguments.of("V2 zstd single-frame", v2, single), Arguments.of("V3 zstd single-frame", v3, single),
        Arguments.of("trimmed V1 zstd", trimmed, zstd), Arguments.of("trimmed V1 gz", trimmed, gz),
        Arguments.of("trimmed V1 zstd single-frame", trimmed, single));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void theEmuLoadsEveryImageWhole(String name, SyntheticCheckpoint cp, ImageOptions image) throws Exception {
    BundleManifest m = build(cp, image, "xiangshan", new LocalOutputFiles(out)).manifest();
    assertLoadsWhole(name, m);
  }

  /**
   * The harness shows what the emu does with a stream it stops early on: two zstd frames with a
   * skippable frame between them load only the first and return -1; without it, both load. gzip
   * reads past an empty member.
   */
  @Test
  void theHarnessShowsWhereTheEmusLoaderStops() throws Exception {
    byte[] a = new byte[(int) MIB];
    byte[] b = new byte[(int) MIB];
    new java.util.SplittableRandom(3).nextBytes(a);
    new java.util.SplittableRandom(4).nextBytes(b);
    byte[] skippable = {0x50, 0x2A, 0x4D, 0x18, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    byte[] za = com.github.luben.zstd.Zstd.compress(a, 1);
    byte[] zb = com.github.luben.zstd.Zstd.compress(b, 1);
    byte[] ab = concat(a, b);
    Path stopped = Files.write(out.resolve("stopped.zstd"), concat(za, skippable, zb));
    EmuLoader.Load l = emu.load(stopped);
    assertEquals(List.of("zstd", -1L, MIB, Sha256.hex(a)), List.of(l.loader(), l.returned(), l.nonzeroEnd(), l.sha256()),
        l.output());
    l = emu.load(Files.write(out.resolve("whole.zstd"), concat(za, zb)));
    assertEquals(List.of("zstd", 2 * MIB, 2 * MIB, Sha256.hex(ab)),
        List.of(l.loader(), l.returned(), l.nonzeroEnd(), l.sha256()), l.output());
    byte[] emptyMember = gzip(new byte[0]);
    l = emu.load(Files.write(out.resolve("whole.gz"), concat(gzip(a), emptyMember, gzip(b))));
    assertEquals(List.of("gz", 2 * MIB, 2 * MIB, Sha256.hex(ab)),
        List.of(l.loader(), l.returned(), l.nonzeroEnd(), l.sha256()), l.output());
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(o)) {
      gz.write(data);
    }
    return o.toByteArray();
  }

  /**
   * A flash bundle's flash image loads whole into the emu's flash (difftest {@code init_flash}: by
   * magic {@code readFromZstd}/{@code readFromGz} into {@code DEFAULT_EMU_FLASH_SIZE}, 1 MiB), and
   * holds gcpt's decoded bytes; NEMU's own flash file (the whole device, here 4 MiB of it) does not
   * fit: {@code readFromZstd} returns -1, {@code readFromGz} aborts the emu.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  void aFlashImageLoadsIntoTheEmusFlash(Codec codec) throws Exception {
    byte[] boot = new byte[16];
    java.nio.ByteBuffer.wrap(boot).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 0x0100006F).putInt(4, 16);
    SyntheticCheckpoint cp = SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(3 * MIB).seed(30)
        .embeddedRestorer(boot).build();
    ByteArrayOutputStream memory = new ByteArrayOutputStream();
    dev.gcpt.core.sample.SyntheticFlash.writeMemory(cp, memory, codec);
    ByteArrayOutputStream flash = new ByteArrayOutputStream();
    dev.gcpt.core.sample.SyntheticFlash.writeFlash(cp, 4 * MIB, flash, codec);
    Path nemusFlash = out.resolve("nemu_flash_" + codec.suffix());
    Files.write(nemusFlash, flash.toByteArray());
    ImageOptions image = ImageOptions.of(codec, 0, 1, 1, false);
    BundleManifest m;
    try (BundleBuilder b = new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named("xiangshan"),
        new BundleBuilder.Builtin(), image, 128, 1L << 34))) {
      m = b.build(new BundleBuilder.Source("in/_1_memory_", "m"), () -> new ByteArrayInputStream(memory.toByteArray()),
          new BundleBuilder.FlashInput("in/_1_flash_", "f", () -> new ByteArrayInputStream(flash.toByteArray())),
          new BundleBuilder.Target("w/1", "_1_0.5_memory_" + codec.suffix(), new BundleManifest.SimPoint("w", "1",
              "0.5", null)), new LocalOutputFiles(out)).manifest();
    }
    assertLoadsWhole(codec + " memory image of a flash bundle", m);
    Path flashImage = out.resolve("w/1").resolve(m.flash().image().file());
    Decoded d = decode(flashImage);
    EmuLoader.Load l = emu.load(flashImage, EMU_FLASH_BYTES);
    assertAll(flashImage + ": emu loader said: " + l.output(),
        () -> assertEquals(EMU_FLASH_BYTES, d.length(), "the flash image is the emu's flash size"),
        () -> assertEquals(d.length(), l.returned(), "the loader returns its length"),
        () -> assertEquals(d.sha256(), l.sha256(), "flash [0, 1 MiB) holds gcpt's decoded image"));
    if (codec == Codec.ZSTD) {
      EmuLoader.Load nemus = emu.load(nemusFlash, EMU_FLASH_BYTES);
      assertEquals(-1, nemus.returned(), "NEMU's flash file is larger than the emu's flash: " + nemus.output());
    } else {
      // readFromGz asserts instead ("File size is larger than buf_size!", then assert(0)): the emu aborts
      IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
          () -> emu.load(nemusFlash, EMU_FLASH_BYTES));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("readFromGz")
          && e.getMessage().contains("Assertion"), e.getMessage());
    }
  }

  /** difftest's {@code DEFAULT_EMU_FLASH_SIZE} (config/config.h). */
  static final long EMU_FLASH_BYTES = 0x10_0000;

  /** A regeneration that rewrites the head slot over the old one (local disks). */
  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  void aHeadSwappedInPlaceLoadsWhole(Codec codec) throws Exception {
    ImageOptions image = ImageOptions.of(codec, 0, 1, 1, false);
    SyntheticCheckpoint cp = SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(4 * MIB).seed(20).build();
    BundleManifest before = build(cp, image, "xiangshan", new LocalOutputFiles(out)).manifest();
    BundleBuilder.Result r = build(cp, image, "qemu-virt", new LocalOutputFiles(out));
    assertEquals(BundleBuilder.Status.REGENERATED, r.status());
    assertEquals(before.image().compressedLength(), Files.size(imagePath(r.manifest())), "the same length: in place");
    assertEquals(before.image().bodyDigest(), r.manifest().image().bodyDigest(), "body untouched");
    assertNotEquals(before.restorer().sha256(), r.manifest().restorer().sha256(), "a new restorer");
    assertLoadsWhole(codec.cliName() + " head swapped in place", r.manifest());
  }

  /** A regeneration on a store that cannot write in place (object stores): the body's bytes are copied. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("codecs")
  void aHeadSwappedByCopyLoadsWhole(Codec codec) throws Exception {
    ImageOptions image = ImageOptions.of(codec, 0, 1, 1, false);
    SyntheticCheckpoint cp = SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).imageLength(0x500000 + 3 * MIB)
        .seed(21).build();
    BundleManifest before = build(cp, image, "xiangshan", new WholeFilesOnly(new LocalOutputFiles(out))).manifest();
    BundleBuilder.Result r = build(cp, image, "qemu-virt", new WholeFilesOnly(new LocalOutputFiles(out)));
    assertEquals(BundleBuilder.Status.REGENERATED, r.status());
    assertEquals(before.image().bodyDigest(), r.manifest().image().bodyDigest(), "body copied as it was");
    assertNotEquals(before.restorer().sha256(), r.manifest().restorer().sha256(), "a new restorer");
    assertLoadsWhole(codec.cliName() + " head swapped by copy", r.manifest());
  }

  static Stream<Codec> codecs() {
    return Stream.of(Codec.ZSTD, Codec.GZIP);
  }

  /** {@code gcpt normalize} then {@code gcpt regenerate}, as a user runs them. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cliCodecs")
  void theCommandLinesBundlesLoadWhole(String codec, List<String> imageArgs) throws Exception {
    SyntheticCheckpoint cp = SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(3 * MIB).nemuStyle(true)
        .seed(30).build();
    Path src = out.resolve("in/mcf/7/_7_0.250000_memory_.zstd");
    Files.createDirectories(src.getParent());
    try (OutputStream o = Files.newOutputStream(src)) {
      cp.write(o, Codec.ZSTD);
    }
    Path set = out.resolve("out");
    List<String> normalize = new java.util.ArrayList<>(List.of("normalize", src.toString(), "-o", set.toString(),
        "--frame-mib", "1"));
    normalize.addAll(imageArgs);
    cli(normalize.toArray(String[]::new));
    BundleManifest built = manifest(set.resolve("mcf/7/bundle.json"));
    assertLoadsWhole(codec + " gcpt normalize", set, built);
    cli("regenerate", set.toString(), "--platform", "qemu-virt");
    BundleManifest regenerated = manifest(set.resolve("mcf/7/bundle.json"));
    assertNotEquals(built.restorer().sha256(), regenerated.restorer().sha256(), "regenerate paired a new restorer");
    assertLoadsWhole(codec + " gcpt regenerate", set, regenerated);
  }

  static Stream<Arguments> cliCodecs() {
    return Stream.of(Arguments.of("zstd", List.of()), Arguments.of("gz", List.of("--codec", "gz")));
  }

  BundleBuilder.Result build(SyntheticCheckpoint cp, ImageOptions image, String platform, OutputFiles files)
      throws IOException {
    ByteArrayOutputStream src = new ByteArrayOutputStream();
    cp.write(src, Codec.GZIP);
    byte[] bytes = src.toByteArray();
    try (BundleBuilder b = new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named(platform),
        new BundleBuilder.Builtin(), image, 128, 1L << 34))) {
      return b.build(new BundleBuilder.Source("in/_1_0.5_memory_.gz", "size=" + bytes.length),
          () -> new ByteArrayInputStream(bytes), new BundleBuilder.Target("w/1", "_1_0.5_memory_" + image.codec().suffix(),
              new BundleManifest.SimPoint("w", "1", "0.5", null)), files);
    }
  }

  Path imagePath(BundleManifest m) {
    return out.resolve("w/1").resolve(m.image().file());
  }

  void assertLoadsWhole(String name, BundleManifest m) throws Exception {
    assertLoadsWhole(name, out, m);
  }

  /** What gcpt's decoder reads from an image: length, SHA-256, end of the last non-zero 8-byte word. */
  record Decoded(long length, String sha256, long nonzeroEnd) {}

  static Decoded decode(Path image) throws IOException {
    MessageDigest sha = Sha256.newDigest();
    long length = 0;
    long lastNonzero = -1;
    byte[] buf = new byte[1 << 20];
    try (InputStream in = DecodedStream.open(Files.newInputStream(image), image.toString(), Long.MAX_VALUE)) {
      for (int n = in.readNBytes(buf, 0, buf.length); n > 0; n = in.readNBytes(buf, 0, buf.length)) {
        sha.update(buf, 0, n);
        for (int i = n - 1; i >= 0; i--) {
          if (buf[i] != 0) {
            lastNonzero = length + i;
            break;
          }
        }
        length += n;
      }
    }
    return new Decoded(length, Sha256.hex(sha), lastNonzero < 0 ? 0 : (lastNonzero / 8 + 1) * 8);
  }

  static void assertLoadsWhole(String name, Path root, BundleManifest m) throws Exception {
    Path image = root.resolve(m.simpoint().workload() + "/" + m.simpoint().point()).resolve(m.image().file());
    Decoded d = decode(image);
    EmuLoader.Load l = emu.load(image);
    String what = name + " (" + image.getFileName() + ", " + m.image().frames() + " frame(s), raw 0x"
        + Long.toHexString(m.image().rawLength()) + "): emu loader said: " + l.output();
    assertAll(what,
        () -> assertEquals(m.image().codec(), l.loader(), "the emu's loader by magic"),
        () -> assertEquals(m.image().rawLength(), d.length(), "gcpt's decoder reads the manifest's length"),
        () -> assertEquals(d.length(), l.returned(), "the loader returns the image's length"),
        () -> assertEquals(d.nonzeroEnd(), l.nonzeroEnd(), "the last non-zero word lands where gcpt decodes it"),
        () -> assertEquals(d.sha256(), l.sha256(), "RAM [0, return) holds gcpt's decoded image"),
        () -> assertEquals(0, m.image().rawLength() % LOAD_CHUNK,
            "the image length is a multiple of 128 KiB (NEMU's load_zstd_img asserts every read is full)"));
  }

  static void cli(String... args) {
    Cli r = Cli.run(args);
    assertEquals(0, r.exitCode(), "gcpt " + String.join(" ", args) + ": " + r.out() + r.err());
  }

  static BundleManifest manifest(Path json) throws IOException {
    return Json.mapper().readValue(json.toFile(), BundleManifest.class);
  }

  /** Local files seen as an object store sees them: no in-place writes. */
  record WholeFilesOnly(OutputFiles files) implements OutputFiles {
    @Override public OutputStream create(String rel) throws IOException { return files.create(rel); }
    @Override public void commit(String from, String to) throws IOException { files.commit(from, to); }
    @Override public boolean exists(String rel) throws IOException { return files.exists(rel); }
    @Override public InputStream open(String rel) throws IOException { return files.open(rel); }
    @Override public void delete(String rel) throws IOException { files.delete(rel); }
    @Override public String describe(String rel) { return files.describe(rel); }
    @Override public long size(String rel) throws IOException { return files.size(rel); }
  }
}
