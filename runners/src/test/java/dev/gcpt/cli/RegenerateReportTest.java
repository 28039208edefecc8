package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.report.ReportWriter;
import dev.gcpt.core.sample.SampleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gcpt regenerate} on a set root rewrites report.html along with set.json. */
class RegenerateReportTest {
  @TempDir Path dir;

  @Test
  void afterRegenerateTheReportIsThatOfAFreshRunWithTheNewRestorer() throws IOException {
    Path in = dir.resolve("set");
    List<SampleSet.Entry> entries = SampleSet.entries(2, 2, 2L << 20, 3);
    SampleSets.writeWithMetadata(in, entries);
    Path out = dir.resolve("out");
    Path fresh = dir.resolve("fresh");
    assertEquals(0, CliRunner.run("run", "--input", in.toString(), "--output", out.toString()).exitCode());
    assertEquals(0, CliRunner.run("run", "--input", in.toString(), "--output", fresh.toString(), "--platform",
        "qemu-virt").exitCode());
    String before = Files.readString(out.resolve(ReportWriter.FILE_NAME));
    assertTrue(before.contains("<b>platform</b> xiangshan"), "built for xiangshan first");

    java.util.Set<String> oldRestorers;
    try (var files = Files.list(out.resolve("restorers"))) {
      oldRestorers = files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
    }
    CliRunner regen = CliRunner.run("regenerate", out.toString(), "--platform", "qemu-virt");
    assertEquals(0, regen.exitCode(), regen.err());
    // the restorers the xiangshan bundles had are gone; restorers/ holds what set.json names
    java.util.Set<String> now;
    try (var files = Files.list(out.resolve("restorers"))) {
      now = files.map(p -> "restorers/" + p.getFileName()).collect(java.util.stream.Collectors.toSet());
    }
    java.util.Set<String> named = new java.util.TreeSet<>();
    dev.gcpt.core.json.Json.mapper().readTree(out.resolve("set.json").toFile()).get("restorers")
        .forEach(r -> named.add(r.get("file").asText()));
    assertEquals(named, new java.util.TreeSet<>(now));
    assertTrue(regen.out().contains("removed " + oldRestorers.size() + " restorer file(s) no bundle uses any more"),
        regen.out());
    String after = Files.readString(out.resolve(ReportWriter.FILE_NAME));
    assertFalse(after.contains("<b>platform</b> xiangshan"), "no stale restorer left in the report");
    assertTrue(after.contains("regenerated " + (entries.size() - 2)), "the run section tells the regeneration");
    assertEquals(ReportWriter.withoutRunSection(Files.readString(fresh.resolve(ReportWriter.FILE_NAME))),
        ReportWriter.withoutRunSection(after));
  }
}
