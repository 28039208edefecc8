package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real NEMU on our own workload, on the checkpoints NEMU itself takes of it, and on the bundles gcpt
 * makes from those (docs/nemu-tests.md).
 *
 * <p>The workload ({@code src/test/resources/nemu/workload.S}) runs in S-mode with Sv39 on, live
 * integer, FP (frm = RDN), vector (vxrm = RDN) and CSR state, and prints a checksum over all of it
 * (and, apart, the sum that depends on vxrm) before NEMU's good trap. Every restored run must print
 * exactly what the uninterrupted run printed, and execute exactly the instructions the checkpoint
 * left plus the restorer's own (a constant per restorer, measured here and kept as a fact).
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NemuCheckpointsTest {
  static final Path WORK = Path.of("target", "nemu-e2e").toAbsolutePath();
  static final String WORKLOAD = "wl";
  /** SimPoint profiling interval (the workload runs about 3.75 M instructions: 8 intervals). */
  static final long SIMPOINT_INTERVAL = 500_000;
  static final long UNIFORM_INTERVAL = 1_000_000;
  static final Duration NEMU_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Instructions a restorer executes from reset to the restored pc (measured on NEMU cc2dd3dd):
   * restored run's count = instructions the checkpoint left + this.
   * <ul>
   *   <li>{@code BOOT}: the restorer of the boot image ({@code gcpt restorer build --platform nemu},
   *       descriptor V1), which NEMU's own checkpoints carry at DRAM + 0 and run;</li>
   *   <li>{@code BUILTIN_NEMU}, {@code BUILTIN_XIANGSHAN}: the restorer {@code gcpt run} / {@code
   *       gcpt regenerate} pairs with these V1 checkpoints;</li>
   *   <li>{@code ALPHA}: LibCheckpointAlpha 58019e35 (the tarball's resource/gcpt_restore).</li>
   * </ul>
   */
  static final long BOOT = 856;
  static final long BUILTIN_NEMU = 903; // 899 + stimecmp (platform nemu has Sstc)
  static final long BUILTIN_XIANGSHAN = 903; // xiangshan restores stimecmp too (Kunminghu has Sstc)
  static final long ALPHA = 579;

  /** The uninterrupted run on NEMU cc2dd3dd (ISA semantics: any correct NEMU prints the same). */
  static final Result UNINTERRUPTED = new Result("ecda132197b5acf5", "7dd81b26642a5a47");
  static final long UNINTERRUPTED_INSTRUCTIONS = 3_747_922;
  /** NEMU's count when the workload's nemu_trap 0x101 starts the checkpoint count (boot restorer + 2). */
  static final long COUNT_BASE = 606;

  static final Pattern RESULT = Pattern.compile("GCPT-WORKLOAD checksum=([0-9a-f]{16}) vxrm-sum=([0-9a-f]{16})\n");
  static final Pattern OPENING = Pattern.compile("Opening (\\S+) as memory (?:checkpoint )?output file");
  static final Pattern TAKING = Pattern.compile("Taking checkpoint @ instruction count (\\d+)");
  static final Pattern IMAGE_NAME = Pattern.compile("_(\\d+)_(?:([0-9.]+)_)?memory_\\.(zstd|gz)");

  /** How NEMU was asked to take the set. */
  enum SetKind {
    SIMPOINT_ZSTD("simpoint-zstd", true, "zstd"),
    SIMPOINT_GZ("simpoint-gz", true, "gz"),
    UNIFORM_ZSTD("uniform-zstd", false, "zstd"),
    UNIFORM_GZ("uniform-gz", false, "gz");

    final String dir;
    final boolean simpoint;
    final String format;

    SetKind(String dir, boolean simpoint, String format) {
      this.dir = dir;
      this.simpoint = simpoint;
      this.format = format;
    }

    String config() {
      return simpoint ? "take_cpt" : "uniform";
    }
  }

  /** What gcpt makes of a set. */
  enum BundleKind {
    DEFAULT_ZSTD(BUILTIN_NEMU),
    GZ(BUILTIN_NEMU),
    SINGLE_FRAME(BUILTIN_NEMU),
    /** {@code gcpt regenerate DIR --restorer builtin --platform xiangshan} on the gz bundles. */
    REGENERATED_XIANGSHAN(BUILTIN_XIANGSHAN),
    /** {@code gcpt regenerate DIR --restorer <LibCheckpointAlpha's gcpt.bin>} on the gz bundles. */
    REGENERATED_ALPHA(ALPHA);

    final long restorerInstructions;

    BundleKind(long restorerInstructions) {
      this.restorerInstructions = restorerInstructions;
    }
  }

  /** One checkpoint NEMU wrote: its file (relative to the set root) and the count it was taken at. */
  record Taken(String path, String pointDir, long count) {}

  record Result(String checksum, String vxrmSum) {}

  /** A gcpt command's output directory and what the command printed. */
  record Output(Path dir, Cli cli) {}

  Nemu nemu;
  Path workloadBin;
  Path bootImage;
  Nemu.Run reference;
  Result expected;
  long countBase;
  long total;
  final Map<SetKind, Path> setRoots = new EnumMap<>(SetKind.class);
  final Map<SetKind, List<Taken>> taken = new EnumMap<>(SetKind.class);
  final Map<String, Output> outputs = new HashMap<>();

  static void phase(String what, long startNanos) {
    System.out.printf("nemu e2e: %-52s %6d ms%n", what, (System.nanoTime() - startNanos) / 1_000_000);
  }

  private boolean ready;
  private Exception setUpFailure;

  /**
   * Per test, so that a missing tool skips every test with its reason in the report (an assumption in
   * a {@code @BeforeAll} aborts the class without one); the work itself is done once.
   */
  @BeforeEach
  void setUp() throws Exception {
    long t = System.nanoTime();
    nemu = Nemu.get();
    assumeWorkloadToolchain();
    if (setUpFailure != null) {
      throw new IllegalStateException("the set-up failed in an earlier test: " + setUpFailure, setUpFailure);
    }
    if (!ready) {
      phase("NEMU, SimPoint, LibCheckpointAlpha (" + nemu.origin + ")", t);
      try {
        buildWorkloadAndTakeCheckpoints();
      } catch (Exception | AssertionError e) {
        setUpFailure = e instanceof Exception x ? x : new IllegalStateException(e);
        throw e;
      }
      ready = true;
    }
  }

  static void assumeWorkloadToolchain() {
    for (String tool : List.of("gcc", "objcopy")) {
      Assumptions.assumeTrue(Nemu.onPath(Nemu.CROSS_COMPILE + tool), Nemu.CROSS_COMPILE + tool
          + " is not installed (Debian packages gcc-riscv64-unknown-elf, binutils-riscv64-unknown-elf):"
          + " cannot build the workload");
    }
  }

  void buildWorkloadAndTakeCheckpoints() throws Exception {
    long t;
    Nemu.deleteTree(WORK);
    Files.createDirectories(WORK);

    t = System.nanoTime();
    workloadBin = buildWorkload(WORK.resolve("workload"));
    bootImage = WORK.resolve("workload/boot.bin");
    Cli boot = Cli.run("restorer", "build", "--harts", "1", "--platform", "nemu", "--payload", workloadBin.toString(),
        "--payload-position", "0x100000", "-o", bootImage.toString());
    assertEquals(0, boot.exitCode(), boot.out() + boot.err());
    phase("workload and boot image", t);

    t = System.nanoTime();
    reference = nemu.run(WORK, NEMU_TIMEOUT, List.of("-b", bootImage.toString()));
    assertTrue(reference.goodTrap(), "the uninterrupted run: " + reference);
    expected = result(reference);
    countBase = reference.countBase();
    total = reference.instructions();
    phase("uninterrupted run: " + total + " instructions, base " + countBase, t);

    t = System.nanoTime();
    for (SetKind s : SetKind.values()) {
      Path root = WORK.resolve("sets").resolve(s.dir);
      setRoots.put(s, root);
      if (s.simpoint) {
        continue;
      }
      Nemu.Run run = nemu.run(WORK, NEMU_TIMEOUT, List.of("-b", bootImage.toString(), "-D", root.toString(),
          "-w", WORKLOAD, "-C", s.config(), "-u", "--cpt-interval", Long.toString(UNIFORM_INTERVAL),
          "--checkpoint-format", s.format));
      taken.put(s, takenCheckpoints(run, root));
    }
    phase("uniform checkpoints (zstd, gz)", t);

    t = System.nanoTime();
    Path profile = WORK.resolve("profile");
    Nemu.Run profiling = nemu.run(WORK, NEMU_TIMEOUT, List.of("-b", bootImage.toString(), "-D", profile.toString(),
        "-w", WORKLOAD, "-C", "profile", "--simpoint-profile", "--cpt-interval", Long.toString(SIMPOINT_INTERVAL)));
    assertTrue(profiling.goodTrap(), "profiling: " + profiling);
    Path bbv = profile.resolve("profile").resolve(WORKLOAD).resolve("simpoint_bbv.gz");
    assertTrue(Files.isRegularFile(bbv), "NEMU writes the BBV at " + bbv + ": " + profiling);
    Path cluster = WORK.resolve("cluster");
    Files.createDirectories(cluster.resolve(WORKLOAD));
    // as NEMU's scripts/checkpoint_example/cluster.sh, with fixed seeds (a reproducible choice)
    Nemu.exec(List.of(nemu.simpoint.toString(), "-loadFVFile", bbv.toString(),
        "-saveSimpoints", cluster.resolve(WORKLOAD + "/simpoints0").toString(),
        "-saveSimpointWeights", cluster.resolve(WORKLOAD + "/weights0").toString(),
        "-inputVectorsGzipped", "-maxK", "3", "-numInitSeeds", "2", "-iters", "100",
        "-seedkm", "123456", "-seedproj", "654321"), WORK, Map.of(), WORK.resolve("simpoint.log"), NEMU_TIMEOUT);
    phase("SimPoint profile and clustering", t);

    t = System.nanoTime();
    for (SetKind s : SetKind.values()) {
      if (!s.simpoint) {
        continue;
      }
      Path root = setRoots.get(s);
      // the set as users keep it: <base>/cluster/<wl>/{simpoints0,weights0} beside <base>/<config>/<wl>/...
      copyTree(cluster, root.resolve("cluster"));
      Nemu.Run run = nemu.run(WORK, NEMU_TIMEOUT, List.of("-b", bootImage.toString(), "-D", root.toString(),
          "-w", WORKLOAD, "-C", s.config(), "-S", root.resolve("cluster").toString(),
          "--cpt-interval", Long.toString(SIMPOINT_INTERVAL), "--checkpoint-format", s.format));
      taken.put(s, takenCheckpoints(run, root));
    }
    phase("SimPoint checkpoints (zstd, gz)", t);
  }

  /** Assembles and links workload.S with Debian's bare-metal toolchain; returns the flat binary. */
  static Path buildWorkload(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (String r : List.of("workload.S", "workload.ld")) {
      try (var in = NemuCheckpointsTest.class.getResourceAsStream("/nemu/" + r)) {
        assertTrue(in != null, "resource /nemu/" + r);
        Files.copy(in, dir.resolve(r), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Path elf = dir.resolve("workload.elf");
    Path bin = dir.resolve("workload.bin");
    Nemu.exec(List.of(Nemu.CROSS_COMPILE + "gcc", "-march=rv64gcv", "-mabi=lp64d", "-nostdlib", "-nostartfiles",
        "-static", "-T", "workload.ld", "-o", elf.toString(), "workload.S"), dir, Map.of(), dir.resolve("build.log"),
        Duration.ofMinutes(2));
    Nemu.exec(List.of(Nemu.CROSS_COMPILE + "objcopy", "-O", "binary", elf.toString(), bin.toString()), dir, Map.of(),
        dir.resolve("build.log"), Duration.ofMinutes(2));
    return bin;
  }

  static Result result(Nemu.Run run) {
    Matcher m = RESULT.matcher(run.console());
    if (!m.find()) {
      throw new AssertionError("the workload printed no checksum line: " + run);
    }
    return new Result(m.group(1), m.group(2));
  }

  /** The checkpoints NEMU says it wrote, in order, each with the count it was taken at. */
  static List<Taken> takenCheckpoints(Nemu.Run run, Path root) {
    assertTrue(run.goodTrap(), "the checkpointing run ends in the good trap: " + run);
    List<Taken> list = new ArrayList<>();
    String pending = null;
    for (String line : run.log().split("\n")) {
      Matcher o = OPENING.matcher(line);
      if (o.find()) {
        assertEquals(null, pending, "two 'Opening' lines without a 'Taking checkpoint' between: " + line);
        pending = o.group(1);
      }
      Matcher tk = TAKING.matcher(line);
      if (tk.find()) {
        assertTrue(pending != null, "'Taking checkpoint' without an output file: " + line);
        Path file = Path.of(pending);
        assertTrue(file.startsWith(root), file + " is under " + root);
        Path rel = root.relativize(file);
        list.add(new Taken(rel.toString().replace('\\', '/'), rel.getParent().getFileName().toString(),
            Long.parseLong(tk.group(1))));
        pending = null;
      }
    }
    assertTrue(!list.isEmpty(), "NEMU took no checkpoint: " + run);
    return list;
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** Files under {@code root}, relative, sorted, with '/'. */
  static List<String> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted()
          .toList();
    }
  }

  long remaining(Taken t) {
    return total - countBase - t.count();
  }

  // ------------------------------------------------------------------ NEMU alone

  @Test
  @Order(1)
  void theUninterruptedRunPrintsItsChecksumAndHitsTheGoodTrap() {
    assertTrue(reference.goodTrap(), reference.toString());
    assertTrue(reference.log().contains("trap code:0"), reference.log());
    assertEquals(UNINTERRUPTED, expected, "the workload's checksums");
    assertEquals(UNINTERRUPTED_INSTRUCTIONS, total, "instructions of the uninterrupted run");
    assertEquals(COUNT_BASE, countBase, "the boot restorer's path to the payload and the workload's first two"
        + " instructions come before nemu_trap 0x101");
    System.out.printf("nemu e2e: uninterrupted: %s, %d instructions (count base %d), %d ms%n", expected, total,
        countBase, reference.millis());
  }

  @Test
  @Order(2)
  void nemuWritesItsSetLayouts() throws IOException {
    // SimPoint: <base>/<config>/<workload>/<point>/_<point>_<weight>_memory_.<fmt>, weight with 6 decimals
    List<String> simpoints = Files.readAllLines(WORK.resolve("cluster").resolve(WORKLOAD).resolve("simpoints0"));
    List<String> weights = Files.readAllLines(WORK.resolve("cluster").resolve(WORKLOAD).resolve("weights0"));
    Map<String, String> weightOfCluster = new HashMap<>();
    for (String w : weights) {
      String[] f = w.trim().split("\\s+");
      weightOfCluster.put(f[1], String.format("%.6f", Double.parseDouble(f[0])));
    }
    for (SetKind s : SetKind.values()) {
      Path root = setRoots.get(s);
      List<String> expectedFiles = new ArrayList<>();
      if (s.simpoint) {
        for (String sp : simpoints) {
          String[] f = sp.trim().split("\\s+");
          expectedFiles.add(s.config() + "/" + WORKLOAD + "/" + f[0] + "/_" + f[0] + "_" + weightOfCluster.get(f[1])
              + "_memory_." + s.format);
        }
        expectedFiles.add("cluster/" + WORKLOAD + "/simpoints0");
        expectedFiles.add("cluster/" + WORKLOAD + "/weights0");
        for (Taken t : taken.get(s)) {
          long start = Math.max(0, (Long.parseLong(t.pointDir()) - 1) * SIMPOINT_INTERVAL);
          assertTrue(t.count() >= start && t.count() < start + 100, s + ": NEMU takes point p at the first basic"
              + " block end after (p - 1) x interval (its warm-up defaults to one interval): " + t);
        }
      } else {
        // uniform: <sched>/_<actual>_memory_ with actual >= sched, the first basic block end
        assertEquals((total - countBase) / UNIFORM_INTERVAL, taken.get(s).size(), s + ": one per full interval");
        long k = 1;
        for (Taken t : taken.get(s)) {
          long sched = k++ * UNIFORM_INTERVAL;
          assertEquals(Long.toString(sched), t.pointDir(), s + ": " + t);
          assertTrue(t.count() >= sched && t.count() < sched + 100, s + ": " + t);
          expectedFiles.add(s.config() + "/" + WORKLOAD + "/" + sched + "/_" + t.count() + "_memory_." + s.format);
        }
      }
      assertEquals(new TreeSet<>(expectedFiles).stream().toList(), files(root), s + ": the files NEMU wrote");
      assertEquals(new TreeSet<>(taken.get(s).stream().map(Taken::path).toList()),
          new TreeSet<>(files(root).stream().filter(f -> !f.startsWith("cluster/")).toList()), s.toString());
    }
    System.out.printf("nemu e2e: sets %s%n", taken);
  }

  /**
   * NEMU's own gz checkpoints (zstd ones it cannot load back: their trimmed length is not a multiple
   * of 128 KiB) restore through the boot restorer they carry at DRAM + 0, and, with {@code -r}, through
   * LibCheckpointAlpha, which does not restore vxrm: only the vxrm-rounded sum may then differ.
   */
  @Test
  @Order(3)
  void nemusOwnGzCheckpointsRestore() throws Exception {
    List<String> problems = new ArrayList<>();
    boolean alphaLostVxrm = false;
    for (SetKind s : List.of(SetKind.SIMPOINT_GZ, SetKind.UNIFORM_GZ)) {
      for (Taken t : taken.get(s)) {
        Path image = setRoots.get(s).resolve(t.path());
        Nemu.Run own = nemu.run(WORK, NEMU_TIMEOUT, List.of("-b", image.toString()));
        check(problems, s + " " + t.path() + " (embedded boot restorer)", own, expected, remaining(t) + BOOT);
        if (nemu.alphaRestorer.isPresent()) {
          Nemu.Run alpha = nemu.run(WORK, NEMU_TIMEOUT, List.of("-b", image.toString(), "-r",
              nemu.alphaRestorer.get().toString()));
          if (alpha.goodTrap()) {
            Result r = result(alpha);
            alphaLostVxrm |= !r.vxrmSum().equals(expected.vxrmSum());
            check(problems, s + " " + t.path() + " (-r LibCheckpointAlpha)", alpha, new Result(expected.checksum(),
                r.vxrmSum()), remaining(t) + ALPHA);
          } else {
            problems.add(s + " " + t.path() + " (-r LibCheckpointAlpha): no good trap: " + alpha);
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      fail(problems.size() + " problem(s):\n" + String.join("\n", problems));
    }
    if (nemu.alphaRestorer.isPresent()) {
      assertTrue(alphaLostVxrm, "LibCheckpointAlpha does not restore vxrm: a checkpoint after the workload set it"
          + " restores with vxrm = 0 and a different vxrm-rounded sum");
    }
  }

  /** Adds a line to {@code problems} unless the run hit the good trap with this output and count. */
  static void check(List<String> problems, String what, Nemu.Run run, Result want, long instructions) {
    if (run.killed() || !run.goodTrap()) {
      problems.add(what + ": no good trap: " + run);
      return;
    }
    Matcher m = RESULT.matcher(run.console());
    if (!m.find()) {
      problems.add(what + ": no checksum line: " + run);
      return;
    }
    Result got = new Result(m.group(1), m.group(2));
    if (!got.equals(want)) {
      problems.add(what + ": printed " + got + ", expected " + want);
    }
    long count = run.instructions();
    if (count != instructions) {
      problems.add(what + ": " + count + " instructions, expected " + instructions + " (restorer constant "
          + "off by " + (count - instructions) + ")");
    }
    System.out.printf("nemu e2e: %-70s %s %d instructions, %d ms%n", what, got, count, run.millis());
  }

  // ------------------------------------------------------------------ gcpt's bundles

  static Stream<Arguments> cases() {
    List<Arguments> list = new ArrayList<>();
    for (SetKind s : SetKind.values()) {
      for (BundleKind k : BundleKind.values()) {
        list.add(Arguments.of(s, k));
      }
    }
    return list.stream();
  }

  /** gcpt's output for (set, kind), made on first use: {@code gcpt run}, then a {@code regenerate} of a copy. */
  Output output(SetKind s, BundleKind k) throws IOException {
    String key = s + "/" + k;
    Output have = outputs.get(key);
    if (have != null) {
      return have;
    }
    Path out = WORK.resolve("bundles").resolve(s.dir).resolve(k.name().toLowerCase());
    String input = setRoots.get(s).toString();
    Cli cli;
    switch (k) {
      case DEFAULT_ZSTD -> cli = Cli.run("run", "--input", input, "--output", out.toString(), "--platform", "nemu");
      case GZ -> cli = Cli.run("run", "--input", input, "--output", out.toString(), "--platform", "nemu",
          "--codec", "gz");
      case SINGLE_FRAME -> cli = Cli.run("run", "--input", input, "--output", out.toString(), "--platform", "nemu",
          "--single-frame");
      case REGENERATED_XIANGSHAN, REGENERATED_ALPHA -> {
        Path gz = output(s, BundleKind.GZ).dir();
        assertTrue(!bundles(gz).isEmpty(), "gcpt " + k + " on " + s + ": no gz bundles to regenerate in " + gz
            + " (see the GZ case of this set)");
        copyTree(gz, out);
        String restorer = k == BundleKind.REGENERATED_XIANGSHAN ? "builtin" : alpha().toString();
        List<String> args = new ArrayList<>(List.of("regenerate", out.toString(), "--restorer", restorer));
        if (k == BundleKind.REGENERATED_XIANGSHAN) {
          args.addAll(List.of("--platform", "xiangshan"));
        }
        cli = Cli.run(args.toArray(String[]::new));
      }
      default -> throw new IllegalArgumentException(k.name());
    }
    assertEquals(0, cli.exitCode(), "gcpt " + k + " on " + s + ": " + cli.out() + cli.err() + failures(out));
    Output made = new Output(out, cli);
    outputs.put(key, made);
    return made;
  }

  Path alpha() {
    Assumptions.assumeTrue(nemu.alphaRestorer.isPresent(),
        "LibCheckpointAlpha's gcpt.bin could not be built (needs the tarball and riscv64-unknown-elf-gcc)");
    return nemu.alphaRestorer.get();
  }

  static String failures(Path out) throws IOException {
    Path f = out.resolve("failures.jsonl");
    return Files.exists(f) ? "\nfailures.jsonl:\n" + Files.readString(f, StandardCharsets.UTF_8) : "";
  }

  /** The bundle images of an output, by point directory. */
  static Map<String, Path> bundles(Path out) throws IOException {
    Map<String, Path> map = new TreeMap<>();
    Path wl = out.resolve(WORKLOAD);
    if (!Files.isDirectory(wl)) {
      return map;
    }
    for (String f : files(wl)) {
      String[] parts = f.split("/");
      if (parts.length == 2 && IMAGE_NAME.matcher(parts[1]).matches()) {
        assertTrue(map.put(parts[0], wl.resolve(f)) == null, "two images for point " + parts[0] + " in " + wl);
      }
    }
    return map;
  }

  @ParameterizedTest(name = "{0} set, {1} bundles")
  @MethodSource("cases")
  @Order(4)
  void everyBundleReachesTheGoodTrapWithTheUninterruptedChecksum(SetKind s, BundleKind k) throws Exception {
    if (k == BundleKind.REGENERATED_ALPHA) {
      alpha();
    }
    long t0 = System.nanoTime();
    Output made = output(s, k);
    Path out = made.dir();
    phase("gcpt " + k + " on " + s, t0);
    Map<String, Path> bundles = bundles(out);
    Map<String, Taken> byPoint = new LinkedHashMap<>();
    for (Taken t : taken.get(s)) {
      byPoint.put(t.pointDir(), t);
    }
    assertEquals(new TreeSet<>(byPoint.keySet()), new TreeSet<>(bundles.keySet()),
        "one bundle per checkpoint NEMU took, under <out>/" + WORKLOAD + "/<point>/; gcpt said:\n"
        + made.cli().out() + made.cli().err() + failures(out));
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Path> b : bundles.entrySet()) {
      Taken t = byPoint.get(b.getKey());
      Path image = b.getValue();
      Nemu.Run run = nemu.run(WORK, NEMU_TIMEOUT, List.of("-b", image.toString(), "-I",
          Long.toString(2 * total)));
      Result want = expected;
      if (k == BundleKind.REGENERATED_ALPHA) {
        // LibCheckpointAlpha does not restore vxrm: the vxrm-rounded sum is whatever the same
        // state restored by Alpha through NEMU's -r gives (asserted in nemusOwnGzCheckpointsRestore)
        Nemu.Run viaR = nemu.run(WORK, NEMU_TIMEOUT, List.of("-b", output(s, BundleKind.GZ).dir().resolve(WORKLOAD)
            .resolve(b.getKey()).resolve(image.getFileName()).toString(), "-r", alpha().toString()));
        assertTrue(viaR.goodTrap(), "the gz bundle with NEMU's -r LibCheckpointAlpha: " + viaR);
        want = new Result(expected.checksum(), result(viaR).vxrmSum());
      }
      check(problems, s + " " + k + " " + out.relativize(image), run, want, remaining(t) + k.restorerInstructions);
    }
    // gcpt's own check of the same output agrees
    Cli verify = Cli.run("verify", out.toString());
    if (verify.exitCode() != 0) {
      problems.add("gcpt verify " + out + ": exit " + verify.exitCode() + "\n" + verify.out() + verify.err());
    }
    if (!problems.isEmpty()) {
      fail(problems.size() + " problem(s) with " + bundles.size() + " bundle(s):\n" + String.join("\n", problems));
    }
  }
}
