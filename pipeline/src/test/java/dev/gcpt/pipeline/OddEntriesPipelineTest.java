package dev.gcpt.pipeline;

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
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Entries of a local set that are not readable regular files: every checkpoint-named one is an
 * input and ends as a failure line saying what it is; none aborts the run or vanishes.
 */
class OddEntriesPipelineTest {
  @TempDir Path tmp;

  private static void checkpoint(Path f) throws IOException {
    Files.createDirectories(f.getParent());
    try (OutputStream o = Files.newOutputStream(f)) {
      SyntheticCheckpoint.builder().build().write(o, Codec.ZSTD);
    }
  }

  @Test
  void fifosDevicesAndBrokenLinksAreFailuresNotSilence() throws IOException, InterruptedException {
    Path in = tmp.resolve("set");
    Path out = tmp.resolve("out");
    checkpoint(in.resolve("w/1/_1_0.5_memory_.zstd"));
    Files.createDirectories(in.resolve("w/2"));
    Process mkfifo = new ProcessBuilder("mkfifo", in.resolve("w/2/_2_0.5_memory_.zstd").toString()).start();
    Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo is not available");
    Files.createDirectories(in.resolve("w/3"));
    Files.createSymbolicLink(in.resolve("w/3/_3_0.5_memory_.zstd"), Path.of("/dev/zero"));
    Files.createDirectories(in.resolve("w/4"));
    Files.createSymbolicLink(in.resolve("w/4/_4_0.5_memory_.zstd"), in.resolve("w/4/nowhere.zstd"));
    Files.createDirectories(in.resolve("w/5"));
    Files.createSymbolicLink(in.resolve("w/5/_5_0.5_memory_.zstd"), in.resolve("w/5/_5_0.5_memory_.zstd"));
    // a directory link back to the set's root: followed once, the loop reported
    Files.createSymbolicLink(in.resolve("w/loop"), in);
    // a linked workload directory is followed like a real one
    checkpoint(tmp.resolve("elsewhere/6/_6_0.5_memory_.zstd"));
    Files.createSymbolicLink(in.resolve("linked"), tmp.resolve("elsewhere"));

    GcptPipelineTest.run(GcptPipelineTest.options(in, out));

    JsonNode set = Json.mapper().readTree(out.resolve("set.json").toFile());
    assertEquals("{\"bundles\":2,\"failures\":5,\"inputs\":7,\"metadataErrors\":0}", set.get("counts").toString());
    Map<String, String> failures = new TreeMap<>();
    for (String line : Files.readAllLines(out.resolve("failures.jsonl"))) {
      JsonNode f = Json.mapper().readTree(line);
      assertEquals("match", f.get("stage").asText(), line);
      assertEquals("unreadable-entry", f.get("reason").asText(), line);
      failures.put(f.get("uri").asText(), f.get("message").asText());
    }
    assertEquals(5, failures.size(), failures.toString());
    assertTrue(failures.get("w/2/_2_0.5_memory_.zstd").endsWith("not a regular file (a FIFO, socket or device)"),
        failures.toString());
    assertTrue(failures.get("w/3/_3_0.5_memory_.zstd").endsWith(
        "not a regular file (a symbolic link to /dev/zero, a FIFO, socket or device)"), failures.toString());
    assertTrue(failures.get("w/4/_4_0.5_memory_.zstd").contains("a symbolic link that does not resolve"),
        failures.toString());
    assertTrue(failures.get("w/5/_5_0.5_memory_.zstd").contains("a symbolic link that does not resolve"),
        failures.toString());
    assertTrue(failures.get("w/loop").endsWith("directory: a symbolic link loop (it leads back to a directory above"
        + " it)"), failures.toString());
    assertTrue(set.get("workloads").has("linked"), set.toString());
  }

  @Test
  void namesTheRunnersLineFormatsCannotHoldAreRefused() throws IOException {
    Path in = tmp.resolve("set");
    Path out = tmp.resolve("out");
    checkpoint(in.resolve("gcc_166/1/_1_0.5_memory_.zstd"));
    checkpoint(in.resolve("my wl/2/_2_0.5_memory_.zstd"));
    checkpoint(in.resolve("$(touch pwned)/3/_3_0.5_memory_.zstd"));
    GcptPipelineTest.run(GcptPipelineTest.options(in, out));
    JsonNode set = Json.mapper().readTree(out.resolve("set.json").toFile());
    assertEquals("{\"bundles\":1,\"failures\":2,\"inputs\":3,\"metadataErrors\":0}", set.get("counts").toString());
    String failures = Files.readString(out.resolve("failures.jsonl"));
    assertTrue(failures.contains("'my wl' holds white space (U+0020) at index 2: checkpoint.lst separates its fields"),
        failures);
    assertTrue(failures.contains("'$(touch pwned)' holds '$' at index 0"), failures);
    assertEquals(2, failures.lines().filter(l -> l.contains("\"reason\":\"unsupported-name\"")).count(), failures);
    assertEquals("gcc_166_1 gcc_166/1 0 0 20 20\n", Files.readString(out.resolve("checkpoint.lst")));
  }

  /**
   * A point the set's valid metadata does not list keeps its bundle, but no weight from its file
   * name reaches the output's checkpoints_all.json or checkpoint.lst: runners score with those.
   */
  @Test
  void aPointTheMetadataDoesNotListGetsNoWeightFromItsFileName() throws IOException {
    Path in = tmp.resolve("set");
    Path out = tmp.resolve("out");
    checkpoint(in.resolve("mcf/10/_10_0.250000_memory_.zstd"));
    checkpoint(in.resolve("mcf/20/_20_0.750000_memory_.zstd"));
    Files.createDirectories(in.resolve("json"));
    Files.writeString(in.resolve("json/checkpoints_all.json"),
        "{\"mcf\": {\"insts\": \"1000\", \"points\": {\"10\": \"0.4\"}}}");
    GcptPipelineTest.run(GcptPipelineTest.options(in, out));
    JsonNode set = Json.mapper().readTree(out.resolve("set.json").toFile());
    assertEquals("{\"bundles\":2,\"failures\":0,\"inputs\":2,\"metadataErrors\":0}", set.get("counts").toString());
    assertEquals("file-name", set.get("workloads").get("mcf").get("points").get("20").get("weightSource").asText());
    assertEquals("{\"mcf\":{\"insts\":\"1000\",\"points\":{\"10\":\"0.4\"}}}",
        Json.mapper().readTree(out.resolve("json/checkpoints_all.json").toFile()).toString());
    assertEquals("mcf_10 mcf/10 0 0 20 20\n", Files.readString(out.resolve("checkpoint.lst")));
  }

  /** A V1 checkpoint whose saved pc is {@code pc}. */
  private static void checkpointAt(Path f, long pc) throws IOException {
    java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
    SyntheticCheckpoint.builder().build().writeRaw(raw);
    byte[] b = raw.toByteArray();
    java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putLong((int) dev.gcpt.core.layout.StateLayout.RVGCVH.pc(), pc);
    Files.createDirectories(f.getParent());
    Files.write(f, b);
  }

  @Test
  void aResumePcOutsideDramIsNotedAndOneNoRestorerCanReachIsRefused() throws IOException {
    Path in = tmp.resolve("set");
    Path out = tmp.resolve("out");
    checkpointAt(in.resolve("w/1/_1_0.5_memory_.zstd"), 0x1000);
    checkpointAt(in.resolve("w/2/_2_0.5_memory_.zstd"), 0);
    checkpointAt(in.resolve("w/3/_3_0.5_memory_.zstd"), 0x80200001L);
    GcptPipelineTest.run(GcptPipelineTest.options(in, out));
    JsonNode set = Json.mapper().readTree(out.resolve("set.json").toFile());
    assertEquals("{\"bundles\":1,\"failures\":2,\"inputs\":3,\"metadataErrors\":0}", set.get("counts").toString());
    JsonNode note = null;
    for (JsonNode n : set.get("notes")) {
      if ("resume-pc-outside-dram".equals(n.get("kind").asText())) {
        note = n;
      }
    }
    assertTrue(note != null && "1".equals(note.get("point").asText()) && note.get("detail").asText().equals(
        "hart 0 resumes at pc 0x1000, outside DRAM [0x80000000, 0x280000000): the simulator must hold that code there"
            + " too"), set.get("notes").toString());
    JsonNode manifest = Json.mapper().readTree(out.resolve("w/1/bundle.json").toFile());
    assertTrue(manifest.get("notes").toString().contains("resume pc outside DRAM: hart 0 resumes at pc 0x1000"),
        manifest.get("notes").toString());
    String failures = Files.readString(out.resolve("failures.jsonl"));
    assertTrue(failures.contains("hart 0 would resume at pc 0x0, where nothing is mapped"), failures);
    assertTrue(failures.contains("hart 0 would resume at pc 0x80200001, which is not 2-byte aligned"), failures);
    assertEquals(2, failures.lines().filter(l -> l.contains("\"reason\":\"bad-resume-pc\"")).count(), failures);
  }

  @Test
  void anUnreadableDirectoryIsAFailureLine() throws IOException {
    Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
        "running as root: permissions do not stop root from reading (CI runs as root)");
    Path in = tmp.resolve("set");
    Path out = tmp.resolve("out");
    checkpoint(in.resolve("w/1/_1_0.5_memory_.zstd"));
    checkpoint(in.resolve("v/2/_2_0.5_memory_.zstd"));
    Path locked = in.resolve("v");
    Files.setPosixFilePermissions(locked, java.util.Set.of());
    try {
      GcptPipelineTest.run(GcptPipelineTest.options(in, out));
    } finally {
      Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }
    String failures = Files.readString(out.resolve("failures.jsonl"));
    assertTrue(failures.contains("\"uri\":\"v\"") && failures.contains("v: directory: permission denied"), failures);
  }
}
