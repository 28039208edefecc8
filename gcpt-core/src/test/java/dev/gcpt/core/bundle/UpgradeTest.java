package dev.gcpt.core.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.image.ImageDigest;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.image.ImageWriter;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.verify.BundleVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bundles written by gcpt-bundle-3 (test resources {@code gcpt-bundle-3/}, made by that version's
 * {@code gcpt normalize} from {@code src/}): their head slot ends in a skippable zstd frame, which
 * stops the simulators' loaders, and their image is not padded to 128 KiB. A build over them
 * upgrades them without the source, to exactly what a fresh build from the source writes (an
 * image upgraded by a new head slot keeps its SHA-256 digests: see {@code DigestCompatibilityTest}).
 */
class UpgradeTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({
      "v3-aligned-zstd, aligned, REGENERATED",   // whole 128 KiB: the head slot is rewritten in place
      "v3-unaligned-zstd, unaligned, BUILT",     // encoded again from its own image, padded
      "v3-unaligned-gz, unaligned, BUILT",
      "v3-unaligned-single, unaligned, BUILT"})
  void anOlderBundleIsUpgradedFromItsOwnImageToWhatAFreshBuildWrites(String fixture, String name,
      BundleBuilder.Status expected) throws IOException, URISyntaxException {
    Path fixtures = Path.of(getClass().getResource("/gcpt-bundle-3").toURI());
    Path set = dir.resolve("set");
    copy(fixtures.resolve(fixture), set);
    String bundleDir = name + "/0";
    LocalOutputFiles out = new LocalOutputFiles(set);
    BundleManifest old = BundleBuilder.readManifest(out, bundleDir + "/" + BundleBuilder.MANIFEST).orElseThrow();
    assertEquals("gcpt-bundle-3", old.build().gcpt());
    BundleBuilder.Options options = new BundleBuilder.Options(PlatformProfile.named("xiangshan"),
        new BundleBuilder.Builtin(), ImageOptions.of(Codec.fromCliName(old.image().codec()), old.image().level(),
            (int) (frameSize(old) >> 20), 1, old.image().singleFrame()),
        old.vlen(), 1L << 34);
    BundleBuilder.Source source = new BundleBuilder.Source(old.source().uri(), old.source().fingerprint());
    BundleBuilder.Target target = new BundleBuilder.Target(bundleDir, old.image().file(), old.simpoint());

    BundleBuilder.Result r;
    try (BundleBuilder b = new BundleBuilder(options)) {
      r = b.build(source, () -> {
        throw new IOException("the source is gone");
      }, target, out);
    }
    assertEquals(expected, r.status());
    BundleManifest m = r.manifest();
    assertEquals(BundleBuilder.GENERATOR_VERSION, m.build().gcpt());
    assertEquals(old.source(), m.source());
    assertEquals(0, m.image().rawLength() % ImageWriter.LENGTH_ALIGNMENT);
    assertEquals(old.source().rawLength(), old.image().rawLength());
    assertTrue(m.image().rawLength() >= old.source().rawLength());
    BundleVerifier.Result verified = new BundleVerifier(dev.gcpt.core.io.Store.local()).verify(
        set.resolve(bundleDir).toString());
    assertTrue(verified.ok(), verified.line());

    Path fresh = dir.resolve("fresh");
    Path src = fixtures.resolve("src").resolve(name + ".zstd");
    try (BundleBuilder b = new BundleBuilder(options)) {
      BundleBuilder.Result f = b.build(source, () -> Files.newInputStream(src), target, new LocalOutputFiles(fresh));
      assertEquals(BundleBuilder.Status.BUILT, f.status());
      if (expected == BundleBuilder.Status.REGENERATED) {
        // a regeneration carries the body's digests over: SHA-256 (gcpt.bundle/2) stays SHA-256
        assertEquals(ImageDigest.SHA256, m.image().digestAlgorithm());
        assertEquals(ImageDigest.PAGE_CRC64, f.manifest().image().digestAlgorithm());
        assertEquals(layout(f.manifest().image()), layout(m.image()));
      } else {
        assertEquals(f.manifest().image(), m.image());
      }
      assertEquals(f.manifest().build(), m.build());
    }
    assertArrayEquals(Files.readAllBytes(fresh.resolve(bundleDir).resolve(old.image().file())),
        Files.readAllBytes(set.resolve(bundleDir).resolve(old.image().file())));
    // and a second build leaves it alone
    try (BundleBuilder b = new BundleBuilder(options)) {
      assertEquals(BundleBuilder.Status.UP_TO_DATE, b.build(source, () -> InputStream.nullInputStream(), target, out)
          .status());
    }
  }

  /** Everything of an image's record but its digests. */
  private static java.util.List<Object> layout(BundleManifest.ImageInfo i) {
    return java.util.List.of(i.file(), i.codec(), i.level(), i.singleFrame(), i.rawLength(), i.compressedLength(),
        i.headRawLength(), i.headCompressedLength(), i.headSlotLength(), i.frames(), i.bodyFrameRawLength());
  }

  /** What gcpt regenerate assumes: the manifest's, or for a single-frame image the default. */
  private static long frameSize(BundleManifest m) {
    return m.image().singleFrame() ? ImageOptions.DEFAULT_BODY_FRAME_RAW_SIZE : m.image().bodyFrameRawLength();
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
