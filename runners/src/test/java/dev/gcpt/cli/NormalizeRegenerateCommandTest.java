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
    assertEquals("2 bundle(s): {REGENERATED=2}", regen.out().trim());
    assertEquals("2 bundle(s): {UP_TO_DATE=2}",
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
}
