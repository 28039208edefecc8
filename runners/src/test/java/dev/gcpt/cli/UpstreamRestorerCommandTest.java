package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.restorer.UpstreamRestorers;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code restorer check}, {@code inspect}, {@code normalize}/{@code regenerate --restorer} with upstream restorers. */
class UpstreamRestorerCommandTest {
  @TempDir Path dir;

  private Path file(String name, byte[] bytes) throws IOException {
    Path f = dir.resolve(name);
    Files.write(f, bytes);
    return f;
  }

  @Test
  void checkRecognizesLibCheckpointAlphaAndSaysForWhichImagesItWorks() throws IOException {
    Path alpha = file("alpha.bin", UpstreamRestorers.libCheckpointAlpha());
    CliRunner r = CliRunner.run("restorer", "check", alpha.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("kind        LibCheckpointAlpha"), r.out());
    assertTrue(r.out().contains("size        3072 bytes (0xc00, the size word)"), r.out());
    assertTrue(r.out().contains("flag        0xcaff at 0x8b0 (then zero padding up to size)"), r.out());
    assertTrue(r.out().contains("restores    [V1], 1 hart(s)"), r.out());
    assertTrue(r.out().contains("works for   V1 images only, one hart"), r.out());
    assertTrue(r.out().contains("not restored LibCheckpointAlpha does not restore vxrm, vxsat"), r.out());
    assertTrue(r.out().contains("1045528 bytes after size"), r.out());
  }

  @Test
  void checkRefusesLibCheckpointInProtobufModeInOneLine() throws IOException {
    Path lc = file("lc.bin", UpstreamRestorers.libCheckpoint(true));
    CliRunner r = CliRunner.run("restorer", "check", lc.toString());
    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("gcpt: invalid restorer: " + lc + ": offset 0x8: LibCheckpoint built in protobuf"
        + " mode decodes the checkpoint header at its own load address"), r.err());
    assertTrue(r.err().contains("it restores none of gcpt's images"), r.err());
  }

  @Test
  void inspectCallsAnEmbeddedLibCheckpointAlphaComplete() throws IOException {
    Path cp = dir.resolve("_1_0.5_memory_.zstd");
    try (OutputStream o = Files.newOutputStream(cp)) {
      SyntheticCheckpoint.builder().embeddedRestorer(Arrays.copyOf(UpstreamRestorers.libCheckpointAlpha(), 0xC00))
          .build().write(o, Codec.ZSTD);
    }
    CliRunner r = CliRunner.run("inspect", cp.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("restorer  embedded LibCheckpointAlpha, 3072 bytes, complete (0xCAFF at 0x8b0)"),
        r.out());
    JsonNode j = Json.mapper().readTree(CliRunner.run("inspect", "--json", cp.toString()).out());
    JsonNode e = (j.isArray() ? j.get(0) : j).get("embeddedRestorer");
    assertTrue(e.get("complete").asBoolean(), e.toString());
    assertEquals("LibCheckpointAlpha", e.get("kind").asText());
  }

  @Test
  void regenerateWithLibCheckpointAlphaPairsItsSizeWordBytesAndNotesItsGaps() throws IOException {
    Path src = dir.resolve("set/gcc/1/_1_0.500000_memory_.zstd");
    Files.createDirectories(src.getParent());
    try (OutputStream o = Files.newOutputStream(src)) {
      SyntheticCheckpoint.builder().build().write(o, Codec.ZSTD);
    }
    Path out = dir.resolve("out");
    assertEquals(0, CliRunner.run("normalize", src.toString(), "-o", out.toString()).exitCode());
    Path alpha = file("alpha.bin", UpstreamRestorers.libCheckpointAlpha());
    CliRunner r = CliRunner.run("regenerate", out.toString(), "--platform", "nemu", "--restorer", alpha.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("1 bundle(s): regenerated 1", r.out().trim());
    JsonNode m = Json.mapper().readTree(out.resolve("gcc/1/bundle.json").toFile());
    JsonNode restorer = m.get("restorer");
    assertEquals("external", restorer.get("origin").asText());
    assertEquals(3072, restorer.get("size").asLong(), "the size word, not the file length");
    assertEquals(3072, Files.size(out.resolve(restorer.get("file").asText())));
    assertEquals("LibCheckpointAlpha", restorer.get("parameters").get("kind").asText());
    assertTrue(restorer.get("notes").toString().contains("does not restore vxrm, vxsat"), restorer.toString());
    CliRunner verify = CliRunner.run("verify", out.toString());
    assertEquals(0, verify.exitCode(), verify.out() + verify.err());

    Path lc = file("lc.bin", UpstreamRestorers.libCheckpoint(true));
    CliRunner refused = CliRunner.run("regenerate", out.toString(), "--platform", "nemu", "--restorer", lc.toString());
    assertEquals(1, refused.exitCode());
    assertEquals(1, refused.err().lines().count(), refused.err());
    assertTrue(refused.err().contains("it restores none of gcpt's images"), refused.err());
  }
}
