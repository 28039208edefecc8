package dev.gcpt.core.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleBuilderTest {
  @TempDir Path dir;

  static BundleBuilder.Options options(String platform, Codec codec) {
    return new BundleBuilder.Options(PlatformProfile.named(platform), new BundleBuilder.Builtin(),
        dev.gcpt.core.image.ImageOptions.of(codec, 0, 1, 1, false), 128, 1L << 34);
  }

  static byte[] compressed(SyntheticCheckpoint s, Codec c) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    s.write(o, c);
    return o.toByteArray();
  }

  static final BundleBuilder.Target TARGET = new BundleBuilder.Target("mcf/42", "_42_0.125000_memory_.zstd",
      new BundleManifest.SimPoint("mcf", "42", "0.125000", "123456789"));

  BundleBuilder.Result build(BundleBuilder b, byte[] src, Path out) throws IOException {
    return b.build(new BundleBuilder.Source("s3://set/mcf/42/_42_0.125_memory_.gz", "size=" + src.length),
        () -> new ByteArrayInputStream(src), TARGET, new LocalOutputFiles(out));
  }

  @Test
  void buildsACompleteBundleThatReadsBackWithTheSameHarts() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).imageLength(0x500000 + (5 << 20))
        .vectorState(true).build();
    byte[] src = compressed(s, Codec.GZIP);
    BundleBuilder.Result r = build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, dir);
    assertEquals(BundleBuilder.Status.BUILT, r.status());
    BundleManifest m = r.manifest();
    assertEquals("V2", m.variant());
    assertEquals(2, m.harts());
    assertEquals("gz", m.source().codec());
    assertEquals(src.length, m.source().compressedLength());
    assertEquals(s.imageLength(), m.image().rawLength());
    assertEquals(0x500000, m.image().headRawLength());
    assertEquals(1 + 5, m.image().frames());
    assertEquals("generated", m.restorer().origin());
    assertTrue(m.restorer().parameters().get("vector").equals(true));
    Path image = dir.resolve("mcf/42/_42_0.125000_memory_.zstd");
    assertEquals(m.image().compressedLength(), Files.size(image));
    assertEquals(m.restorer().size(), Files.size(dir.resolve(m.restorer().file())));
    assertTrue(Files.exists(dir.resolve("mcf/42/bundle.json")));
    try (Stream<Path> files = Files.walk(dir)) {
      assertFalse(files.anyMatch(p -> p.toString().contains(".partial")));
    }
    try (InputStream in = Files.newInputStream(image);
        OpenCheckpoint cp = CheckpointReader.open(in, image.toString(), CheckpointReader.Options.DEFAULT)) {
      assertEquals(Variant.V2, cp.variant());
      assertEquals(s.harts().get(1).pc(), cp.harts().get(1).pc());
      assertArrayEquals(s.harts().get(1).vregs(), cp.harts().get(1).vregs());
      assertEquals(m.restorer().sha256(), cp.embeddedRestorer().orElseThrow().sha256());
      assertEquals(s.imageLength(), cp.drain(null));
    }
  }

  @Test
  void rerunIsUpToDateAndRestorerChangeRegeneratesTheHeadOnly() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().imageLength(6 << 20).build();
    byte[] src = compressed(s, Codec.ZSTD);
    build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, dir);
    Path image = dir.resolve("mcf/42/_42_0.125000_memory_.zstd");
    byte[] first = Files.readAllBytes(image);
    assertEquals(BundleBuilder.Status.UP_TO_DATE,
        build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, dir).status());
    assertArrayEquals(first, Files.readAllBytes(image));

    BundleBuilder.Result regen = build(new BundleBuilder(options("qemu-virt", Codec.ZSTD)), src, dir);
    assertEquals(BundleBuilder.Status.REGENERATED, regen.status());
    byte[] regenerated = Files.readAllBytes(image);
    long slot = regen.manifest().image().headSlotLength();
    assertEquals(first.length, regenerated.length, "the new head fits the old slot: rewritten in place");
    assertFalse(Arrays.equals(first, 0, (int) slot, regenerated, 0, (int) slot), "a new head slot");
    assertArrayEquals(Arrays.copyOfRange(first, (int) slot, first.length),
        Arrays.copyOfRange(regenerated, (int) slot, regenerated.length), "body frames unchanged");
    assertFalse(Files.exists(dir.resolve("mcf/42/" + BundleBuilder.JOURNAL)));

    Path scratch = dir.resolve("scratch");
    BundleBuilder.Result fresh = build(new BundleBuilder(options("qemu-virt", Codec.ZSTD)), src, scratch);
    assertArrayEquals(Files.readAllBytes(scratch.resolve("mcf/42/_42_0.125000_memory_.zstd")), regenerated);
    assertEquals(fresh.manifest().image(), regen.manifest().image());
    assertEquals(Files.readString(scratch.resolve("mcf/42/bundle.json")), Files.readString(dir.resolve("mcf/42/bundle.json")));
  }

  /**
   * A regeneration killed inside its in-place write: the journal is committed, bundle.json is gone
   * and the slot is half written. The bundle must not look whole, and the next run must finish it
   * from the journal, byte for byte what a fresh build writes.
   */
  @Test
  void aKilledInPlaceSwapIsFinishedFromItsJournal() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().imageLength(6 << 20).build(), Codec.GZIP);
    Path scratch = dir.resolve("scratch");
    Path killed = dir.resolve("killed");
    build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, scratch);
    build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, killed);
    BundleBuilder.Result regen = build(new BundleBuilder(options("qemu-virt", Codec.ZSTD)), src, scratch);
    assertEquals(BundleBuilder.Status.REGENERATED, regen.status());
    Path newImage = scratch.resolve("mcf/42/_42_0.125000_memory_.zstd");
    int slot = (int) regen.manifest().image().headSlotLength();
    byte[] newSlot = Arrays.copyOf(Files.readAllBytes(newImage), slot);

    Path bundle = killed.resolve("mcf/42");
    Files.write(bundle.resolve(BundleBuilder.JOURNAL), dev.gcpt.core.json.Json.pretty(
        new BundleBuilder.Journal("_42_0.125000_memory_.zstd", newSlot, regen.manifest())).getBytes());
    Files.delete(bundle.resolve(BundleBuilder.MANIFEST));
    LocalOutputFiles.overwrite(bundle.resolve("_42_0.125000_memory_.zstd"), 0, Arrays.copyOf(newSlot, slot / 2));
    assertFalse(Files.exists(bundle.resolve(BundleBuilder.MANIFEST)), "a torn bundle has no manifest");

    assertEquals(BundleBuilder.Status.UP_TO_DATE,
        build(new BundleBuilder(options("qemu-virt", Codec.ZSTD)), src, killed).status());
    assertFalse(Files.exists(bundle.resolve(BundleBuilder.JOURNAL)));
    assertArrayEquals(Files.readAllBytes(newImage), Files.readAllBytes(bundle.resolve("_42_0.125000_memory_.zstd")));
    assertEquals(Files.readString(scratch.resolve("mcf/42/bundle.json")), Files.readString(bundle.resolve("bundle.json")));
  }

  /** As above with the journal this version writes (the slot's bytes, then bundle.json's). */
  @Test
  void aKilledInPlaceSwapIsFinishedFromAJournalOfThisVersion() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().imageLength(6 << 20).build(), Codec.ZSTD);
    Path scratch = dir.resolve("scratch");
    Path killed = dir.resolve("killed");
    build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, scratch);
    build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, killed);
    BundleBuilder.Result regen = build(new BundleBuilder(options("qemu-virt", Codec.ZSTD)), src, scratch);
    assertEquals(BundleBuilder.Status.REGENERATED, regen.status());
    Path newImage = scratch.resolve("mcf/42/_42_0.125000_memory_.zstd");
    int slot = (int) regen.manifest().image().headSlotLength();
    byte[] newSlot = Arrays.copyOf(Files.readAllBytes(newImage), slot);
    byte[] manifest = Files.readAllBytes(scratch.resolve("mcf/42/bundle.json"));

    Path bundle = killed.resolve("mcf/42");
    byte[] journal = BundleBuilder.journalBytes(newSlot, manifest);
    String header = BundleBuilder.JOURNAL_MAGIC + slot + " " + manifest.length + "\n";
    assertEquals(header, new String(journal, 0, header.length(), java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(header.length() + slot + manifest.length, journal.length);
    Files.write(bundle.resolve(BundleBuilder.JOURNAL), journal);
    Files.delete(bundle.resolve(BundleBuilder.MANIFEST));
    LocalOutputFiles.overwrite(bundle.resolve("_42_0.125000_memory_.zstd"), 0, Arrays.copyOf(newSlot, slot / 3));

    assertEquals(BundleBuilder.Status.UP_TO_DATE,
        build(new BundleBuilder(options("qemu-virt", Codec.ZSTD)), src, killed).status());
    assertFalse(Files.exists(bundle.resolve(BundleBuilder.JOURNAL)));
    assertArrayEquals(Files.readAllBytes(newImage), Files.readAllBytes(bundle.resolve("_42_0.125000_memory_.zstd")));
    assertArrayEquals(manifest, Files.readAllBytes(bundle.resolve("bundle.json")));
  }

  /**
   * A journal cut short (or not ours) is dropped without touching the bundle: the slot is written
   * only after the whole journal is, so the bundle is still the old one, manifest and all.
   */
  @Test
  void aTornJournalIsDroppedAndTheBundleKept() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().imageLength(6 << 20).build(), Codec.ZSTD);
    BundleBuilder.Result first = build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, dir);
    Path bundle = dir.resolve("mcf/42");
    byte[] image = Files.readAllBytes(bundle.resolve("_42_0.125000_memory_.zstd"));
    byte[] manifest = Files.readAllBytes(bundle.resolve("bundle.json"));
    int slot = (int) first.manifest().image().headSlotLength();
    byte[] whole = BundleBuilder.journalBytes(new byte[slot], manifest);
    for (int cut : new int[] {0, 5, BundleBuilder.JOURNAL_MAGIC.length() + 3, 40, 40 + slot, whole.length - 1}) {
      Files.write(bundle.resolve(BundleBuilder.JOURNAL), Arrays.copyOf(whole, cut));
      assertEquals(BundleBuilder.Status.UP_TO_DATE, build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, dir)
          .status(), "journal cut at " + cut);
      assertFalse(Files.exists(bundle.resolve(BundleBuilder.JOURNAL)), "journal cut at " + cut);
      assertArrayEquals(image, Files.readAllBytes(bundle.resolve("_42_0.125000_memory_.zstd")), "journal cut at " + cut);
      assertArrayEquals(manifest, Files.readAllBytes(bundle.resolve("bundle.json")), "journal cut at " + cut);
    }
  }

  @Test
  void aJournalThatDoesNotFitTheImageIsDroppedAndTheBundleRebuilt() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().imageLength(6 << 20).build(), Codec.ZSTD);
    BundleBuilder.Result first = build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, dir);
    Path bundle = dir.resolve("mcf/42");
    byte[] image = Files.readAllBytes(bundle.resolve("_42_0.125000_memory_.zstd"));
    Files.write(bundle.resolve(BundleBuilder.JOURNAL), dev.gcpt.core.json.Json.pretty(
        new BundleBuilder.Journal("_42_0.125000_memory_.zstd", new byte[100], first.manifest())).getBytes());
    Files.delete(bundle.resolve(BundleBuilder.MANIFEST));
    assertEquals(BundleBuilder.Status.BUILT, build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, dir)
        .status());
    assertFalse(Files.exists(bundle.resolve(BundleBuilder.JOURNAL)));
    assertArrayEquals(image, Files.readAllBytes(bundle.resolve("_42_0.125000_memory_.zstd")));
  }

  @Test
  void anImageItsManifestDoesNotDescribeIsRebuiltNotRegenerated() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().imageLength(6 << 20).build(), Codec.ZSTD);
    BundleBuilder.Result first = build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), src, dir);
    Path image = dir.resolve("mcf/42/_42_0.125000_memory_.zstd");
    byte[] edited = Files.readAllBytes(image);
    edited[(int) first.manifest().image().headSlotLength() - 1] ^= 1; // inside the slot's padding
    Files.write(image, edited);
    BundleBuilder.Result r = build(new BundleBuilder(options("nemu", Codec.ZSTD)), src, dir);
    assertEquals(BundleBuilder.Status.BUILT, r.status());
    Path scratch = dir.resolve("scratch");
    build(new BundleBuilder(options("nemu", Codec.ZSTD)), src, scratch);
    assertArrayEquals(Files.readAllBytes(scratch.resolve("mcf/42/_42_0.125000_memory_.zstd")), Files.readAllBytes(image));
  }

  @Test
  void aRegeneratedBundleVerifies() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().imageLength(6 << 20).build(), Codec.GZIP);
    for (Codec codec : new Codec[] {Codec.ZSTD, Codec.GZIP}) {
      Path out = dir.resolve(codec.cliName());
      build(new BundleBuilder(options("xiangshan", codec)), src, out);
      assertEquals(BundleBuilder.Status.REGENERATED, build(new BundleBuilder(options("nemu", codec)), src, out)
          .status());
      dev.gcpt.core.verify.BundleVerifier.Result r = new dev.gcpt.core.verify.BundleVerifier(
          dev.gcpt.core.io.Store.local()).verify(out.resolve("mcf/42").toString());
      assertTrue(r.ok(), r.line());
    }
  }

  @Test
  void singleFrameImagesForQemuAndRebuiltOnRestorerChange() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().imageLength(5 << 20).build(), Codec.GZIP);
    BundleBuilder.Options single = new BundleBuilder.Options(PlatformProfile.named("qemu-virt"),
        new BundleBuilder.Builtin(), dev.gcpt.core.image.ImageOptions.of(Codec.ZSTD, 0, 1, 1, true), 128, 1L << 34);
    BundleBuilder.Result r = build(new BundleBuilder(single), src, dir);
    assertEquals(1, r.manifest().image().frames());
    assertTrue(r.manifest().image().singleFrame());
    try (InputStream in = Files.newInputStream(dir.resolve("mcf/42/_42_0.125000_memory_.zstd"))) {
      assertEquals(5 << 20, CheckpointReader.open(in, "x", CheckpointReader.Options.DEFAULT).drain(null));
    }
    BundleBuilder.Options other = new BundleBuilder.Options(PlatformProfile.named("xiangshan"),
        new BundleBuilder.Builtin(), single.image(), 128, 1L << 34);
    assertEquals(BundleBuilder.Status.BUILT, build(new BundleBuilder(other), src, dir).status());
  }

  @Test
  void deterministicAcrossRuns() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().variant(Variant.V3).seed(3).build(), Codec.GZIP);
    build(new BundleBuilder(options("nemu", Codec.GZIP)), src, dir.resolve("a"));
    build(new BundleBuilder(options("nemu", Codec.GZIP)), src, dir.resolve("b"));
    assertArrayEquals(Files.readAllBytes(dir.resolve("a/mcf/42/_42_0.125000_memory_.zstd")),
        Files.readAllBytes(dir.resolve("b/mcf/42/_42_0.125000_memory_.zstd")));
    assertEquals(Files.readString(dir.resolve("a/mcf/42/bundle.json")), Files.readString(dir.resolve("b/mcf/42/bundle.json")));
  }

  @Test
  void badInputLeavesNothingBehind() throws IOException {
    byte[] src = compressed(SyntheticCheckpoint.builder().imageLength(4 << 20).build(), Codec.ZSTD);
    byte[] cut = Arrays.copyOf(src, src.length - 10);
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> build(new BundleBuilder(options("xiangshan", Codec.ZSTD)), cut, dir));
    assertEquals(CheckpointException.Reason.TRUNCATED, e.reason());
    try (Stream<Path> files = Files.walk(dir)) {
      assertEquals(0, files.filter(Files::isRegularFile).count());
    }
  }
}
