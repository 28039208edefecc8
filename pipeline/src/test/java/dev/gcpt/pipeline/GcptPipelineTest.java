package dev.gcpt.pipeline;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.report.ReportWriter;
import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.core.sample.SampleWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class GcptPipelineTest {
  @TempDir Path tmp;

  /** Writes a sample set (with metadata) under {@code root}; returns its entries. */
  static List<SampleSet.Entry> writeSet(Path root, int workloads, int points) throws IOException {
    List<SampleSet.Entry> entries = SampleSet.entries(workloads, points, 2L << 20, 7);
    for (SampleSet.Entry e : entries) {
      Path f = root.resolve(e.path());
      Files.createDirectories(f.getParent());
      try (OutputStream o = Files.newOutputStream(f)) {
        SampleWriter.write(e, o);
      }
    }
    Files.createDirectories(root.resolve("json"));
    Files.writeString(root.resolve("json/checkpoints_all.json"), SampleSet.metadataJson(entries));
    return entries;
  }

  static GcptOptions options(Path in, Path out) {
    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setInput(in.toString());
    o.setOutput(out.toString());
    return o;
  }

  static Map<String, byte[]> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).collect(Collectors.toMap(p -> root.relativize(p).toString(), p -> {
        try {
          return Files.readAllBytes(p);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }, (a, b) -> a, TreeMap::new));
    }
  }

  @Test
  void everyInputEndsAsABundleOrAFailure(TestPipeline p) throws IOException {
    Path in = tmp.resolve("set");
    Path out = tmp.resolve("out");
    List<SampleSet.Entry> entries = writeSet(in, 3, 2);
    GcptOptions o = p.getOptions().as(GcptOptions.class);
    o.setInput(in.toString());
    o.setOutput(out.toString());
    GcptPipeline.Outputs outs = GcptPipeline.build(p, o);
    PAssert.that(outs.failures()).satisfies(fs -> {
      Map<String, String> reasons = new TreeMap<>();
      // a local set records set-relative paths, never this machine's absolute ones
      fs.forEach(f -> reasons.put(f.uri(), f.stage() + ":" + f.reason()));
      assertEquals(Map.of(
          "spec06_rv64gcb_o2_20m/broken_random/9/_9_0.200000_memory_.zstd", "read:not-a-checkpoint",
          "spec06_rv64gcb_o2_20m/broken_trunc/7/_7_0.100000_memory_.zstd", "read:truncated-stream"), reasons);
      return null;
    });
    int expectedBundles = entries.size() - 2;
    PAssert.that(outs.bundles()).satisfies(bs -> {
      List<String> dirs = new java.util.ArrayList<>();
      bs.forEach(b -> {
        assertEquals("BUILT", b.status());
        assertEquals("metadata", b.weightSource());
        dirs.add(b.bundleDir());
      });
      assertEquals(expectedBundles, dirs.size());
      return null;
    });
    p.run().waitUntilFinish();

    JsonNode set = Json.mapper().readTree(out.resolve("set.json").toFile());
    JsonNode c = set.get("counts");
    assertEquals(entries.size(), c.get("inputs").asInt());
    assertEquals(c.get("inputs").asInt(), c.get("bundles").asInt() + c.get("failures").asInt());
    assertEquals(2, Files.readAllLines(out.resolve("failures.jsonl")).size());
    assertEquals(entries.size() - 2, Files.readAllLines(out.resolve("checkpoint.lst")).size());
    assertTrue(Files.readString(out.resolve("json/checkpoints_all.json")).contains("\"insts\""));
    assertEquals("missing-checkpoint", set.get("notes").get(0).get("kind").asText());
    assertEquals("0.001000", set.get("notes").get(0).get("weight").asText(), "the metadata's weight of the point");
    String report = Files.readString(out.resolve(ReportWriter.FILE_NAME));
    assertTrue(report.contains("<div class=\"k\">inputs</div><div class=\"v\">" + entries.size() + "</div>"), report);
    assertTrue(report.contains("<div class=\"k\">bundles</div><div class=\"v\">" + expectedBundles + "</div>"));
    // the broken inputs count as failed points of their workloads, the metadata's extra point as missing
    assertTrue(report.contains("<title>broken_trunc: 1 failed</title>"), report);
    assertTrue(report.contains("<title>broken_random: 1 failed</title>"), report);
    assertTrue(report.contains("<title>" + entries.get(0).workload() + ": 1 missing</title>"), report);
    assertTrue(report.contains("local:set"), "the input named as set.json names it");
    for (SampleSet.Entry e : entries) {
      if (e.broken() == SampleSet.Broken.NONE) {
        JsonNode point = set.get("workloads").get(e.workload()).get("points").get(e.point());
        assertEquals(e.weight(), point.get("weight").asText());
        assertTrue(Files.exists(out.resolve(point.get("image").asText())), point.toString());
        assertTrue(Files.exists(out.resolve(point.get("bundle").asText()).resolve("bundle.json")));
      }
    }
    try (Stream<Path> s = Files.walk(out)) {
      assertFalse(s.anyMatch(x -> x.getFileName().toString().contains("tmp") || x.toString().contains(".partial")));
    }
    // manifests record set-relative sources for local sets, never this machine's absolute paths
    assertFalse(Files.readString(out.resolve(set.get("workloads").fields().next().getValue().get("points").fields()
        .next().getValue().get("bundle").asText()).resolve("bundle.json")).contains(tmp.toString()));
  }

  @Test
  void rerunWritesNothingNewAndARestorerChangeRegenerates() throws IOException {
    Path in = tmp.resolve("set");
    Path out = tmp.resolve("out");
    writeSet(in, 2, 2);
    run(options(in, out));
    Map<String, byte[]> first = files(out);
    JsonNode firstSet = Json.mapper().readTree(out.resolve("set.json").toFile());

    run(options(in, out));
    JsonNode rerun = Json.mapper().readTree(out.resolve("run.json").toFile());
    assertEquals("{\"UP_TO_DATE\":4}", rerun.get("statuses").toString());
    Map<String, byte[]> second = files(out);
    first.remove("run.json");
    second.remove("run.json");
    // report.html: the same except its run section (statuses and times)
    assertEquals(ReportWriter.withoutRunSection(new String(first.remove(ReportWriter.FILE_NAME), UTF_8)),
        ReportWriter.withoutRunSection(new String(second.remove(ReportWriter.FILE_NAME), UTF_8)));
    assertEquals(first.keySet(), second.keySet());
    first.forEach((k, v) -> assertArrayEquals(v, second.get(k), k));

    GcptOptions virt = options(in, out);
    virt.setPlatform("qemu-virt");
    run(virt);
    JsonNode regen = Json.mapper().readTree(out.resolve("run.json").toFile());
    assertEquals("{\"REGENERATED\":4}", regen.get("statuses").toString());
    assertEquals(0, regen.get("sourceBytesRead").asLong() - regen.get("sourceBytesRead").asLong());
    JsonNode set = Json.mapper().readTree(out.resolve("set.json").toFile());
    assertEquals(firstSet.get("counts"), set.get("counts"));
    set.get("restorers").fields().forEachRemaining(r ->
        assertEquals("qemu-virt", r.getValue().get("parameters").get("platform").asText()));
  }

  static void run(GcptOptions o) {
    Pipeline p = Pipeline.create(o);
    GcptPipeline.build(p, o);
    p.run().waitUntilFinish();
  }
}
