package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  @TempDir Path dir;

  Path write(String name, SyntheticCheckpoint s, Codec c) throws IOException {
    Path f = dir.resolve(name);
    try (OutputStream o = Files.newOutputStream(f)) {
      s.write(o, c);
    }
    return f;
  }

  @Test
  void humanSummaryOfAMultiHartQemuCheckpoint() throws IOException {
    Path f = write("_12_0.25.gz", SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).modes(1, 0).build(), Codec.ZSTD);
    CliRunner r = CliRunner.run("inspect", f.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("variant   V2 (qemu-multicore)   codec zstd"), r.out());
    assertTrue(r.out().contains("harts     2"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+1\\s+0x[0-9a-f]+\\s+U\\s+yes.*")), r.out());
  }

  @Test
  void jsonForMachinesAndNonZeroExitForBadInput() throws IOException {
    Path good = write("good.zstd", SyntheticCheckpoint.builder().variant(Variant.V3).build(), Codec.GZIP);
    Path bad = dir.resolve("bad.zstd");
    Files.write(bad, new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x00});
    CliRunner r = CliRunner.run("inspect", "--json", good.toString(), bad.toString());
    assertEquals(1, r.exitCode());
    JsonNode arr = Json.mapper().readTree(r.out());
    assertEquals(2, arr.size());
    assertEquals("V3", arr.get(0).get("variant").asText());
    assertEquals("gz", arr.get(0).get("codec").asText());
    assertEquals(1, arr.get(0).get("harts").asInt());
    assertEquals(bad.toString(), arr.get(1).get("input").asText());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("gcpt inspect: " + bad), r.err());
  }

  @Test
  void missingFileIsOneClearLine() {
    CliRunner r = CliRunner.run("inspect", dir.resolve("nope").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("no such file"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }
}
