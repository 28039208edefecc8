package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NormalizeRegenerateCommandTest {
  @TempDir Path dir;

  Path checkpoint(String rel, SyntheticCheckpoint s, Codec c) throws IOException {
    Path f = dir.resolve("set").resolve(rel);
    Files.createDirectories(f.getParent());
    try (OutputStream o = Files.newOutputStream(f)) {
      s.write(o, c);
    }
    return f;
  }

  @Test
  void normalizeThenRegenerateEqualsNormalizingWithTheNewRestorer() throws IOException {
    Path a = checkpoint("gcc_166/12/_12_0.250000_memory_.gz", SyntheticCheckpoint.builder().variant(Variant.V3).build(),
        Codec.GZIP);
    Path b = checkpoint("mcf/7/_7_0.5.gz", SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).build(), Codec.ZSTD);
    Path out = dir.resolve("out");
    CliRunner r1 = CliRunner.run("normalize", a.toString(), "-o", out.toString());
    assertEquals(0, r1.exitCode(), r1.err());
    assertTrue(r1.out().startsWith("built " + out + "/gcc_166/12: V3, 1 hart(s)"), r1.out());
    assertEquals(0, CliRunner.run("normalize", b.toString(), "-o", out.toString()).exitCode());
    assertTrue(Files.exists(out.resolve("mcf/7/_7_0.5.zstd")));

    CliRunner regen = CliRunner.run("regenerate", out.toString(), "--platform", "qemu-virt");
    assertEquals(0, regen.exitCode(), regen.err());
    assertEquals("2 bundle(s): regenerated 2", regen.out().trim());
    assertEquals("2 bundle(s): up to date 2",
        CliRunner.run("regenerate", out.toString(), "--platform", "qemu-virt").out().trim());

    Path fresh = dir.resolve("fresh");
    assertEquals(0, CliRunner.run("normalize", a.toString(), "-o", fresh.toString(), "--platform", "qemu-virt").exitCode());
    assertArrayEquals(Files.readAllBytes(fresh.resolve("gcc_166/12/_12_0.250000_memory_.zstd")),
        Files.readAllBytes(out.resolve("gcc_166/12/_12_0.250000_memory_.zstd")));
  }

  @Test
  void badInputIsOneLineAndExitOne() throws IOException {
    Path bad = dir.resolve("junk.zstd");
    Files.write(bad, new byte[4096]);
    CliRunner r = CliRunner.run("normalize", bad.toString(), "-o", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("[not-a-checkpoint]"), r.err());
  }

  /** {@code gcpt regenerate DIR} with DIR relative to the working directory, plain and with "..". */
  @Test
  void regenerateTakesARelativeDirectory() throws IOException {
    Path a = checkpoint("gcc_166/12/_12_0.250000_memory_.gz", SyntheticCheckpoint.builder().build(), Codec.GZIP);
    Path cwd = Path.of("").toAbsolutePath();
    Path target = Files.createDirectories(cwd.resolve("target"));
    Path inside = Files.createTempDirectory(target, "regen-relative-");
    try {
      String plain = cwd.relativize(inside).toString(); // target/regen-relative-…
      assertEquals(0, CliRunner.run("normalize", a.toString(), "-o", plain).exitCode());
      CliRunner r = CliRunner.run("regenerate", plain, "--platform", "qemu-virt");
      assertEquals(0, r.exitCode(), r.err());
      assertEquals("1 bundle(s): regenerated 1", r.out().trim(), r.err());
      assertEquals("", r.err());
      CliRunner dotted = CliRunner.run("regenerate", "./" + plain + "/", "--platform", "qemu-virt");
      assertEquals("1 bundle(s): up to date 1", dotted.out().trim(), dotted.err());
    } finally {
      try (java.util.stream.Stream<Path> s = Files.walk(inside)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Path out = dir.resolve("out");
    assertEquals(0, CliRunner.run("normalize", a.toString(), "-o", out.toString()).exitCode());
    String up = cwd.relativize(out).toString(); // ../../tmp/junit…/out
    assertTrue(up.startsWith(".."), up);
    CliRunner r = CliRunner.run("regenerate", up, "--platform", "qemu-virt");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("1 bundle(s): regenerated 1", r.out().trim(), r.err());
  }
}
