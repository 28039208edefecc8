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
  void aV3HeaderThatCannotHoldTheStateIsOneBadInputAndTheOthersAreStillInspected() throws IOException {
    Path raw = dir.resolve("raw.bin");
    try (java.io.OutputStream o = Files.newOutputStream(raw)) {
      SyntheticCheckpoint.builder().variant(Variant.V3).build().writeRaw(o);
    }
    byte[] b = Files.readAllBytes(raw);
    // NEMU's header (22 bytes at 0) re-encoded with cpu_num 2 and single_core_size 0; its memlayout
    // (76 bytes, null-terminated) after it
    byte[] header = dev.gcpt.proto.checkpoint_header.newBuilder().setMagicNumber(0xDEADBEEFL).setCptOffset(0xA8)
        .setCpuNum(2).setSingleCoreSize(0).build().toByteArray();
    byte[] memlayout = java.util.Arrays.copyOfRange(b, 22, 22 + 76);
    java.util.Arrays.fill(b, 0, 0xA8, (byte) 0);
    System.arraycopy(header, 0, b, 0, header.length);
    System.arraycopy(memlayout, 0, b, header.length + 1, memlayout.length);
    Path bad = dir.resolve("bad.bin");
    Files.write(bad, b);
    Path good = write("good.zstd", SyntheticCheckpoint.builder().build(), Codec.ZSTD);
    CliRunner r = CliRunner.run("inspect", bad.toString(), good.toString());
    assertEquals(1, r.exitCode(), r.out() + r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("gcpt inspect: " + bad + ": "), r.err());
    assertTrue(r.err().contains("the harts' state would overlap") && r.err().endsWith("[bad-descriptor]\n"), r.err());
    assertTrue(r.out().contains(good.toString()), r.out());
  }

  /** A flash checkpoint: its flash file alone, and its memory image, which reads the state from the flash beside it. */
  @Test
  void eitherFileOfAFlashCheckpointShowsTheState() throws IOException {
    byte[] boot = new byte[16];
    java.nio.ByteBuffer.wrap(boot).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 0x0100006F).putInt(4, 16);
    SyntheticCheckpoint cp = SyntheticCheckpoint.builder().seed(3).embeddedRestorer(boot).build();
    Path point = dir.resolve("uniform/wl/1000000");
    Files.createDirectories(point);
    Path memory = point.resolve("_1000010_memory_.zstd");
    try (OutputStream o = Files.newOutputStream(memory)) {
      dev.gcpt.core.sample.SyntheticFlash.writeMemory(cp, o, Codec.ZSTD);
    }
    try (OutputStream o = Files.newOutputStream(point.resolve("_1000010_flash_.zstd"))) {
      dev.gcpt.core.sample.SyntheticFlash.writeFlash(cp, 2L << 20, o, Codec.ZSTD);
    }
    String pc = String.format("0x%x", cp.harts().get(0).pc());
    CliRunner r = CliRunner.run("inspect", memory.toString(), point.resolve("_1000010_flash_.zstd").toString());
    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertTrue(r.out().contains("variant   V1 (rvgcvh)   codec zstd   image 2.0 MiB"), r.out());
    assertTrue(r.out().contains("a flash checkpoint: the hart state above is " + point.resolve("_1000010_flash_.zstd")),
        r.out());
    assertTrue(r.out().contains("a flash image (NEMU --store-cpt-in-flash): offsets are from the flash base 0x10000000"),
        r.out());
    assertEquals(2, r.out().split(java.util.regex.Pattern.quote(pc), -1).length - 1, "both show pc " + pc + ": " + r.out());
    // without its flash file the memory image holds no state: a bad input, as before
    Files.delete(point.resolve("_1000010_flash_.zstd"));
    r = CliRunner.run("inspect", memory.toString());
    assertEquals(1, r.exitCode(), r.out() + r.err());
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

  @Test
  void aBundleDirectoryItsManifestAndItsImageShowTheManifest() throws IOException {
    Path src = write("_5_0.5_memory_.gz", SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).modes(1, 3)
        .vectorState(true).build(), Codec.GZIP);
    Path out = dir.resolve("out");
    CliRunner n = CliRunner.run("normalize", src.toString(), "-o", out.toString(), "--platform", "qemu-virt");
    assertEquals(0, n.exitCode(), n.err());
    Path bundle;
    try (java.util.stream.Stream<Path> s = Files.walk(out)) {
      bundle = s.filter(p -> p.getFileName().toString().equals("bundle.json")).findFirst().orElseThrow().getParent();
    }
    CliRunner r = CliRunner.run("inspect", bundle.toString());
    assertEquals(0, r.exitCode(), r.err());
    java.util.List<String> lines = r.out().lines().toList();
    assertEquals(bundle.resolve("bundle.json") + "  (" + dev.gcpt.core.bundle.BundleManifest.SCHEMA + ")", lines.get(0));
    assertTrue(r.out().contains("  variant     V2 (qemu-multicore)   harts 2   VLEN 128\n"), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("  1 +0x[0-9a-f]+ +M +yes +yes +- *")), r.out());
    assertTrue(r.out().contains("  extensions  F 2/2   V 2/2   H -"), r.out());
    assertTrue(r.out().contains("  descriptor  at 0xec000, "), r.out());
    assertTrue(r.out().contains(": magic 0xdeadbeef, cpu_num 2, cpt_offset 0x300000, single_core_size 0x100000,"
        + " version 0x20240205"),
        r.out());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("  restorer    generated, ")), r.out());
    assertTrue(r.out().contains("clintBase 0x2000000") && r.out().contains("platform qemu-virt"), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("  image       \\S+\\.zstd: zstd level \\d+, .* 2 frame\\(s\\)")),
        r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("              head +0x0 +0x500000 +[0-9]+ \\(slot [0-9]+\\) *")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("              body +0x500000 +0x100000 +[0-9]+ *")), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches(
        "              pagecrc64: content [0-9a-f.]+   body raw [0-9a-f.]+   file slot [0-9a-f.]+ body [0-9a-f.]+")),
        r.out());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("  commands    nemu ")), r.out());

    CliRunner viaManifest = CliRunner.run("inspect", bundle.resolve("bundle.json").toString());
    assertEquals(r.out(), viaManifest.out());
    String image;
    try (java.util.stream.Stream<Path> s = Files.list(bundle)) {
      image = s.filter(p -> p.toString().endsWith(".zstd")).findFirst().orElseThrow().toString();
    }
    CliRunner viaImage = CliRunner.run("inspect", image);
    assertEquals(0, viaImage.exitCode(), viaImage.err());
    assertTrue(viaImage.out().startsWith(image + "\n  variant   V2"), viaImage.out());
    assertTrue(viaImage.out().contains(r.out()), "the checkpoint view, then the bundle's");
  }

  @Test
  void aBrokenManifestIsOneLine() throws IOException {
    Path b = dir.resolve("b");
    Files.createDirectories(b);
    Files.writeString(b.resolve("bundle.json"), "{\n broken");
    CliRunner r = CliRunner.run("inspect", b.toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("gcpt inspect: " + b + ": ") && r.err().endsWith("[bad-manifest]\n"), r.err());
  }
}
