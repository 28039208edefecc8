package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.pipeline.GcptOptions;
import dev.gcpt.pipeline.GcptPipeline;
import dev.gcpt.pipeline.WriteSetFiles;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline process killed mid-run ({@code destroyForcibly}, SIGKILL: no shutdown hooks, no
 * finally blocks) after some bundles exist: no bundle looks complete unless it is (its image has
 * exactly the recorded size and SHA-256), nothing partial carries a final name, and a rerun
 * finishes the set without redoing the bundles that were complete.
 */
@Tag("e2e")
class KilledRunTest {
  /** Enough work that the kill lands mid-run: 22 checkpoints of 8 MiB. */
  static final int WORKLOADS = 4;
  static final int POINTS = 5;
  static final long IMAGE_BYTES = 8L << 20;
  /** Kill once this many bundles are complete. */
  static final int KILL_AFTER = 2;
  static final Duration DEADLINE = Duration.ofMinutes(3);

  @TempDir Path tmp;

  @Test
  void aKilledCliRunLeavesOnlyCompleteBundlesAndTheRerunFinishes() throws Exception {
    Path set = tmp.resolve("set");
    Path out = tmp.resolve("out");
    List<SampleSet.Entry> entries = Outputs.writeSet(set.toString(), WORKLOADS, POINTS, IMAGE_BYTES, 5);

    Path log = tmp.resolve("run.log");
    Process p = startRunUntilBundles(set, out, log);
    try {
      p.destroyForcibly();
      assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
    } finally {
      p.destroyForcibly();
    }
    assertFalse(Files.exists(out.resolve(WriteSetFiles.SET_JSON)), "set.json written by a run that did not finish");

    Outputs.Check killed = Outputs.check(out.toString());
    assertTrue(killed.bundles() >= KILL_AFTER, killed.toString());
    assertTrue(killed.bundles() < entries.size() - 2, "the kill came too late to matter: " + killed);

    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setRunner(DirectRunner.class);
    o.setInput(set.toString());
    o.setOutput(out.toString());
    assertEquals(PipelineResult.State.DONE,
        GcptPipeline.run(o).waitUntilFinish(org.joda.time.Duration.millis(DEADLINE.toMillis())));

    Outputs.Check after = Outputs.check(out.toString());
    JsonNode counts = Outputs.json(out + File.separator + WriteSetFiles.SET_JSON).get("counts");
    assertEquals(entries.size(), counts.get("inputs").asInt(), counts.toString());
    assertEquals(entries.size() - 2, counts.get("bundles").asInt(), counts.toString());
    assertEquals(2, counts.get("failures").asInt(), counts.toString());
    assertEquals(entries.size() - 2, after.bundles());
    assertEquals(0, after.imagesWithoutManifest(), after.toString());
    // the bundles that were complete when the process died were not redone
    JsonNode statuses = Outputs.json(out + File.separator + WriteSetFiles.RUN_JSON).get("statuses");
    assertEquals(killed.bundles(), statuses.path("UP_TO_DATE").asInt(), statuses.toString());
    assertEquals(entries.size() - 2 - killed.bundles(), statuses.path("BUILT").asInt(), statuses.toString());
    killed.imageShaByBundle().forEach((dir, sha) -> assertEquals(sha, after.imageShaByBundle().get(dir), dir));
  }

  /**
   * Ctrl-C (SIGINT) on a CLI run: one line, exit status 130. The rerun sweeps what the run left
   * half done (temporary files, empty directories) and finishes the set.
   */
  @Test
  void anInterruptedRunSaysSoAndTheRerunSweepsItsTemporariesAndFinishes() throws Exception {
    Path set = tmp.resolve("set");
    Path out = tmp.resolve("out");
    List<SampleSet.Entry> entries = Outputs.writeSet(set.toString(), WORKLOADS, POINTS, IMAGE_BYTES, 5);
    Path log = tmp.resolve("run.log");
    Process p = startRunUntilBundles(set, out, log);
    try {
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start();
      assertEquals(0, kill.waitFor());
      assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
      assertEquals(130, p.exitValue(), Files.readString(log));
    } finally {
      p.destroyForcibly();
    }
    String said = Files.readString(log);
    assertTrue(said.contains("gcpt: interrupted; rerun to resume"), said);
    // what a run killed at the worst moment leaves: a temporary image and an empty bundle directory
    Path bundleDir = Files.createDirectories(out.resolve("left/1"));
    Files.write(bundleDir.resolve("_1_0.5_memory_.zstd.partial-0123"), new byte[4096]);
    Files.createDirectories(out.resolve("empty/2"));

    Cli rerun = Cli.run("run", "--input", set.toString(), "--output", out.toString());
    assertEquals(0, rerun.exitCode(), rerun.out() + rerun.err());
    assertTrue(rerun.out().contains("gcpt run: removed "), rerun.out());
    assertFalse(Files.exists(out.resolve("left")));
    assertFalse(Files.exists(out.resolve("empty")));
    try (var files = Files.walk(out)) {
      assertEquals(List.of(), files.map(Path::toString).filter(f -> f.contains(".partial-")).toList());
    }
    JsonNode counts = Outputs.json(out + File.separator + WriteSetFiles.SET_JSON).get("counts");
    assertEquals(entries.size() - 2, counts.get("bundles").asInt(),
        counts + Files.readString(out.resolve(WriteSetFiles.FAILURES_JSONL)));
    assertEquals(0, Outputs.check(out.toString()).imagesWithoutManifest());
  }

  /**
   * {@code gcpt run} in a process of its own, two workers, its output in {@code log}; returns once
   * {@link #KILL_AFTER} bundles are complete, with the run still going.
   */
  private static Process startRunUntilBundles(Path set, Path out, Path log) throws Exception {
    Process p = startRun(set, out, log);
    try {
      Outputs.await(KILL_AFTER + " bundles (log: " + log + ")", DEADLINE,
          () -> Outputs.localManifests(out) >= KILL_AFTER || !p.isAlive());
      assertTrue(p.isAlive(), "the run ended before it could be stopped: " + Files.readString(log));
      return p;
    } catch (Exception | AssertionError e) {
      p.destroyForcibly();
      throw e;
    }
  }

  private static Process startRun(Path set, Path out, Path log) throws java.io.IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.gcpt.cli.Gcpt");
    cmd.addAll(List.of("run", "--input", set.toString(), "--output", out.toString(), "--parallelism", "2"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
