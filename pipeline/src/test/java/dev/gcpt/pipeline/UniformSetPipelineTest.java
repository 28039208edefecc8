package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uniform sets as NEMU and XiangShan's QEMU fork write them: joined by their directory (the
 * scheduled instruction count), the file's actual count kept; checkpoint-named files that cannot be
 * joined end as failures, never skipped.
 */
class UniformSetPipelineTest {
  @TempDir Path tmp;

  private void checkpoint(Path root, String rel, long seed, Codec codec) throws IOException {
    Path f = root.resolve(rel);
    Files.createDirectories(f.getParent());
    try (OutputStream o = Files.newOutputStream(f)) {
      SyntheticCheckpoint.builder().seed(seed).build().write(o, codec);
    }
  }

  /** A flash checkpoint as NEMU's flash config writes it: {@code <base>_memory_.zstd} and {@code <base>_flash_.zstd}. */
  private void flashCheckpoint(Path root, String base, long seed) throws IOException {
    byte[] boot = new byte[16];
    java.nio.ByteBuffer.wrap(boot).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 0x0100006F).putInt(4, 16);
    SyntheticCheckpoint cp = SyntheticCheckpoint.builder().seed(seed).embeddedRestorer(boot).build();
    Path memory = root.resolve(base + "_memory_.zstd");
    Files.createDirectories(memory.getParent());
    try (OutputStream o = Files.newOutputStream(memory)) {
      dev.gcpt.core.sample.SyntheticFlash.writeMemory(cp, o, Codec.ZSTD);
    }
    try (OutputStream o = Files.newOutputStream(root.resolve(base + "_flash_.zstd"))) {
      dev.gcpt.core.sample.SyntheticFlash.writeFlash(cp, 2L << 20, o, Codec.ZSTD);
    }
  }

  @Test
  void uniformCheckpointsBecomeBundlesWithBothCountsAndUnjoinableNamesFail() throws IOException {
    Path in = tmp.resolve("set");
    Path out = tmp.resolve("out");
    // NEMU cc2dd3dd: directory = scheduled count, file = actual count
    checkpoint(in, "uniform_cpt/hmmer_nph3/2000000/_2000132_memory_.zstd", 1, Codec.ZSTD);
    flashCheckpoint(in, "uniform_cpt/hmmer_nph3/4000000/_4000057", 2);
    // QEMU fork: <wl>/<wl>/<inst>/_<inst>_.gz, zstd content, the same count in both
    checkpoint(in, "qemu/uniform/lbm/lbm/100000000/_100000000_.gz", 3, Codec.ZSTD);
    // checkpoint-named but not joinable
    checkpoint(in, "uniform_cpt/hmmer_nph3/latest/_6000000_memory_.zstd", 4, Codec.ZSTD);
    checkpoint(in, "take_cpt/gcc/31/_32_0.500000_memory_.zstd", 5, Codec.ZSTD);
    // not checkpoint-named: ignored
    Files.writeString(in.resolve("uniform_cpt/hmmer_nph3/nemu_out.txt"), "log\n");

    GcptPipelineTest.run(GcptPipelineTest.options(in, out));

    JsonNode set = Json.mapper().readTree(out.resolve("set.json").toFile());
    assertEquals("{\"bundles\":3,\"failures\":2,\"inputs\":5,\"metadataErrors\":0}", set.get("counts").toString());
    JsonNode hmmer = set.get("workloads").get("hmmer_nph3").get("points");
    assertEquals(List.of("2000000", "4000000"), names(hmmer));
    JsonNode p = hmmer.get("2000000");
    assertEquals("{\"actualInsts\":\"2000132\",\"scheduledInsts\":\"2000000\"}", p.get("uniform").toString());
    assertEquals("hmmer_nph3/2000000", p.get("bundle").asText());
    assertEquals("hmmer_nph3/2000000/_2000132_memory_.zstd", p.get("image").asText());
    assertEquals("none", p.get("weightSource").asText());
    assertEquals("{\"actualInsts\":\"4000057\",\"scheduledInsts\":\"4000000\"}",
        hmmer.get("4000000").get("uniform").toString());
    assertEquals("{\"actualInsts\":\"100000000\",\"scheduledInsts\":\"100000000\"}",
        set.get("workloads").get("lbm").get("points").get("100000000").get("uniform").toString());

    // the flash file beside 4000000's memory image goes into its bundle (a flash checkpoint)
    assertEquals("{\"image\":\"hmmer_nph3/4000000/_4000057_flash_.zstd\",\"restorer\":\""
        + Json.mapper().readTree(out.resolve("hmmer_nph3/4000000/bundle.json").toFile()).get("flash").get("restorer")
            .get("sha256").asText() + "\"}", hmmer.get("4000000").get("flash").toString());
    assertTrue(Files.isRegularFile(out.resolve("hmmer_nph3/4000000/_4000057_flash_.zstd")));
    for (JsonNode n : set.get("notes")) {
      assertFalse(n.get("kind").asText().equals("flash-not-bundled"), n.toString());
    }

    JsonNode manifest = Json.mapper().readTree(out.resolve("hmmer_nph3/2000000/bundle.json").toFile());
    JsonNode simpoint = manifest.get("simpoint");
    assertEquals("2000000", simpoint.get("point").asText());
    assertEquals("{\"scheduledInsts\":\"2000000\",\"actualInsts\":\"2000132\"}", simpoint.get("uniform").toString());
    assertFalse(simpoint.has("weight"), simpoint.toString());

    Map<String, JsonNode> failures = new TreeMap<>();
    for (String line : Files.readAllLines(out.resolve("failures.jsonl"))) {
      JsonNode f = Json.mapper().readTree(line);
      failures.put(f.get("uri").asText(), f);
    }
    assertEquals(List.of("take_cpt/gcc/31/_32_0.500000_memory_.zstd",
        "uniform_cpt/hmmer_nph3/latest/_6000000_memory_.zstd"), List.copyOf(failures.keySet()));
    for (JsonNode f : failures.values()) {
      assertEquals("match", f.get("stage").asText());
      assertEquals("unjoinable-name", f.get("reason").asText());
    }
    assertTrue(failures.get("take_cpt/gcc/31/_32_0.500000_memory_.zstd").get("message").asText()
        .contains("the file name says point 32 but its directory is '31'"), failures.toString());
    assertTrue(failures.get("uniform_cpt/hmmer_nph3/latest/_6000000_memory_.zstd").get("message").asText()
        .contains("directory 'latest', which is not an instruction count"), failures.toString());
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new java.util.ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
