package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.report.ReportWriter;
import dev.gcpt.core.sample.SampleSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalExecutor} against the reference, the Beam job on the DirectRunner: on one set that
 * holds valid checkpoints with metadata and every kind of broken input ({@link BadInputs}), both
 * must write the same bundles and set files, byte for byte (the run's own story aside:
 * {@code run.json} and the report's run section).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalExecutorTest {
  Path set;
  Path direct;
  Path local;
  List<SampleSet.Entry> entries;
  LocalExecutor.Result result;
  final List<long[]> progress = new ArrayList<>();

  @BeforeAll
  void runBoth(@TempDir Path tmp) throws Exception {
    set = tmp.resolve("set");
    entries = GcptPipelineTest.writeSet(set, 2, 3);
    for (BadInputs.Case c : BadInputsPipelineTest.all()) {
      Path f = set.resolve(c.relativePath());
      Files.createDirectories(f.getParent());
      Files.write(f, c.bytes().get());
    }
    direct = tmp.resolve("direct");
    local = tmp.resolve("local");
    GcptOptions o = options(direct);
    o.setRunner(DirectRunner.class);
    assertEquals(PipelineResult.State.DONE, GcptPipeline.run(o).waitUntilFinish(BadInputsPipelineTest.RUN_DEADLINE));
    result = LocalExecutor.run(new LocalExecutor.Job(set.toString(), local.toString(),
        NormalizeCheckpoints.Config.of(options(local)), 2, null), (done, total, raw) -> progress.add(
            new long[] {done, total, raw}));
  }

  GcptOptions options(Path out) {
    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setInput(set.toString());
    o.setOutput(out.toString());
    o.setMaxImageGib(BadInputs.MAX_IMAGE_GIB);
    return o;
  }

  @Test
  void writesTheSameBytesAsTheDirectRunner() throws IOException {
    Map<String, byte[]> d = GcptPipelineTest.files(direct);
    Map<String, byte[]> l = GcptPipelineTest.files(local);
    assertEquals(d.keySet(), l.keySet());
    assertEquals(ReportWriter.withoutRunSection(new String(d.remove(ReportWriter.FILE_NAME), StandardCharsets.UTF_8)),
        ReportWriter.withoutRunSection(new String(l.remove(ReportWriter.FILE_NAME), StandardCharsets.UTF_8)));
    d.remove("run.json");
    l.remove("run.json");
    d.forEach((k, v) -> assertArrayEquals(v, l.get(k), k));
    long bundles = d.keySet().stream().filter(k -> k.endsWith("/bundle.json")).count();
    int bad = BadInputs.localCases().size();
    long broken = entries.stream().filter(e -> e.broken() != SampleSet.Broken.NONE).count();
    assertEquals(2, broken);
    assertEquals(entries.size() - broken + BadInputs.goodCases().size(), bundles);
    assertEquals(bundles, result.bundles());
    assertTrue(new String(d.get(WriteSetFiles.FAILURES_JSONL), StandardCharsets.UTF_8).lines().count() >= bad);
  }

  @Test
  void accountsForEveryInput() throws IOException {
    JsonNode s = Json.mapper().readTree(local.resolve(WriteSetFiles.SET_JSON).toFile());
    JsonNode c = s.get("counts");
    assertEquals(result.bundles(), c.get("bundles").asInt());
    assertEquals(result.tasks() + result.matchFailures(), c.get("inputs").asInt());
    assertEquals(c.get("inputs").asInt(), c.get("bundles").asInt() + c.get("failures").asInt()
        - (c.has("metadataErrors") ? c.get("metadataErrors").asInt() : 0));
    assertTrue(result.setWritten());
    assertTrue(result.foundAny());
    // told once per checkpoint, in order, with the total
    assertEquals(result.tasks(), progress.size());
    for (int i = 0; i < progress.size(); i++) {
      assertEquals(i + 1, progress.get(i)[0]);
      assertEquals(result.tasks(), progress.get(i)[1]);
    }
  }

  @Test
  void aSecondRunFindsEveryBundleUpToDate(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("again");
    NormalizeCheckpoints.Config config = NormalizeCheckpoints.Config.of(options(out));
    LocalExecutor.run(new LocalExecutor.Job(set.toString(), out.toString(), config, 2, null), null);
    Map<String, byte[]> first = GcptPipelineTest.files(out);
    LocalExecutor.run(new LocalExecutor.Job(set.toString(), out.toString(), config, 1, null), null);
    Map<String, byte[]> second = GcptPipelineTest.files(out);
    JsonNode run = Json.mapper().readTree(second.get("run.json"));
    assertEquals(result.bundles(), run.get("statuses").get("UP_TO_DATE").asInt(), run.toString());
    assertEquals(1, run.get("statuses").size(), run.toString());
    for (String k : new TreeMap<>(first).keySet()) {
      if (!k.equals("run.json") && !k.equals(ReportWriter.FILE_NAME)) {
        assertArrayEquals(first.get(k), second.get(k), k);
      }
    }
  }

  @Test
  void anEmptyInputWritesNothing(@TempDir Path tmp) throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Path out = tmp.resolve("out");
    LocalExecutor.Result r = LocalExecutor.run(new LocalExecutor.Job(empty.toString(), out.toString(),
        NormalizeCheckpoints.Config.of(options(out)), 2, null), null);
    assertFalse(r.foundAny());
    assertFalse(r.setWritten());
    assertFalse(Files.exists(out.resolve(WriteSetFiles.SET_JSON)));
  }

  @Test
  void aWorkerThatCannotStartFailsTheRunAndWritesNoSetFiles(@TempDir Path tmp) {
    Path out = tmp.resolve("out");
    GcptOptions o = options(out);
    o.setRestorer(tmp.resolve("no-such-gcpt.bin").toString());
    IOException e = assertThrows(IOException.class, () -> LocalExecutor.run(new LocalExecutor.Job(set.toString(),
        out.toString(), NormalizeCheckpoints.Config.of(o), 2, null), null));
    assertTrue(e instanceof NoSuchFileException || e.getMessage().contains("no-such-gcpt.bin"), e.toString());
    assertFalse(Files.exists(out.resolve(WriteSetFiles.SET_JSON)));
  }
}
