package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rerun with nothing to do is decided without a pipeline; anything changed still goes through it. */
@Tag("e2e")
class UpToDateRunTest {
  private static final String NO_PIPELINE = "everything up to date, decided from the listing and the manifests"
      + " (no image read)";

  @TempDir Path dir;

  @Test
  void aRerunWithNothingToDoStartsNoPipelineAndAnyChangeStartsOne() throws IOException {
    Path set = dir.resolve("set");
    for (String[] pw : new String[][] {{"3", "0.2"}, {"9", "0.3"}, {"31", "0.5"}}) {
      int p = Integer.parseInt(pw[0]);
      Path f = Files.createDirectories(set.resolve("gcc/" + p)).resolve("_" + p + "_" + pw[1] + "_memory_.zstd");
      try (OutputStream o = Files.newOutputStream(f)) {
        SyntheticCheckpoint.builder().seed(p).imageLength(1 << 20).build().write(o, Codec.ZSTD);
      }
    }
    Path meta = Files.createDirectories(set.resolve("json")).resolve("checkpoints_all.json");
    Files.writeString(meta, "{\"gcc\": {\"insts\": \"1000\", \"points\": {\"3\": \"0.2\", \"9\": \"0.3\", \"31\": \"0.5\"}}}");
    Path out = dir.resolve("out");
    String[] run = {"run", "--input", set.toString(), "--output", out.toString()};

    CliRunner first = CliRunner.run(run);
    assertEquals(0, first.exitCode(), first.out() + first.err());
    assertTrue(first.out().contains("(built 3)"), first.out());
    String setJson = Files.readString(out.resolve("set.json"));

    CliRunner again = CliRunner.run(run);
    assertEquals(0, again.exitCode(), again.out() + again.err());
    assertTrue(again.out().contains(NO_PIPELINE), again.out());
    assertTrue(again.out().contains("inputs 3 = bundles 3 + failures 0   (up to date 3)"), again.out());
    assertEquals(setJson, Files.readString(out.resolve("set.json")), "the set files are left as they were");

    // other options: the pipeline decides (here: a new restorer for every bundle)
    CliRunner nemu = CliRunner.run(run[0], run[1], run[2], run[3], run[4], "--platform", "nemu");
    assertEquals(0, nemu.exitCode(), nemu.out() + nemu.err());
    assertTrue(nemu.out().contains("(regenerated 3)"), nemu.out());
    assertTrue(CliRunner.run(run[0], run[1], run[2], run[3], run[4], "--platform", "nemu").out().contains(NO_PIPELINE));

    // a checkpoint replaced, even by one whose time is older than the set files: its fingerprint differs
    // (and back to the default platform: the other two get their first restorer again)
    Path replaced = set.resolve("gcc/9/_9_0.3_memory_.zstd");
    try (OutputStream o = Files.newOutputStream(replaced)) {
      SyntheticCheckpoint.builder().seed(99).imageLength(1 << 20).build().write(o, Codec.ZSTD);
    }
    Files.setLastModifiedTime(replaced, FileTime.from(Instant.now().minusSeconds(3600)));
    CliRunner rebuilt = CliRunner.run(run);
    assertTrue(rebuilt.out().contains("(built 1, regenerated 2)"), rebuilt.out());

    // new weights: the pipeline writes the set files again
    Files.writeString(meta, "{\"gcc\": {\"insts\": \"1000\", \"points\": {\"3\": \"0.20\", \"9\": \"0.30\", \"31\": \"0.50\"}}}");
    CliRunner reweighted = CliRunner.run(run);
    assertTrue(!reweighted.out().contains(NO_PIPELINE) && reweighted.out().contains("(up to date 3)"),
        reweighted.out());
    assertTrue(Files.readString(out.resolve("set.json")).contains("\"weight\" : \"0.30\""));
    assertTrue(CliRunner.run(run).out().contains(NO_PIPELINE));

    // a checkpoint more (or a failure in the set files): the pipeline again
    Path extra = Files.createDirectories(set.resolve("gcc/77")).resolve("_77_0.3_memory_.zstd");
    Files.copy(replaced, extra);
    Files.setLastModifiedTime(extra, FileTime.from(Instant.now().minusSeconds(3600)));
    CliRunner more = CliRunner.run(run);
    assertTrue(!more.out().contains(NO_PIPELINE), more.out());
  }
}
