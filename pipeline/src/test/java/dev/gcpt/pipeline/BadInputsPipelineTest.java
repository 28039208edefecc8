package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of broken input, each in its own point of one local set, through the real pipeline
 * (GcptPipeline on the DirectRunner): each must end as exactly one line of failures.jsonl with
 * the stage and reason it deserves, never as a bundle, while the valid checkpoints beside them
 * still become bundles and set.json accounts for every input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputsPipelineTest {
  /** Upper bound for the one pipeline run (it takes a few seconds). */
  static final Duration RUN_DEADLINE = Duration.standardMinutes(3);
  /** A directory name that is not UTF-8 (byte 0xFF), made by the shell: Java cannot name it. */
  static final String NON_UTF8_DIR_SHELL = "bad$(printf '\\377')name";

  Path tmp;
  Path set;
  Path out;
  final Map<String, JsonNode> failures = new TreeMap<>();
  final List<String> failureLines = new ArrayList<>();
  JsonNode setJson;
  boolean nonUtf8Written;

  @BeforeAll
  void runTheSet(@TempDir Path dir) throws Exception {
    tmp = dir;
    set = tmp.resolve("set");
    out = tmp.resolve("out");
    for (BadInputs.Case c : all()) {
      Path f = set.resolve(c.relativePath());
      Files.createDirectories(f.getParent());
      Files.write(f, c.bytes().get());
    }
    nonUtf8Written = writeNonUtf8Name();

    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setRunner(DirectRunner.class);
    o.setInput(set.toString());
    o.setOutput(out.toString());
    o.setMaxImageGib(BadInputs.MAX_IMAGE_GIB);
    assertEquals(PipelineResult.State.DONE, GcptPipeline.run(o).waitUntilFinish(RUN_DEADLINE));

    for (String line : Files.readAllLines(out.resolve(WriteSetFiles.FAILURES_JSONL))) {
      JsonNode f = Json.mapper().readTree(line);
      failureLines.add(line);
      assertNull(failures.put(f.get("uri").asText(), f), "two failure lines for " + f.get("uri"));
    }
    setJson = Json.mapper().readTree(out.resolve(WriteSetFiles.SET_JSON).toFile());
  }

  /** A valid checkpoint in a directory whose name is byte 0xFF; false if the shell cannot make it. */
  private boolean writeNonUtf8Name() throws IOException, InterruptedException {
    Path f = set.resolve(BadInputs.path("nonutf8", ".zstd"));
    Files.createDirectories(f.getParent());
    Files.write(f, BadInputs.encode(BadInputs.valid(30), dev.gcpt.core.codec.Codec.ZSTD));
    Process p = new ProcessBuilder("bash", "-c", "cd \"$0\" && mv nonutf8 " + NON_UTF8_DIR_SHELL, set.toString())
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean ok = p.waitFor() == 0;
    assertTrue(ok || output.contains("Invalid or incomplete multibyte"), output);
    return ok;
  }

  static List<BadInputs.Case> all() {
    List<BadInputs.Case> all = new ArrayList<>(BadInputs.localCases());
    all.addAll(BadInputs.goodCases());
    return all;
  }

  static Stream<BadInputs.Case> cases() {
    return BadInputs.localCases().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void endsAsOneFailureLineWithItsStageAndReason(BadInputs.Case c) {
    JsonNode f = failures.get(c.relativePath());
    assertNotNull(f, c.relativePath() + " has no failure line; lines: " + failureLines);
    assertEquals(c.stage() + ":" + c.reason(), f.get("stage").asText() + ":" + f.get("reason").asText(),
        f.toString());
    assertTrue(f.get("message").asText().contains(c.relativePath().substring(0, c.relativePath().indexOf('/'))),
        "the message names the input: " + f);
    String[] seg = c.relativePath().split("/");
    assertFalse(Files.exists(out.resolve(seg[0]).resolve(seg[1]).resolve("bundle.json")), "a bundle for " + c);
    JsonNode w = setJson.get("workloads").get(seg[0]);
    assertTrue(w == null || !w.get("points").has(seg[1]), "set.json lists " + c);
  }

  @Test
  void theValidCheckpointsBesideThemBecomeBundlesWithFileNameWeights() throws IOException {
    for (BadInputs.Case c : BadInputs.goodCases()) {
      String[] seg = c.relativePath().split("/");
      JsonNode point = setJson.get("workloads").get(seg[0]).get("points").get(seg[1]);
      assertNotNull(point, c.toString());
      assertEquals(BadInputs.WEIGHT, point.get("weight").asText());
      assertEquals("file-name", point.get("weightSource").asText());
      assertTrue(Files.size(out.resolve(point.get("image").asText())) > 0);
      JsonNode manifest = Json.mapper().readTree(out.resolve(point.get("bundle").asText()).resolve("bundle.json")
          .toFile());
      assertEquals(c.relativePath(), manifest.get("source").get("uri").asText());
    }
  }

  @Test
  void setJsonAccountsForEveryInput() {
    JsonNode counts = setJson.get("counts");
    int bad = BadInputs.localCases().size() + (nonUtf8Written ? 1 : 0);
    int good = BadInputs.goodCases().size();
    assertEquals(bad + good, counts.get("inputs").asInt(), counts.toString());
    assertEquals(good, counts.get("bundles").asInt(), counts.toString());
    assertEquals(bad, counts.get("failures").asInt(), counts.toString());
    assertEquals(0, counts.get("metadataErrors").asInt(), counts.toString());
    assertFalse(counts.has("unaccounted"), counts.toString());
    assertEquals(counts.get("inputs").asInt(), counts.get("bundles").asInt() + counts.get("failures").asInt());
    assertEquals(bad, failureLines.size());
    long byReason = 0;
    for (JsonNode n : setJson.get("failuresByReason")) {
      byReason += n.asLong();
    }
    assertEquals(bad, byReason);
  }

  @Test
  void aNonUtf8FileNameIsRefusedAsUnsafe() {
    org.junit.jupiter.api.Assumptions.assumeTrue(nonUtf8Written, "this file system cannot hold a non-UTF-8 name");
    List<JsonNode> matching = failures.values().stream()
        .filter(f -> f.get("uri").asText().startsWith("bad") && f.get("uri").asText().endsWith("/1/_1_"
            + BadInputs.WEIGHT + "_memory_.zstd")).toList();
    assertEquals(1, matching.size(), failureLines.toString());
    JsonNode f = matching.get(0);
    assertEquals("match:unsafe-path", f.get("stage").asText() + ":" + f.get("reason").asText(), f.toString());
    assertTrue(f.get("message").asText().contains("U+FFFD"), f.toString());
  }

  @Test
  void nothingOutsideTheOutputRootAndNoAbsolutePathsRecorded() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of("out", "set"), s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    try (Stream<Path> s = Files.walk(out)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String name = p.getFileName().toString();
        assertFalse(name.contains(".partial-") || name.startsWith(".gcpt-tmp-"), "left behind: " + p);
        if (name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".lst")) {
          String text = Files.readString(p);
          assertFalse(text.contains(tmp.toString()), p + " records an absolute path: " + text);
          assertFalse(text.contains(System.getProperty("user.dir")), p + " records the working directory");
        }
      }
    }
  }
}
