package dev.gcpt.core.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.RestorerGenerator;
import dev.gcpt.core.restorer.RestorerSpec;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BundleVerifierTest {
  @TempDir Path dir;

  static final String BUNDLE = "mcf/42";
  static final String IMAGE = "_42_0.125000_memory_.zstd";
  static final long MIB = 1 << 20;

  /** A V1 bundle of a 3.5 MiB image: head frame (1 MiB) and 3 body frames of 1 MiB, the last half full. */
  BundleManifest build(Codec codec) throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(3 * MIB + MIB / 2)
        .seed(5).build();
    ByteArrayOutputStream src = new ByteArrayOutputStream();
    s.write(src, Codec.GZIP);
    byte[] bytes = src.toByteArray();
    BundleBuilder b = new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named("xiangshan"),
        new BundleBuilder.Builtin(), ImageOptions.of(codec, 0, 1, 1, false), 128, 1L << 34));
    return b.build(new BundleBuilder.Source("set/mcf/42/_42_0.125_memory_.gz", "size=" + bytes.length),
        () -> new ByteArrayInputStream(bytes), new BundleBuilder.Target(BUNDLE, IMAGE,
            new BundleManifest.SimPoint("mcf", "42", "0.125000", "1000")), new LocalOutputFiles(dir)).manifest();
  }

  BundleVerifier.Result verify() {
    return new BundleVerifier(dev.gcpt.core.io.Store.local()).verify(dir.resolve(BUNDLE).toString());
  }

  static List<String> codes(BundleVerifier.Result r) {
    return r.problems().stream().map(BundleVerifier.Problem::code).toList();
  }

  Path image() {
    return dir.resolve(BUNDLE).resolve(IMAGE);
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void aFreshBundleIsGood(Codec codec) throws IOException {
    BundleManifest m = build(codec);
    assertEquals(4, m.image().frames());
    BundleVerifier.Result r = verify();
    assertTrue(r.ok(), r.line());
    assertEquals(dir.resolve(BUNDLE) + ": ok", r.line());
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void aFlippedByteInABodyFrameIsACorruptFrame(Codec codec) throws IOException {
    BundleManifest m = build(codec);
    long at = m.image().headSlotLength() + 200; // inside the first body frame (zstd: frame 1; gzip: after the padding)
    flip(image(), at);
    BundleVerifier.Result r = verify();
    assertEquals(List.of(BundleVerifier.FRAMES, BundleVerifier.FILE_SHA256), codes(r), r.line());
    String frames = r.problems().get(0).detail();
    assertTrue(frames.contains(codec == Codec.ZSTD ? "frame 1 (at compressed offset " + m.image().headSlotLength()
        + ")" : "gzip member 2 (at compressed offset " + m.image().headSlotLength() + ")"), frames);
    assertTrue(r.problems().get(1).detail().contains(": body [" + m.image().headSlotLength() + ", end) has pagecrc64 digest "),
        r.line());
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void aTruncatedImageIsCaught(Codec codec) throws IOException {
    BundleManifest m = build(codec);
    try (FileChannel c = FileChannel.open(image(), StandardOpenOption.WRITE)) {
      c.truncate(m.image().compressedLength() - 7);
    }
    BundleVerifier.Result r = verify();
    assertEquals(List.of(BundleVerifier.FRAMES, BundleVerifier.FILE_LENGTH, BundleVerifier.FILE_SHA256), codes(r),
        r.line());
    assertTrue(r.problems().get(0).detail().contains((codec == Codec.ZSTD ? " 3" : " 4") + " (at compressed offset ")
        && r.problems().get(0).detail().contains("is truncated"),
        r.line());
    assertEquals("file-length: " + IMAGE + " is " + (m.image().compressedLength() - 7) + " bytes, the manifest says "
        + m.image().compressedLength(), r.problems().get(1).toString());
  }

  @Test
  void anImageCutAtAFrameBoundaryDecodesButHasTheWrongLayoutAndHashes() throws IOException {
    BundleManifest m = build(Codec.ZSTD);
    List<ImageFrames.Frame> frames;
    try (var in = Files.newInputStream(image())) {
      frames = ImageFrames.read(in, IMAGE, (b, o, l) -> { });
    }
    try (FileChannel c = FileChannel.open(image(), StandardOpenOption.WRITE)) {
      c.truncate(frames.get(3).offset());
    }
    assertEquals(List.of(BundleVerifier.FILE_LENGTH, BundleVerifier.FILE_SHA256, BundleVerifier.FRAME_LAYOUT,
        BundleVerifier.RAW_LENGTH, BundleVerifier.BODY_SHA256, BundleVerifier.CONTENT_SHA256), codes(verify()));
    assertEquals(m.image().frames(), frames.size(), "data frames only: the head slot's padding is inside the head frame");
  }

  @Test
  void aSwappedRestorerFileIsCaught() throws IOException {
    BundleManifest m = build(Codec.ZSTD);
    byte[] other = RestorerGenerator.generate(RestorerSpec.forVariant(Variant.V3, 1,
        PlatformProfile.named("xiangshan"))).bytes();
    Files.write(dir.resolve(m.restorer().file()), other);
    BundleVerifier.Result r = verify();
    List<String> want = new java.util.ArrayList<>(List.of(BundleVerifier.RESTORER_FILE));
    if (other.length != m.restorer().size()) {
      want.add(BundleVerifier.RESTORER_FILE);
    }
    want.addAll(List.of(BundleVerifier.RESTORER_EMBEDDED, BundleVerifier.RESTORER_DESCRIPTOR));
    assertEquals(want, codes(r), r.line());
    assertTrue(r.problems().get(0).detail().startsWith(m.restorer().file() + " has sha256 "), r.line());
  }

  @Test
  void anEditedManifestDescriptorIsCaught() throws IOException {
    BundleManifest m = build(Codec.ZSTD);
    Path manifest = dir.resolve(BUNDLE).resolve(BundleBuilder.MANIFEST);
    String hex = m.descriptor().hex();
    int at = 20; // a memlayout byte
    char flipped = hex.charAt(at) == '0' ? '1' : '0';
    String edited = hex.substring(0, at) + flipped + hex.substring(at + 1);
    Files.writeString(manifest, Files.readString(manifest).replace(hex, edited));
    BundleVerifier.Result r = verify();
    assertEquals(List.of(BundleVerifier.DESCRIPTOR, BundleVerifier.RESTORER_DESCRIPTOR), codes(r), r.line());
    assertEquals("descriptor: the image's descriptor at " + m.descriptor().offset()
        + " differs from the manifest's at byte " + at / 2, r.problems().get(0).toString());
  }

  @Test
  void aMissingManifestAndAMissingRestorerFile() throws IOException {
    BundleManifest m = build(Codec.ZSTD);
    Files.delete(dir.resolve(m.restorer().file()));
    BundleVerifier.Result r = verify();
    assertEquals(List.of(BundleVerifier.RESTORER_FILE), codes(r), r.line());
    Files.delete(dir.resolve(BUNDLE).resolve(BundleBuilder.MANIFEST));
    assertEquals(dir.resolve(BUNDLE) + ": manifest: no bundle.json", verify().line());
  }

  @Test
  void framesReportDeclaredSizesAndOffsets() throws IOException {
    BundleManifest m = build(Codec.ZSTD);
    List<ImageFrames.Frame> frames;
    long[] raw = {0};
    try (var in = Files.newInputStream(image())) {
      frames = ImageFrames.read(in, IMAGE, (b, o, l) -> raw[0] += l);
    }
    assertEquals(m.image().rawLength(), raw[0]);
    assertEquals(0, frames.get(0).offset());
    assertEquals(m.image().headCompressedLength(), m.image().headSlotLength());
    assertEquals(m.image().headSlotLength(), frames.get(1).offset());
    assertEquals(List.of(MIB, MIB, MIB, MIB / 2), frames.stream().map(ImageFrames.Frame::declaredSize).toList());
    assertEquals(m.image().compressedLength(),
        frames.get(3).offset() + frames.get(3).compressedLength());
  }

  @Test
  void theRestorerFileIsLookedForAtTheSetRootOnlyNotFurtherUp() throws IOException {
    BundleManifest m = build(Codec.ZSTD);
    Path deep = dir.resolve("deep/x");
    Files.createDirectories(deep.resolve(BUNDLE).getParent());
    Files.move(dir.resolve(BUNDLE), deep.resolve(BUNDLE));
    // restorers/ three levels above the bundle: another set's, or a stray one
    Files.move(dir.resolve("restorers"), dir.resolve("deep/restorers"));
    BundleVerifier.Result r = new BundleVerifier(dev.gcpt.core.io.Store.local()).verify(deep.resolve(BUNDLE).toString());
    assertEquals(List.of(BundleVerifier.RESTORER_FILE), codes(r), r.line());
    assertTrue(r.problems().get(0).detail().startsWith(m.restorer().file() + " not found in any of ["
        + deep.resolve(BUNDLE).getParent() + ", " + deep + "]"), r.line());
  }

  @Test
  void frameRulesOfTheSimulatorsLoaders() {
    ImageFrames.Frame head = new ImageFrames.Frame(0, 0, 9000, MIB, MIB);
    ImageFrames.Frame skippable = new ImageFrames.Frame(1, 9000, 56536, 0, -1);
    ImageFrames.Frame body = new ImageFrames.Frame(2, 65536, 1000, MIB / 2, MIB / 2);
    ImageFrames.Frame trimmed = new ImageFrames.Frame(2, 65536, 1000, MIB / 2 + 4096, MIB / 2 + 4096);
    assertEquals(List.of(), BundleVerifier.loadability("zstd", MIB + MIB / 2, List.of(head, body)));
    assertEquals(List.of(new BundleVerifier.Problem(BundleVerifier.LOADABLE, "zstd frame 1 (at compressed offset 9000)"
        + " holds no image bytes: NEMU, the XiangShan emu and XS-GEM5 stop loading there, after 1048576 of 1572864"
        + " bytes")), BundleVerifier.loadability("zstd", MIB + MIB / 2, List.of(head, skippable, body)));
    assertEquals(List.of(new BundleVerifier.Problem(BundleVerifier.LOADABLE, "zstd frame 2 (at compressed offset"
        + " 65536) holds 528384 raw bytes, not a multiple of 131072: NEMU's loader asserts that every 131072-byte read"
        + " is full, and a read ends at each frame end")),
        BundleVerifier.loadability("zstd", MIB + MIB / 2 + 4096, List.of(head, trimmed)));
    assertEquals(List.of(), BundleVerifier.loadability("gz", MIB + 4096, List.of(head, skippable, trimmed)));
    assertEquals(BundleVerifier.LOADABLE, BundleVerifier.loadability("gz", MIB + 4, List.of()).get(0).code());
  }

  static void flip(Path file, long at) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      c.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
      c.write(b, at);
    }
  }
}
