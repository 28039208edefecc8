package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Flash checkpoints end to end with real NEMU (docs/nemu-tests.md "Flash checkpoints"): NEMU built
 * with {@code riscv64-xs-cpt-with-flash_defconfig} takes uniform checkpoints of the test workload
 * with {@code --store-cpt-in-flash} (zstd and gz), {@code gcpt run} bundles them, and every bundle
 * reaches the uninterrupted run's checksum with the instruction count left after its checkpoint:
 * <ul>
 *   <li>as NEMU runs it, {@code -b MEMORY --flash-image FLASH}, no {@code -r} (this NEMU resets at
 *       0x8000_0000: the memory image's restorer, reading the state gcpt copied into its window);</li>
 *   <li>as XiangShan boots, from the flash: the memory image with its first two words replaced by
 *       {@code lui t0, 0x10000; jr t0} (the reset into flash at 0x1000_0000 that XiangShan does in
 *       hardware), so the flash image's restorer runs in place from NEMU's flash device, which
 *       NEMU makes read-only (a write to it aborts NEMU).</li>
 * </ul>
 * Then {@code gcpt regenerate --platform xiangshan} rewrites both restorers, {@code gcpt verify}
 * accepts the bundles, and a second run writes byte-identical files.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NemuFlashCheckpointsTest {
  static final Path WORK = Path.of("target", "nemu-flash-e2e").toAbsolutePath();
  static final String WORKLOAD = "wl";
  static final long INTERVAL = 1_000_000;
  static final Duration NEMU_TIMEOUT = Duration.ofSeconds(60);
  /** NEMU's flash ({@code CONFIG_FLASH_START_ADDR}, {@code CONFIG_FLASH_SIZE}). */
  static final long FLASH_BASE = 0x1000_0000L;
  static final long NEMU_FLASH_SIZE = 0x1000_0000L;
  /** The two instructions of the reset-into-flash model, then the flash restorer (platform nemu). */
  static final long FLASH_NEMU = 2 + 1334;
  /** The same after {@code regenerate --platform xiangshan-nanhu.properties} (xiangshan without Sstc). */
  static final long FLASH_NO_SSTC = 2 + 1330;
  /** The DRAM restorer of that profile: it writes no stimecmp. */
  static final long DRAM_NO_SSTC = 899;

  Path flashNemu;
  Path bootImage;
  NemuCheckpointsTest.Result expected;
  long countBase;
  long total;
  final Map<String, Path> setRoots = new LinkedHashMap<>();
  final Map<String, List<NemuCheckpointsTest.Taken>> taken = new LinkedHashMap<>();
  Path bundles;
  Exception setUpFailure;
  boolean ready;

  @BeforeEach
  void setUp() throws Exception {
    Nemu.get();
    flashNemu = Nemu.flash();
    NemuCheckpointsTest.assumeWorkloadToolchain();
    if (setUpFailure != null) {
      throw new IllegalStateException("the set-up failed in an earlier test: " + setUpFailure, setUpFailure);
    }
    if (!ready) {
      try {
        takeCheckpoints();
      } catch (Exception e) {
        setUpFailure = e;
        throw e;
      }
      ready = true;
    }
  }

  void takeCheckpoints() throws Exception {
    Nemu.deleteTree(WORK);
    Files.createDirectories(WORK);
    Path workloadBin = NemuCheckpointsTest.buildWorkload(WORK.resolve("workload"));
    bootImage = WORK.resolve("workload/boot.bin");
    Cli boot = Cli.run("restorer", "build", "--harts", "1", "--platform", "nemu", "--payload", workloadBin.toString(),
        "--payload-position", "0x100000", "-o", bootImage.toString());
    assertEquals(0, boot.exitCode(), boot.out() + boot.err());
    Nemu.Run reference = Nemu.run(flashNemu, WORK, NEMU_TIMEOUT, List.of("-b", bootImage.toString()));
    assertTrue(reference.goodTrap(), "the uninterrupted run on the flash NEMU: " + reference);
    expected = NemuCheckpointsTest.result(reference);
    assertEquals(NemuCheckpointsTest.UNINTERRUPTED, expected, "the flash NEMU computes what the plain one does");
    countBase = reference.countBase();
    total = reference.instructions();
    for (String format : List.of("zstd", "gz")) {
      Path root = WORK.resolve("sets").resolve("flash-" + format);
      Nemu.Run run = Nemu.run(flashNemu, WORK, NEMU_TIMEOUT, List.of("-b", bootImage.toString(), "-D", root.toString(),
          "-w", WORKLOAD, "-C", "uniform", "-u", "--cpt-interval", Long.toString(INTERVAL), "--checkpoint-format",
          format, "--store-cpt-in-flash"));
      setRoots.put(format, root);
      taken.put(format, NemuCheckpointsTest.takenCheckpoints(run, root));
    }
    bundles = WORK.resolve("bundles");
  }

  // ------------------------------------------------------------------ what NEMU writes

  @Test
  @Order(1)
  void nemuWritesTheStateIntoA256MibFlashBesideAMemoryImageWithout() throws IOException {
    for (Map.Entry<String, List<NemuCheckpointsTest.Taken>> e : taken.entrySet()) {
      for (NemuCheckpointsTest.Taken t : e.getValue()) {
        Path memory = setRoots.get(e.getKey()).resolve(t.path());
        Path flash = memory.resolveSibling(memory.getFileName().toString().replace("_memory_", "_flash_"));
        assertTrue(Files.isRegularFile(flash), "NEMU writes " + flash.getFileName() + " beside " + memory);
        byte[] f = decodedHead(flash, 0x10_0000);
        assertEquals(0xBEEFL, u64(f, 0xECDB0), flash + ": the state magic at flash offset 0xECDB0");
        long pc = u64(f, 0xECDB8);
        assertTrue(pc >= 0x8010_0000L && pc < 0x8020_0000L, flash + ": resume pc 0x" + Long.toHexString(pc));
        // the flash's reset code NEMU presets (CONFIG_FLASH_PRESET_CONTENT) stays at offset 0
        assertEquals(0x74446073, (int) u64(f, 0), flash + ": csrrsi x0, mnstatus, 8 at flash offset 0");
        assertEquals(NEMU_FLASH_SIZE, decodedLength(flash), flash + ": the whole flash device");
        byte[] m = decodedHead(memory, 0x10_0000);
        assertEquals(0, u64(m, 0xECDB0), memory + ": no state in DRAM");
        assertEquals(0x6F, m[0] & 0x7F, memory + ": the boot restorer's JAL at DRAM offset 0");
      }
    }
  }

  // ------------------------------------------------------------------ gcpt's bundles

  /** gcpt's bundles of the {@code format} set (made on first use). */
  Path output(String format) throws IOException {
    Path out = bundles.resolve("run-" + format);
    if (!Files.exists(out.resolve("set.json"))) {
      Cli run = Cli.run("run", "--input", setRoots.get(format).toString(), "--output", out.toString(), "--platform",
          "nemu");
      assertEquals(0, run.exitCode(), run.out() + run.err() + NemuCheckpointsTest.failures(out));
    }
    return out;
  }

  @Test
  @Order(2)
  void everyFlashBundleReachesTheChecksumFromMemoryAndFromFlash() throws Exception {
    List<String> problems = new ArrayList<>();
    for (String format : taken.keySet()) {
      Path out = output(format);
      runAll(out, format, FLASH_NEMU, NemuCheckpointsTest.BUILTIN_NEMU, problems);
      Cli verify = Cli.run("verify", out.toString());
      if (verify.exitCode() != 0) {
        problems.add("gcpt verify " + out + ": exit " + verify.exitCode() + "\n" + verify.out() + verify.err());
      }
    }
    if (!problems.isEmpty()) {
      fail(problems.size() + " problem(s):\n" + String.join("\n", problems));
    }
  }

  /** Runs every bundle of {@code out} (the {@code format} set's) both ways. */
  void runAll(Path out, String format, long viaFlash, long viaMemory, List<String> problems) throws Exception {
    JsonNode set = Json.mapper().readTree(out.resolve("set.json").toFile());
    assertEquals(taken.get(format).size(), set.get("counts").get("bundles").asInt(), out + ": one bundle per point");
    for (NemuCheckpointsTest.Taken t : taken.get(format)) {
      Path dir = out.resolve(WORKLOAD).resolve(t.pointDir());
      JsonNode m = Json.mapper().readTree(dir.resolve("bundle.json").toFile());
      JsonNode flash = m.get("flash");
      assertTrue(flash != null, dir + "/bundle.json has a flash section");
      Path memoryImage = dir.resolve(m.get("image").get("file").asText());
      Path flashImage = dir.resolve(flash.get("image").get("file").asText());
      assertEquals(memoryImage.getFileName().toString().replace("_memory_", "_flash_"),
          flashImage.getFileName().toString(), "NEMU's naming, _flash_ beside _memory_");
      assertEquals("0x10000000", flash.get("base").asText());
      assertEquals(0x10_0000L, flash.get("image").get("rawLength").asLong(), "a 1 MiB flash image (the emu's flash)");
      assertTrue(m.get("commands").get("nemu-flash").asText().contains("--flash-image"), m.get("commands").toString());
      assertTrue(m.get("commands").get("xiangshan-emu-flash").asText().contains(" -F "), m.get("commands").toString());
      JsonNode point = set.get("workloads").get(WORKLOAD).get("points").get(t.pointDir());
      assertEquals(out.relativize(flashImage).toString(), point.get("flash").get("image").asText());
      long remaining = total - countBase - t.count();
      Nemu.Run asNemu = Nemu.run(flashNemu, WORK, NEMU_TIMEOUT, List.of("-b", memoryImage.toString(),
          "--flash-image", flashImage.toString()));
      NemuCheckpointsTest.check(problems, "-b memory --flash-image flash " + out.relativize(memoryImage), asNemu,
          expected, remaining + viaMemory);
      Path booted = WORK.resolve("reset-into-flash.raw");
      resetIntoFlash(memoryImage, booted);
      Nemu.Run fromFlash = Nemu.run(flashNemu, WORK, NEMU_TIMEOUT, List.of("-b", booted.toString(),
          "--flash-image", flashImage.toString()));
      if (fromFlash.log().contains("write to flash is illegal")) {
        problems.add("the flash restorer wrote to the flash: " + fromFlash);
      }
      NemuCheckpointsTest.check(problems, "reset into flash " + out.relativize(flashImage), fromFlash, expected,
          remaining + viaFlash);
    }
  }

  @Test
  @Order(3)
  void regenerateRewritesBothRestorersAndTheBundlesStillRun() throws Exception {
    Path out = output("zstd");
    Path copy = bundles.resolve("regenerated");
    Nemu.deleteTree(copy);
    NemuCheckpointsTest.copyTree(out, copy);
    Map<String, String> before = new LinkedHashMap<>();
    for (NemuCheckpointsTest.Taken t : taken.get("zstd")) {
      JsonNode m = Json.mapper().readTree(copy.resolve(WORKLOAD).resolve(t.pointDir()).resolve("bundle.json").toFile());
      before.put(t.pointDir(), m.get("flash").get("restorer").get("sha256").asText());
    }
    // a user's own profile: XiangShan without Sstc (Nanhu), so the restorers differ from nemu's
    Path nanhu = WORK.resolve("xiangshan-nanhu.properties");
    Files.writeString(nanhu, dev.gcpt.core.restorer.PlatformProfile.named("xiangshan").toPropertiesText()
        .replace("name=xiangshan\n", "name=xiangshan-nanhu\n").replace("sstc=true\n", "sstc=false\n"));
    Cli regenerate = Cli.run("regenerate", copy.toString(), "--platform", nanhu.toString());
    assertEquals(0, regenerate.exitCode(), regenerate.out() + regenerate.err());
    for (NemuCheckpointsTest.Taken t : taken.get("zstd")) {
      Path dir = copy.resolve(WORKLOAD).resolve(t.pointDir());
      JsonNode m = Json.mapper().readTree(dir.resolve("bundle.json").toFile());
      String sha = m.get("flash").get("restorer").get("sha256").asText();
      assertNotEquals(before.get(t.pointDir()), sha, dir + ": the flash image's restorer changed with the platform");
      assertEquals("xiangshan-nanhu", m.get("flash").get("restorer").get("parameters").get("platform").asText());
      byte[] restorer = Files.readAllBytes(copy.resolve(m.get("flash").get("restorer").get("file").asText()));
      byte[] head = decodedHead(dir.resolve(m.get("flash").get("image").get("file").asText()), restorer.length);
      assertArrayEquals(restorer, head, dir + ": the flash image starts with the new restorer");
    }
    List<String> problems = new ArrayList<>();
    runAll(copy, "zstd", FLASH_NO_SSTC, DRAM_NO_SSTC, problems);
    Cli verify = Cli.run("verify", copy.toString());
    if (verify.exitCode() != 0) {
      problems.add("gcpt verify: exit " + verify.exitCode() + "\n" + verify.out() + verify.err());
    }
    if (!problems.isEmpty()) {
      fail(problems.size() + " problem(s):\n" + String.join("\n", problems));
    }
  }

  @Test
  @Order(4)
  void aSecondRunWritesTheSameBytes() throws Exception {
    Path out = output("zstd");
    Path again = bundles.resolve("again");
    Nemu.deleteTree(again);
    Cli run = Cli.run("run", "--input", setRoots.get("zstd").toString(), "--output", again.toString(), "--platform",
        "nemu");
    assertEquals(0, run.exitCode(), run.out() + run.err());
    for (String f : NemuCheckpointsTest.files(out.resolve(WORKLOAD))) {
      if (f.endsWith(".zstd") || f.endsWith(".gz") || f.endsWith(".json")) {
        assertArrayEquals(Files.readAllBytes(out.resolve(WORKLOAD).resolve(f)),
            Files.readAllBytes(again.resolve(WORKLOAD).resolve(f)), f + " is byte-identical in a second run");
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The memory image, decoded, with its first two words replaced by {@code lui t0, 0x10000;
   * jalr x0, 0(t0)}: execution starts at the flash base, as XiangShan's reset does.
   */
  static void resetIntoFlash(Path image, Path out) throws IOException {
    try (InputStream in = dev.gcpt.core.codec.DecodedStream.open(Files.newInputStream(image), image.toString(),
        64L << 30); OutputStream o = Files.newOutputStream(out)) {
      byte[] head = in.readNBytes(8);
      ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(0, (int) (FLASH_BASE | 5 << 7 | 0x37)); // lui t0, 0x10000
      b.putInt(4, 5 << 15 | 0x67); // jalr x0, 0(t0)
      o.write(head);
      in.transferTo(o);
    }
  }

  static byte[] decodedHead(Path file, int length) throws IOException {
    try (InputStream in = dev.gcpt.core.codec.DecodedStream.open(Files.newInputStream(file), file.toString(),
        64L << 30)) {
      return in.readNBytes(length);
    }
  }

  static long decodedLength(Path file) throws IOException {
    try (InputStream in = dev.gcpt.core.codec.DecodedStream.open(Files.newInputStream(file), file.toString(),
        64L << 30)) {
      return in.transferTo(OutputStream.nullOutputStream());
    }
  }

  static long u64(byte[] b, int off) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off);
  }
}
