package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A set whose metadata file is broken still runs: the metadata file gets one failures.jsonl
 * line (stage "metadata", not counted as an input) and every checkpoint takes its weight from
 * its file name.
 */
class MetadataErrorsPipelineTest {
  static final String METADATA = "json/checkpoints_all.json";
  static final List<String> CHECKPOINTS = List.of("mcf/3/_3_0.250000_memory_.zstd", "mcf/8/_8_0.750000_memory_.zstd");

  @TempDir Path tmp;

  JsonNode run(String metadata) throws IOException {
    Path set = tmp.resolve("set");
    Path out = tmp.resolve("out");
    long seed = 40;
    for (String rel : CHECKPOINTS) {
      Path f = set.resolve(rel);
      Files.createDirectories(f.getParent());
      Files.write(f, BadInputs.encode(BadInputs.valid(seed++), Codec.ZSTD));
    }
    Files.createDirectories(set.resolve("json"));
    Files.writeString(set.resolve(METADATA), metadata);
    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setRunner(DirectRunner.class);
    o.setInput(set.toString());
    o.setOutput(out.toString());
    assertEquals(PipelineResult.State.DONE, GcptPipeline.run(o).waitUntilFinish(BadInputsPipelineTest.RUN_DEADLINE));

    List<String> lines = Files.readAllLines(out.resolve(WriteSetFiles.FAILURES_JSONL));
    assertEquals(1, lines.size(), lines.toString());
    JsonNode f = Json.mapper().readTree(lines.get(0));
    assertEquals(METADATA, f.get("uri").asText());
    assertEquals("metadata:bad-metadata", f.get("stage").asText() + ":" + f.get("reason").asText());

    JsonNode set1 = Json.mapper().readTree(out.resolve(WriteSetFiles.SET_JSON).toFile());
    assertEquals("{\"bundles\":2,\"failures\":0,\"inputs\":2,\"metadataErrors\":1}", set1.get("counts").toString());
    JsonNode points = set1.get("workloads").get("mcf").get("points");
    assertEquals("0.250000 file-name", points.get("3").get("weight").asText() + " "
        + points.get("3").get("weightSource").asText());
    assertEquals("0.750000 file-name", points.get("8").get("weight").asText() + " "
        + points.get("8").get("weightSource").asText());
    String written = Files.readString(out.resolve(METADATA));
    assertTrue(written.contains("0.250000") && written.contains("0.750000"), "the set's metadata keeps the weights: "
        + written);
    return f;
  }

  @Test
  void malformedJson() throws IOException {
    JsonNode f = run("{\"mcf\": {\"points\": {\"3\": ");
    assertTrue(f.get("message").asText().contains(METADATA), f.toString());
  }

  @Test
  void weightsThatDoNotParse() throws IOException {
    JsonNode f = run("{\"mcf\": {\"insts\": \"1000\", \"points\": {\"3\": \"heavy\", \"8\": \"0.75\"}}}");
    assertTrue(f.get("message").asText().contains("heavy"), f.toString());
  }
}
