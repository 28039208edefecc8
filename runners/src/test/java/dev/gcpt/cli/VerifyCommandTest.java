package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {
  @TempDir Path set;
  static final long MIB = 1 << 20;
  final List<String> points = List.of("1", "2", "3");
  BundleManifest first;

  @BeforeEach
  void buildSet() throws IOException {
    BundleBuilder b = new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named("nemu"),
        new BundleBuilder.Builtin(), ImageOptions.of(Codec.ZSTD, 0, 1, 1, false), 128, 1L << 34));
    for (String p : points) {
      ByteArrayOutputStream src = new ByteArrayOutputStream();
      SyntheticCheckpoint.builder().variant(Variant.V3).imageLength(3 * MIB).seed(p.hashCode()).build()
          .write(src, Codec.GZIP);
      byte[] bytes = src.toByteArray();
      BundleManifest m = b.build(new BundleBuilder.Source("in/" + p, "size=" + bytes.length),
          () -> new ByteArrayInputStream(bytes), new BundleBuilder.Target("gcc/" + p, "_" + p + "_0.1_memory_.zstd",
              new BundleManifest.SimPoint("gcc", p, "0.1", null)), new LocalOutputFiles(set)).manifest();
      if (first == null) {
        first = m;
      }
    }
  }

  @Test
  void aGoodSetExitsZeroAndPrintsNothingOnStdout() {
    CliRunner r = CliRunner.run("verify", set.toString());
    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertEquals("", r.out());
    assertEquals("gcpt verify: 3 of 3 bundle(s) checked, 0 bad\n", r.err());
  }

  @Test
  void oneLinePerBadBundle() throws IOException {
    Path image = set.resolve("gcc/2/_2_0.1_memory_.zstd");
    try (FileChannel c = FileChannel.open(image, StandardOpenOption.WRITE)) {
      c.truncate(Files.size(image) - 3);
    }
    Files.delete(set.resolve("gcc/3/bundle.json"));
    Files.writeString(set.resolve("gcc/3/bundle.json"), "{not json");
    CliRunner r = CliRunner.run("verify", set.toString());
    assertEquals(1, r.exitCode());
    List<String> lines = r.out().lines().toList();
    assertEquals(2, lines.size(), r.out());
    assertTrue(lines.get(0).startsWith(set.resolve("gcc/2") + ": frames: _2_0.1_memory_.zstd: frame "), lines.get(0));
    assertTrue(lines.get(0).contains("; file-length: "), lines.get(0));
    assertTrue(lines.get(1).startsWith(set.resolve("gcc/3") + ": manifest: bundle.json does not read: "), lines.get(1));
    assertEquals("gcpt verify: 3 of 3 bundle(s) checked, 2 bad\n", r.err());
  }

  @Test
  void aBundleDirectoryOrItsManifestAlone() throws IOException {
    Files.write(set.resolve(first.restorer().file()), new byte[] {1, 2, 3});
    CliRunner dir = CliRunner.run("verify", set.resolve("gcc/1").toString());
    assertEquals(1, dir.exitCode());
    assertEquals(1, dir.out().lines().count(), dir.out());
    assertTrue(dir.out().startsWith(set.resolve("gcc/1") + ": restorer-file: " + first.restorer().file()
        + " has sha256 "), dir.out());
    CliRunner manifest = CliRunner.run("verify", set.resolve("gcc/1/bundle.json").toString());
    assertEquals(dir.out(), manifest.out());
    assertEquals("gcpt verify: 1 of 1 bundle(s) checked, 1 bad\n", manifest.err());
  }

  @Test
  void sampleIsDeterministicAndSpreadEvenly() {
    assertEquals(List.of("a", "c"), VerifyCommand.sample(List.of("a", "b", "c", "d"), 2));
    assertEquals(List.of("a", "b", "c"), VerifyCommand.sample(List.of("a", "b", "c", "d"), 3));
    assertEquals(List.of("a", "c", "e"), VerifyCommand.sample(List.of("a", "b", "c", "d", "e", "f"), 3));
    assertEquals(List.of("a", "b"), VerifyCommand.sample(List.of("a", "b"), 5));
    CliRunner r = CliRunner.run("verify", "--sample", "2", set.toString());
    assertEquals(0, r.exitCode());
    assertEquals("gcpt verify: 2 of 3 bundle(s) checked (sample), 0 bad\n", r.err());
  }

  @Test
  void nothingToVerify() {
    CliRunner r = CliRunner.run("verify", set.resolve("nope").toString());
    assertEquals(1, r.exitCode());
    assertEquals("gcpt verify: no bundle.json at or under " + set.resolve("nope") + "\n", r.err());
  }
}
