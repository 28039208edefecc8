package dev.gcpt.core.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.image.ImageDigest;
import dev.gcpt.core.image.ImageInfo;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.image.PageCheck;
import dev.gcpt.core.image.PagedDigest;
import dev.gcpt.core.image.Sha256;
import dev.gcpt.core.io.Store;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.verify.BundleVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bundles whose manifests carry SHA-256 digests (gcpt.bundle/2, test resources
 * {@code gcpt-bundle-4/}, written by gcpt before the image digests became pagecrc64): they verify
 * by their SHA-256 fields, count as up to date, and a restorer change regenerates them keeping
 * SHA-256 (the body's digests carry over), to the image bytes a fresh build writes. A fresh build
 * records pagecrc64 under the new names, and only those.
 */
class DigestCompatibilityTest {
  private static final String BUNDLE = "aligned/0";
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"zstd", "gz"})
  void aSha256BundleVerifiesStaysUpToDateAndRegeneratesKeepingSha256(String fixture)
      throws IOException, URISyntaxException {
    Path set = dir.resolve("set");
    copy(Path.of(getClass().getResource("/gcpt-bundle-4/" + fixture).toURI()), set);
    LocalOutputFiles out = new LocalOutputFiles(set);
    BundleManifest old = BundleBuilder.readManifest(out, BUNDLE + "/" + BundleBuilder.MANIFEST).orElseThrow();
    assertEquals("gcpt.bundle/2", old.schema());
    assertEquals(BundleBuilder.GENERATOR_VERSION, old.build().gcpt());
    BundleManifest.ImageInfo oldImage = old.image();
    assertNull(oldImage.digest());
    assertEquals(ImageDigest.SHA256, oldImage.digestAlgorithm());
    byte[] oldFile = Files.readAllBytes(set.resolve(BUNDLE).resolve(oldImage.file()));
    int slot = (int) oldImage.headSlotLength();
    assertEquals(sha256(Arrays.copyOf(oldFile, slot)), oldImage.headSlotSha256());
    assertEquals(sha256(Arrays.copyOfRange(oldFile, slot, oldFile.length)), oldImage.bodySha256());
    assertEquals(oldImage.headSlotSha256(), oldImage.toImageInfo().headSlotDigest());
    assertEquals(oldImage.bodyRawChunkedSha256(), oldImage.toImageInfo().bodyRawDigest());
    assertOk(set);

    BundleBuilder.Source source = new BundleBuilder.Source(old.source().uri(), old.source().fingerprint());
    BundleBuilder.Target target = new BundleBuilder.Target(BUNDLE, oldImage.file(), old.simpoint());
    try (BundleBuilder b = new BundleBuilder(options(old, "xiangshan"))) {
      assertTrue(b.upToDate(source, target, out).isPresent());
      assertEquals(BundleBuilder.Status.UP_TO_DATE, b.build(source, () -> {
        throw new IOException("the source is not read");
      }, target, out).status());
    }
    assertArrayEquals(oldFile, Files.readAllBytes(set.resolve(BUNDLE).resolve(oldImage.file())));

    BundleBuilder.Result r;
    try (BundleBuilder b = new BundleBuilder(options(old, "qemu-virt"))) {
      r = b.build(source, () -> {
        throw new IOException("the source is not read");
      }, target, out);
    }
    assertEquals(BundleBuilder.Status.REGENERATED, r.status());
    BundleManifest.ImageInfo regenerated = r.manifest().image();
    assertEquals(BundleManifest.SCHEMA, r.manifest().schema());
    assertNull(regenerated.digest(), "the SHA-256 fields stay");
    assertNull(regenerated.headRawDigest());
    assertEquals(oldImage.bodyRawChunkedSha256(), regenerated.bodyRawChunkedSha256());
    assertEquals(oldImage.bodySha256(), regenerated.bodySha256());
    assertNotEquals(oldImage.headRawSha256(), regenerated.headRawSha256());
    byte[] newFile = Files.readAllBytes(set.resolve(BUNDLE).resolve(regenerated.file()));
    assertEquals(sha256(Arrays.copyOf(newFile, slot)), regenerated.headSlotSha256());
    assertEquals(ImageInfo.contentDigest(regenerated.headRawSha256(), regenerated.bodyRawChunkedSha256()),
        regenerated.contentSha256());
    String manifestText = Files.readString(set.resolve(BUNDLE).resolve(BundleBuilder.MANIFEST));
    assertTrue(manifestText.contains("\"bodySha256\" : \"" + oldImage.bodySha256() + "\""), manifestText);
    assertTrue(!manifestText.contains("\"digest\""), manifestText);
    assertOk(set);

    // the same image bytes as a fresh build from the source, whose manifest has pagecrc64 only
    Path fresh = dir.resolve("fresh");
    Path src = Path.of(getClass().getResource("/gcpt-bundle-3/src/aligned.zstd").toURI());
    BundleManifest.ImageInfo built;
    try (BundleBuilder b = new BundleBuilder(options(old, "qemu-virt"))) {
      BundleBuilder.Result f = b.build(source, () -> Files.newInputStream(src), target, new LocalOutputFiles(fresh));
      assertEquals(BundleBuilder.Status.BUILT, f.status());
      built = f.manifest().image();
    }
    byte[] freshFile = Files.readAllBytes(fresh.resolve(BUNDLE).resolve(built.file()));
    assertArrayEquals(freshFile, newFile);
    assertEquals("pagecrc64", built.digest());
    assertEquals(List.of(regenerated.rawLength(), regenerated.compressedLength(), regenerated.headSlotLength(),
        regenerated.frames()), List.of(built.rawLength(), built.compressedLength(), built.headSlotLength(),
        built.frames()));
    assertEquals(PagedDigest.hex(PageCheck.CRC64, Arrays.copyOf(freshFile, slot)), built.headSlotDigest());
    assertEquals(PagedDigest.hex(PageCheck.CRC64, Arrays.copyOfRange(freshFile, slot, freshFile.length)),
        built.bodyDigest());
    assertEquals(ImageInfo.contentDigest(built.headRawDigest(), built.bodyRawDigest()), built.contentDigest());
    assertEquals(List.of(), Stream.of(built.headRawSha256(), built.bodyRawChunkedSha256(), built.contentSha256(),
        built.headSlotSha256(), built.bodySha256()).filter(java.util.Objects::nonNull).toList());
    String freshText = Files.readString(fresh.resolve(BUNDLE).resolve(BundleBuilder.MANIFEST));
    assertTrue(freshText.contains("\"digest\" : \"pagecrc64\""), freshText);
    assertTrue(!freshText.contains("Sha256"), freshText);
    assertOk(fresh);
    // same input, same options: the same bytes, manifest included
    Path again = dir.resolve("again");
    try (BundleBuilder b = new BundleBuilder(options(old, "qemu-virt"))) {
      b.build(source, () -> Files.newInputStream(src), target, new LocalOutputFiles(again));
    }
    for (String f : List.of(built.file(), BundleBuilder.MANIFEST)) {
      assertArrayEquals(Files.readAllBytes(fresh.resolve(BUNDLE).resolve(f)),
          Files.readAllBytes(again.resolve(BUNDLE).resolve(f)), f);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"zstd", "gz"})
  void aChangedByteIsCaughtByEitherAlgorithm(String fixture) throws IOException, URISyntaxException {
    Path set = dir.resolve("old");
    copy(Path.of(getClass().getResource("/gcpt-bundle-4/" + fixture).toURI()), set);
    BundleManifest old = BundleBuilder.readManifest(new LocalOutputFiles(set), BUNDLE + "/" + BundleBuilder.MANIFEST)
        .orElseThrow();
    Path fresh = dir.resolve("new");
    Path src = Path.of(getClass().getResource("/gcpt-bundle-3/src/aligned.zstd").toURI());
    BundleBuilder.Source source = new BundleBuilder.Source(old.source().uri(), old.source().fingerprint());
    try (BundleBuilder b = new BundleBuilder(options(old, "xiangshan"))) {
      b.build(source, () -> Files.newInputStream(src), new BundleBuilder.Target(BUNDLE, old.image().file(),
          old.simpoint()), new LocalOutputFiles(fresh));
    }
    for (Path root : List.of(set, fresh)) {
      Path image = root.resolve(BUNDLE).resolve(old.image().file());
      byte[] good = Files.readAllBytes(image);
      // a byte of the last compressed block's data, and a byte of the head slot's restorer region
      for (int at : new int[] {good.length - 40, 200}) {
        byte[] bad = good.clone();
        bad[at] ^= 0x10;
        Files.write(image, bad);
        BundleVerifier.Result v = new BundleVerifier(Store.local()).verify(root.resolve(BUNDLE).toString());
        assertTrue(v.problems().stream().anyMatch(p -> p.code().equals(BundleVerifier.FILE_SHA256)),
            root + " byte " + at + ": " + v.line());
      }
      Files.write(image, good);
      assertOk(root);
    }
  }

  private static BundleBuilder.Options options(BundleManifest m, String platform) {
    return new BundleBuilder.Options(PlatformProfile.named(platform), new BundleBuilder.Builtin(),
        ImageOptions.of(Codec.fromCliName(m.image().codec()), m.image().level(),
            (int) (m.image().bodyFrameRawLength() >> 20), 1, false), m.vlen(), 1L << 34);
  }

  private static void assertOk(Path root) {
    BundleVerifier.Result v = new BundleVerifier(Store.local()).verify(root.resolve(BUNDLE).toString());
    assertTrue(v.ok(), v.line());
  }

  private static String sha256(byte[] b) {
    return Sha256.hex(b);
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else if (!p.getFileName().toString().equals("README.md")) {
          Files.copy(p, t);
        }
      }
    }
  }
}
