package dev.gcpt.e2e;

import static dev.gcpt.e2e.NemuCheckpointsTest.WORKLOAD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NEMU built with {@code riscv64-xs-cpt-with-libcheckpoint_defconfig} takes protobuf (V3) SimPoint
 * checkpoints of the workload of {@link NemuCheckpointsTest} ({@code --enable-libcheckpoint}): the
 * nanopb header sits at DRAM + 0, where every restorer also lives, so the stock LibCheckpoint
 * restorer cannot restore them (upstream defect, shown here), while gcpt's bundles of the same set
 * run in NEMU to the good trap with the uninterrupted checksums (docs/nemu-tests.md).
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NemuLibCheckpointTest {
  static final Path WORK = Path.of("target", "nemu-e2e-v3").toAbsolutePath();
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  /**
   * Instructions gcpt's restorer (platform nemu) executes before the restored pc for NEMU's V3
   * checkpoints (measured on NEMU cc2dd3dd; V1 ones: {@link NemuCheckpointsTest#BUILTIN_NEMU}).
   */
  static final long BUILTIN_NEMU_V3 = 925;

  enum Format {
    ZSTD, GZ;

    String flag() {
      return name().toLowerCase();
    }
  }

  enum Codec {
    DEFAULT_ZSTD, GZ
  }

  Nemu nemu;
  Nemu.LibCheckpointNemu v3;
  long total;
  long countBase;
  NemuCheckpointsTest.Result expected;
  final Map<Format, Path> roots = new EnumMap<>(Format.class);
  final Map<Format, List<NemuCheckpointsTest.Taken>> taken = new EnumMap<>(Format.class);

  private boolean ready;
  private Exception setUpFailure;

  /** Per test so that a skip carries its reason into the report; the work is done once. */
  @BeforeEach
  void setUp() throws Exception {
    long t = System.nanoTime();
    nemu = Nemu.get();
    v3 = Nemu.libCheckpoint();
    NemuCheckpointsTest.assumeWorkloadToolchain();
    if (setUpFailure != null) {
      throw new IllegalStateException("the set-up failed in an earlier test: " + setUpFailure, setUpFailure);
    }
    if (!ready) {
      NemuCheckpointsTest.phase("LibCheckpoint NEMU (" + v3.origin() + ")", t);
      try {
        takeV3Checkpoints();
      } catch (Exception | AssertionError e) {
        setUpFailure = e instanceof Exception x ? x : new IllegalStateException(e);
        throw e;
      }
      ready = true;
    }
  }

  void takeV3Checkpoints() throws Exception {
    long t;
    Nemu.deleteTree(WORK);
    Files.createDirectories(WORK);
    t = System.nanoTime();
    Path bin = NemuCheckpointsTest.buildWorkload(WORK.resolve("workload"));
    Path boot = WORK.resolve("workload/boot.bin");
    Cli built = Cli.run("restorer", "build", "--harts", "1", "--platform", "nemu",
        "--payload", bin.toString(), "--payload-position", "0x100000", "-o", boot.toString());
    assertEquals(0, built.exitCode(), built.out() + built.err());
    Nemu.Run reference = Nemu.run(v3.interpreter(), WORK, TIMEOUT, List.of("-b", boot.toString()));
    assertTrue(reference.goodTrap(), "the uninterrupted run on the LibCheckpoint NEMU: " + reference);
    expected = NemuCheckpointsTest.result(reference);
    total = reference.instructions();
    countBase = reference.countBase();
    assertEquals(NemuCheckpointsTest.UNINTERRUPTED, expected);
    assertEquals(NemuCheckpointsTest.UNINTERRUPTED_INSTRUCTIONS, total);
    assertEquals(NemuCheckpointsTest.COUNT_BASE, countBase);

    Path profile = WORK.resolve("profile");
    Nemu.Run profiling = Nemu.run(v3.interpreter(), WORK, TIMEOUT, List.of("-b", boot.toString(), "-D",
        profile.toString(), "-w", WORKLOAD, "-C", "profile", "--simpoint-profile", "--cpt-interval",
        Long.toString(NemuCheckpointsTest.SIMPOINT_INTERVAL)));
    assertTrue(profiling.goodTrap(), "profiling: " + profiling);
    Path cluster = WORK.resolve("cluster");
    Files.createDirectories(cluster.resolve(WORKLOAD));
    Nemu.exec(List.of(nemu.simpoint.toString(), "-loadFVFile",
        profile.resolve("profile/" + WORKLOAD + "/simpoint_bbv.gz").toString(),
        "-saveSimpoints", cluster.resolve(WORKLOAD + "/simpoints0").toString(),
        "-saveSimpointWeights", cluster.resolve(WORKLOAD + "/weights0").toString(),
        "-inputVectorsGzipped", "-maxK", "3", "-numInitSeeds", "2", "-iters", "100",
        "-seedkm", "123456", "-seedproj", "654321"), WORK, Map.of(), WORK.resolve("simpoint.log"), TIMEOUT);
    for (Format f : Format.values()) {
      Path root = WORK.resolve("sets/simpoint-v3-" + f.flag());
      roots.put(f, root);
      NemuCheckpointsTest.copyTree(cluster, root.resolve("cluster"));
      Nemu.Run run = Nemu.run(v3.interpreter(), WORK, TIMEOUT, List.of("-b", boot.toString(), "-D", root.toString(),
          "-w", WORKLOAD, "-C", "take_cpt", "-S", root.resolve("cluster").toString(), "--cpt-interval",
          Long.toString(NemuCheckpointsTest.SIMPOINT_INTERVAL), "--checkpoint-format", f.flag(),
          "--enable-libcheckpoint"));
      taken.put(f, NemuCheckpointsTest.takenCheckpoints(run, root));
    }
    NemuCheckpointsTest.phase("workload, profile, V3 SimPoint checkpoints (zstd, gz)", t);
  }

  @Test
  void nemuWritesV3Checkpoints() throws Exception {
    for (Format f : Format.values()) {
      for (NemuCheckpointsTest.Taken t : taken.get(f)) {
        Path file = roots.get(f).resolve(t.path());
        try (InputStream in = Files.newInputStream(file);
            OpenCheckpoint cp = CheckpointReader.open(in, file.toString(), CheckpointReader.Options.DEFAULT)) {
          assertEquals(Variant.V3, cp.variant(), file.toString());
          assertEquals(1, cp.harts().size(), file.toString());
          assertEquals(1, cp.harts().get(0).mode(), file + ": taken in S-mode");
        }
      }
    }
  }

  /**
   * The upstream defect gcpt's normalized layout fixes: LibCheckpoint (2115c400) decodes the header at
   * its own load address, so with it loaded over NEMU's V3 header it reads its own code as the header
   * and faults: NEMU's bad trap with code 4 (measured: after 20,843 instructions, mcause 5).
   */
  @Test
  void stockLibCheckpointCannotRestoreNemusOwnV3Checkpoints() throws Exception {
    Assumptions.assumeTrue(v3.restorer().isPresent(), "LibCheckpoint's gcpt.bin was not built here (own NEMU given)");
    for (NemuCheckpointsTest.Taken t : taken.get(Format.GZ)) {
      Path file = roots.get(Format.GZ).resolve(t.path());
      Nemu.Run run = Nemu.run(v3.interpreter(), WORK, Duration.ofSeconds(20), List.of("-b", file.toString(),
          "--enable-libcheckpoint", "-r", v3.restorer().get().toString()));
      assertFalse(run.goodTrap(), "stock LibCheckpoint restored a V3 checkpoint: the upstream defect is fixed? " + run);
      assertTrue(run.log().contains("HIT BAD TRAP") && run.log().contains("trap code:4"), run.toString());
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> list = new ArrayList<>();
    for (Format f : Format.values()) {
      for (Codec c : Codec.values()) {
        list.add(Arguments.of(f, c));
      }
    }
    return list.stream();
  }

  @ParameterizedTest(name = "V3 {0} set, {1} bundles")
  @MethodSource("cases")
  void gcptBundlesOfV3CheckpointsReachTheGoodTrap(Format f, Codec c) throws Exception {
    Path out = WORK.resolve("bundles/" + f.flag() + "-" + c.name().toLowerCase());
    List<String> args = new ArrayList<>(List.of("run", "--input", roots.get(f).toString(), "--output", out.toString(),
        "--platform", "nemu"));
    if (c == Codec.GZ) {
      args.addAll(List.of("--codec", "gz"));
    }
    Cli cli = Cli.run(args.toArray(String[]::new));
    assertEquals(0, cli.exitCode(), cli.out() + cli.err() + NemuCheckpointsTest.failures(out));
    Map<String, Path> bundles = NemuCheckpointsTest.bundles(out);
    Map<String, NemuCheckpointsTest.Taken> byPoint = new LinkedHashMap<>();
    for (NemuCheckpointsTest.Taken t : taken.get(f)) {
      byPoint.put(t.pointDir(), t);
    }
    assertEquals(new TreeSet<>(byPoint.keySet()), new TreeSet<>(bundles.keySet()),
        "one bundle per V3 checkpoint; gcpt said:\n" + cli.out() + cli.err() + NemuCheckpointsTest.failures(out));
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Path> b : bundles.entrySet()) {
      NemuCheckpointsTest.Taken t = byPoint.get(b.getKey());
      Nemu.Run run = nemu.run(WORK, TIMEOUT, List.of("-b", b.getValue().toString(), "-I", Long.toString(2 * total)));
      NemuCheckpointsTest.check(problems, "V3 " + f + " " + c + " " + out.relativize(b.getValue()), run, expected,
          total - countBase - t.count() + BUILTIN_NEMU_V3);
    }
    if (!problems.isEmpty()) {
      fail(problems.size() + " of " + bundles.size() + " bundle(s) failed:\n" + String.join("\n", problems));
    }
  }
}
