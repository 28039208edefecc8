package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gcpt run} on a NEMU uniform set named as NEMU cc2dd3dd names it (the directory is the
 * scheduled count, the file the actual one): every checkpoint becomes a bundle, and a
 * checkpoint-named file that cannot be joined is a failure line (it used to be
 * {@code inputs 0 = bundles 0 + failures 0}, exit 0).
 */
@Tag("e2e")
class RunUniformSetCommandTest {
  @TempDir Path dir;

  @Test
  void runConvertsEveryNemuUniformCheckpointAndReportsTheUnjoinable() throws IOException {
    Path set = dir.resolve("set");
    String[] files = {"uniform_cpt/loop/500000/_500001_memory_.zstd", "uniform_cpt/loop/1000000/_1000001_memory_.zstd",
        "uniform_cpt/loop/next/_1500001_memory_.zstd"};
    for (int i = 0; i < files.length; i++) {
      Path f = set.resolve(files[i]);
      Files.createDirectories(f.getParent());
      try (OutputStream o = Files.newOutputStream(f)) {
        SyntheticCheckpoint.builder().seed(i).build().write(o, Codec.ZSTD);
      }
    }
    Path out = dir.resolve("out");
    CliRunner r = CliRunner.run("run", "--input", set.toString(), "--output", out.toString());
    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertTrue(r.out().contains("inputs 3 = bundles 2 + failures 1"), r.out());
    assertTrue(r.out().contains("failures unjoinable-name"), r.out());
    JsonNode p = Json.mapper().readTree(out.resolve("set.json").toFile()).get("workloads").get("loop").get("points");
    assertEquals("500001", p.get("500000").get("uniform").get("actualInsts").asText());
    assertEquals("1000001", p.get("1000000").get("uniform").get("actualInsts").asText());
    JsonNode failure = Json.mapper().readTree(Files.readAllLines(out.resolve("failures.jsonl")).get(0));
    assertEquals("uniform_cpt/loop/next/_1500001_memory_.zstd", failure.get("uri").asText());
    assertEquals("match", failure.get("stage").asText());
  }
}
