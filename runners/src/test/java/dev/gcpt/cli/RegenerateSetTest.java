package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import dev.gcpt.core.set.SetManifest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gcpt regenerate}: the set index it writes, and the listing it finds bundles with. */
class RegenerateSetTest {
  @TempDir Path dir;

  @Test
  @Tag("e2e") // two runs and a regeneration: ~15 s
  void afterRegenerateSetJsonIsByteForByteThatOfAFreshRunWithTheNewRestorer() throws IOException {
    Path in = dir.resolve("set");
    List<SampleSet.Entry> entries = SampleSet.entries(2, 2, 2L << 20, 3);
    SampleSets.writeWithMetadata(in, entries);
    Path out = dir.resolve("out");
    Path fresh = dir.resolve("fresh");
    assertEquals(0, CliRunner.run("run", "--input", in.toString(), "--output", out.toString()).exitCode());
    assertEquals(0, CliRunner.run("run", "--input", in.toString(), "--output", fresh.toString(), "--platform",
        "qemu-virt").exitCode());
    CliRunner regen = CliRunner.run("regenerate", out.toString(), "--platform", "qemu-virt");
    assertEquals(0, regen.exitCode(), regen.err());
    assertEquals(Files.readString(fresh.resolve(SetManifest.FILE)), Files.readString(out.resolve(SetManifest.FILE)));
  }

  @Test
  void aBundleBelowADirectoryWhoseNameIsNotUtf8IsReportedNotSkipped() throws Exception {
    Path src = dir.resolve("src/gcc_166/12/_12_0.25_memory_.gz");
    Files.createDirectories(src.getParent());
    try (OutputStream o = Files.newOutputStream(src)) {
      SyntheticCheckpoint.builder().variant(Variant.V1).build().write(o, Codec.GZIP);
    }
    Path out = dir.resolve("out");
    CliRunner n = CliRunner.run("normalize", src.toString(), "-o", out.toString());
    assertEquals(0, n.exitCode(), n.err());
    // the point's directory renamed to a name with byte 0xFF (Java cannot name it; the shell can)
    Process p = new ProcessBuilder("bash", "-c", "cd \"$0\" && mv 12 \"12$(printf '\\377')x\"",
        out.resolve("gcc_166").toString()).redirectErrorStream(true).start();
    Assumptions.assumeTrue(p.waitFor() == 0, "this file system cannot hold a non-UTF-8 name");
    CliRunner regen = CliRunner.run("regenerate", out.toString(), "--platform", "qemu-virt");
    // Beam's match would drop the name and say there is no bundle; the listing keeps it
    assertTrue(regen.err().contains("gcc_166/12\uFFFDx"), regen.err());
    assertTrue(!regen.err().contains("no bundle.json under"), regen.err());
    assertEquals(1, regen.exitCode(), regen.out() + regen.err());
  }
}
