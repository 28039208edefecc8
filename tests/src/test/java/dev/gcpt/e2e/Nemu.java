package dev.gcpt.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Real NEMU for the end-to-end tests, with SimPoint and LibCheckpointAlpha's restorer from the same
 * tarball ({@code ../shared/third_party/nemu-cc2dd3dd.tar.gz}, see its README).
 *
 * <p>Built once under {@code tests/target/nemu/} ({@code make riscv64-xs-cpt_defconfig && make -j2},
 * about 40 s of two cores; SimPoint about 15 s) and reused while the stamp matches the tarball.
 * Skips (JUnit assumption, with the reason) when the tarball, the host tools or the RISC-V
 * toolchain are missing. A user points at their own build with
 * <ul>
 *   <li>{@code -Dgcpt.nemu=PATH} or {@code GCPT_NEMU=PATH}: a {@code riscv64-nemu-interpreter} built
 *       with {@code riscv64-xs-cpt_defconfig} (then NEMU itself is not built);</li>
 *   <li>{@code -Dgcpt.simpoint=PATH} or {@code GCPT_SIMPOINT=PATH}: SimPoint's {@code bin/simpoint};</li>
 *   <li>{@code -Dgcpt.nemu.tarball=PATH} or {@code GCPT_NEMU_TARBALL=PATH}: another copy of the
 *       tarball;</li>
 *   <li>{@code -Dgcpt.nemu.libcheckpoint=PATH} or {@code GCPT_NEMU_LIBCHECKPOINT=PATH}: a NEMU built with
 *       {@code riscv64-xs-cpt-with-libcheckpoint_defconfig} (protobuf V3 checkpoints), else built on
 *       first use by {@link #libCheckpoint()} in a second copy of the tree.</li>
 *   <li>{@code -Dgcpt.nemu.flash=PATH} or {@code GCPT_NEMU_FLASH=PATH}: a NEMU built with
 *       {@code riscv64-xs-cpt-with-flash_defconfig} (flash device at 0x1000_0000, {@code
 *       --store-cpt-in-flash}), else built on first use by {@link #flash()} in a third copy.</li>
 * </ul>
 */
final class Nemu {
  static final String TARBALL_NAME = "nemu-cc2dd3dd.tar.gz";
  static final String DEFCONFIG = "riscv64-xs-cpt_defconfig";
  static final String LIBCHECKPOINT_DEFCONFIG = "riscv64-xs-cpt-with-libcheckpoint_defconfig";
  static final String FLASH_DEFCONFIG = "riscv64-xs-cpt-with-flash_defconfig";
  /** Debian's picolibc: LibCheckpoint needs a libc header set that the bare-metal gcc lacks. */
  static final Path PICOLIBC_INCLUDE = Path.of("/usr/lib/picolibc/riscv64-unknown-elf/include");
  static final String CROSS_COMPILE = "riscv64-unknown-elf-";
  static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);
  /** Where the fixture builds (relative to the tests module, Maven's working directory). */
  static final Path BUILD_ROOT = Path.of("target", "nemu").toAbsolutePath();

  /** NEMU's log lines are colored; the patterns below match the text without the escapes. */
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
  private static final Pattern TOTAL = Pattern.compile("total guest instructions = (\\d+)");
  private static final Pattern BASE = Pattern.compile("Setting inst count base to Current inst count (\\d+)");
  /** Lines NEMU's zstd loader prints when it did not load the whole image (it runs on regardless). */
  static final List<String> LOAD_FAILURES = List.of("Decompress failed", "Binary size larger than memory",
      "Decompress file read failed");

  private static Nemu instance;
  private static String skipReason;
  private static IllegalStateException buildFailure;
  private static IllegalStateException libCheckpointFailure;
  private static LibCheckpointNemu libCheckpoint;
  private static String libCheckpointSkipReason;

  private static Path flash;
  private static String flashSkipReason;
  private static IllegalStateException flashFailure;

  /** NEMU built with the LibCheckpoint restorer option (writes V3 checkpoints with --enable-libcheckpoint). */
  record LibCheckpointNemu(Path interpreter, Optional<Path> restorer, String origin) {}

  final Path interpreter;
  final Path simpoint;
  /** LibCheckpointAlpha's gcpt.bin (resource/gcpt_restore), or empty when it could not be built. */
  final Optional<Path> alphaRestorer;
  final String origin;

  private Nemu(Path interpreter, Path simpoint, Optional<Path> alphaRestorer, String origin) {
    this.interpreter = interpreter;
    this.simpoint = simpoint;
    this.alphaRestorer = alphaRestorer;
    this.origin = origin;
  }

  /** The NEMU of this JVM (built on first use), or a skipped test saying why there is none. */
  static synchronized Nemu get() {
    if (buildFailure != null) {
      throw buildFailure;
    }
    if (instance == null && skipReason == null) {
      try {
        instance = locate();
      } catch (Skip s) {
        skipReason = s.getMessage();
      } catch (IOException e) {
        buildFailure = new IllegalStateException("building NEMU under " + BUILD_ROOT + " failed: " + e.getMessage(), e);
        throw buildFailure;
      }
    }
    Assumptions.assumeTrue(instance != null, () -> "no NEMU: " + skipReason);
    return instance;
  }

  static final class Skip extends Exception {
    Skip(String reason) {
      super(reason);
    }
  }

  static String setting(String property, String env) {
    String p = System.getProperty(property);
    if (p != null && !p.isBlank()) {
      return p;
    }
    String e = System.getenv(env);
    return e == null || e.isBlank() ? null : e;
  }

  /** {@code ../shared/third_party/} seen from the project root (the tests module's parent). */
  static Path tarball() {
    String t = setting("gcpt.nemu.tarball", "GCPT_NEMU_TARBALL");
    if (t != null) {
      return Path.of(t).toAbsolutePath();
    }
    String dir = setting("gcpt.thirdParty", "GCPT_THIRD_PARTY"); // the directory the upstream-restorer tests use
    if (dir != null) {
      return Path.of(dir).toAbsolutePath().resolve(TARBALL_NAME);
    }
    Path module = Path.of("").toAbsolutePath();
    Path root = Files.exists(module.resolve("tests")) ? module : module.getParent();
    return root.resolveSibling("shared").resolve("third_party").resolve(TARBALL_NAME).normalize();
  }

  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(java.io.File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  private static void requireTools(String what, Map<String, String> toolToPackage) throws Skip {
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, String> e : toolToPackage.entrySet()) {
      boolean present = e.getKey().startsWith("/") ? Files.exists(Path.of(e.getKey())) : onPath(e.getKey());
      if (!present) {
        missing.add(e.getKey() + " (Debian package " + e.getValue() + ")");
      }
    }
    if (!missing.isEmpty()) {
      throw new Skip("cannot build " + what + ", missing " + String.join(", ", missing));
    }
  }

  private static Nemu locate() throws Skip, IOException {
    String own = setting("gcpt.nemu", "GCPT_NEMU");
    String ownSimpoint = setting("gcpt.simpoint", "GCPT_SIMPOINT");
    Path tarball = tarball();
    boolean haveTarball = Files.isRegularFile(tarball);
    if (own != null && !Files.isExecutable(Path.of(own))) {
      throw new Skip("GCPT_NEMU / -Dgcpt.nemu = " + own + " is not an executable file");
    }
    if (ownSimpoint != null && !Files.isExecutable(Path.of(ownSimpoint))) {
      throw new Skip("GCPT_SIMPOINT / -Dgcpt.simpoint = " + ownSimpoint + " is not an executable file");
    }
    if (!haveTarball && (own == null || ownSimpoint == null)) {
      throw new Skip(tarball + " is missing (set GCPT_NEMU to a riscv64-nemu-interpreter built with " + DEFCONFIG
          + " and GCPT_SIMPOINT to SimPoint's bin/simpoint, or GCPT_NEMU_TARBALL to the tarball)");
    }
    Path tree = null;
    if (haveTarball) {
      tree = extract(tarball, "src");
    }
    Path interpreter;
    String origin;
    if (own != null) {
      interpreter = Path.of(own).toAbsolutePath();
      origin = "user's NEMU " + interpreter;
    } else {
      interpreter = buildNemu(tree);
      origin = "NEMU built from " + tarball;
    }
    Path simpoint = ownSimpoint != null ? Path.of(ownSimpoint).toAbsolutePath() : buildSimpoint(tree);
    Optional<Path> alpha = tree == null ? Optional.empty() : buildAlpha(tree);
    return new Nemu(interpreter, simpoint, alpha, origin);
  }

  /** Extracts the tarball once into target/nemu/NAME (→ target/nemu/NAME/nemu), stamped with its size and date. */
  private static Path extract(Path tarball, String name) throws IOException, Skip {
    requireTools("NEMU", Map.of("tar", "tar", "gzip", "gzip"));
    Path src = BUILD_ROOT.resolve(name);
    Path stamp = BUILD_ROOT.resolve(name + ".stamp");
    String id = tarball + " " + Files.size(tarball) + " " + Files.getLastModifiedTime(tarball).toMillis();
    Path tree = src.resolve("nemu");
    if (Files.isDirectory(tree) && Files.exists(stamp) && Files.readString(stamp).equals(id)) {
      return tree;
    }
    deleteTree(src);
    Files.deleteIfExists(stamp);
    Path tmp = BUILD_ROOT.resolve(name + ".tmp");
    deleteTree(tmp);
    Files.createDirectories(tmp);
    exec(List.of("tar", "-xzf", tarball.toString(), "-C", tmp.toString()), tmp, Map.of(),
        BUILD_ROOT.resolve("extract.log"), Duration.ofMinutes(5));
    if (!Files.isDirectory(tmp.resolve("nemu"))) {
      throw new IOException(tarball + " has no top-level nemu/ directory");
    }
    Files.move(tmp, src, StandardCopyOption.ATOMIC_MOVE);
    Files.writeString(stamp, id);
    return tree;
  }

  /**
   * The LibCheckpoint-config NEMU of this JVM (a second tree: NEMU's build does not notice a config
   * change), or a skipped test saying why there is none. About 50 s of CPU on first use.
   */
  static synchronized LibCheckpointNemu libCheckpoint() {
    Nemu.get();
    if (libCheckpointFailure != null) {
      throw libCheckpointFailure;
    }
    if (libCheckpoint == null && libCheckpointSkipReason == null) {
      try {
        libCheckpoint = locateLibCheckpoint();
      } catch (Skip s) {
        libCheckpointSkipReason = s.getMessage();
      } catch (IOException e) {
        libCheckpointFailure = new IllegalStateException("building the LibCheckpoint NEMU under " + BUILD_ROOT
            + " failed: " + e.getMessage(), e);
        throw libCheckpointFailure;
      }
    }
    Assumptions.assumeTrue(libCheckpoint != null, () -> "no LibCheckpoint NEMU: " + libCheckpointSkipReason);
    return libCheckpoint;
  }

  private static LibCheckpointNemu locateLibCheckpoint() throws Skip, IOException {
    String own = setting("gcpt.nemu.libcheckpoint", "GCPT_NEMU_LIBCHECKPOINT");
    if (own != null) {
      if (!Files.isExecutable(Path.of(own))) {
        throw new Skip("GCPT_NEMU_LIBCHECKPOINT / -Dgcpt.nemu.libcheckpoint = " + own + " is not an executable file");
      }
      return new LibCheckpointNemu(Path.of(own).toAbsolutePath(), Optional.empty(), "user's NEMU " + own);
    }
    Path tarball = tarball();
    if (!Files.isRegularFile(tarball)) {
      throw new Skip(tarball + " is missing (or set GCPT_NEMU_LIBCHECKPOINT to a NEMU built with "
          + LIBCHECKPOINT_DEFCONFIG + ")");
    }
    Path tree = extract(tarball, "src-libcheckpoint");
    Path binary = tree.resolve("build/riscv64-nemu-interpreter");
    Path restorer = tree.resolve("resource/LibCheckpoint/build/gcpt.bin");
    if (Files.isExecutable(binary) && Files.isRegularFile(restorer)) {
      return new LibCheckpointNemu(binary, Optional.of(restorer), "NEMU (" + LIBCHECKPOINT_DEFCONFIG + ") built from "
          + tarball);
    }
    Map<String, String> tools = new LinkedHashMap<>();
    tools.put("make", "make");
    tools.put("g++", "build-essential");
    tools.put("flex", "flex");
    tools.put("bison", "bison");
    tools.put(CROSS_COMPILE + "gcc", "gcc-riscv64-unknown-elf");
    tools.put(CROSS_COMPILE + "ld", "binutils-riscv64-unknown-elf");
    tools.put(PICOLIBC_INCLUDE.resolve("string.h").toString(), "picolibc-riscv64-unknown-elf");
    tools.put("protoc", "protobuf-compiler");
    requireTools("the LibCheckpoint NEMU", tools);
    // nanopb's generator imports google.protobuf: Debian's python3 has it (python3-protobuf), a
    // pyenv or venv python3 earlier on PATH may not
    String python = null;
    for (String candidate : List.of("/usr/bin/python3", "python3")) {
      try {
        Process p = new ProcessBuilder(candidate, "-c", "import google.protobuf").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          python = candidate;
          break;
        }
      } catch (IOException e) {
        // not there: try the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    if (python == null) {
      throw new Skip("cannot build LibCheckpoint: no python3 with google.protobuf (Debian package python3-protobuf)");
    }
    String path = System.getenv("PATH");
    if (python.startsWith("/")) {
      path = Path.of(python).getParent() + java.io.File.pathSeparator + path;
    }
    Path lib = tree.resolve("resource/LibCheckpoint");
    Map<String, String> env = Map.of("NEMU_HOME", tree.toString(), "PATH", path,
        "CFLAGS", "-isystem " + PICOLIBC_INCLUDE);
    Path log = BUILD_ROOT.resolve("libcheckpoint-build.log");
    exec(List.of(lib.resolve("configure").toString()), lib, env, log, BUILD_TIMEOUT);
    exec(List.of("make", "CROSS_COMPILE=" + CROSS_COMPILE, "LD=" + CROSS_COMPILE + "ld"), lib, env, log, BUILD_TIMEOUT);
    Map<String, String> nemuEnv = Map.of("NEMU_HOME", tree.toString(), "PATH", path);
    Path nemuLog = BUILD_ROOT.resolve("nemu-libcheckpoint-build.log");
    exec(List.of("make", LIBCHECKPOINT_DEFCONFIG), tree, nemuEnv, nemuLog, BUILD_TIMEOUT);
    exec(List.of("make", "-j2", "LIBCHECKPOINT_CROSS_COMPILE=" + CROSS_COMPILE), tree, nemuEnv, nemuLog, BUILD_TIMEOUT);
    if (!Files.isExecutable(binary) || !Files.isRegularFile(restorer)) {
      throw new IOException("the build in " + tree + " did not produce " + binary + " and " + restorer);
    }
    return new LibCheckpointNemu(binary, Optional.of(restorer), "NEMU (" + LIBCHECKPOINT_DEFCONFIG + ") built from "
        + tarball);
  }

  /**
   * The flash-config NEMU of this JVM ({@value #FLASH_DEFCONFIG}: a flash device at 0x1000_0000,
   * {@code --flash-image}, {@code --store-cpt-in-flash}), built on first use in its own tree (about
   * 40 s of two cores), or a skipped test saying why there is none.
   */
  static synchronized Path flash() {
    Nemu.get();
    if (flashFailure != null) {
      throw flashFailure;
    }
    if (flash == null && flashSkipReason == null) {
      try {
        String own = setting("gcpt.nemu.flash", "GCPT_NEMU_FLASH");
        if (own != null) {
          if (!Files.isExecutable(Path.of(own))) {
            throw new Skip("GCPT_NEMU_FLASH / -Dgcpt.nemu.flash = " + own + " is not an executable file");
          }
          flash = Path.of(own).toAbsolutePath();
        } else {
          Path tarball = tarball();
          if (!Files.isRegularFile(tarball)) {
            throw new Skip(tarball + " is missing (or set GCPT_NEMU_FLASH to a NEMU built with " + FLASH_DEFCONFIG
                + ")");
          }
          flash = buildNemu(extract(tarball, "src-flash"), FLASH_DEFCONFIG, "nemu-flash");
        }
      } catch (Skip e) {
        flashSkipReason = e.getMessage();
      } catch (IOException e) {
        flashFailure = new IllegalStateException("building the flash NEMU under " + BUILD_ROOT + " failed: "
            + e.getMessage(), e);
        throw flashFailure;
      }
    }
    Assumptions.assumeTrue(flash != null, () -> "no flash NEMU: " + flashSkipReason);
    return flash;
  }

  private static Path buildNemu(Path tree) throws IOException, Skip {
    return buildNemu(tree, DEFCONFIG, "nemu");
  }

  private static Path buildNemu(Path tree, String defconfig, String logName) throws IOException, Skip {
    Path binary = tree.resolve("build/riscv64-nemu-interpreter");
    if (Files.isExecutable(binary)) {
      return binary;
    }
    Map<String, String> tools = new LinkedHashMap<>();
    tools.put("make", "make");
    tools.put("gcc", "build-essential");
    tools.put("g++", "build-essential");
    tools.put("flex", "flex");
    tools.put("bison", "bison");
    tools.put("/usr/include/zstd.h", "libzstd-dev");
    tools.put("/usr/include/zlib.h", "zlib1g-dev");
    tools.put("/usr/include/readline/readline.h", "libreadline-dev");
    tools.put("/usr/include/SDL2/SDL.h", "libsdl2-dev");
    requireTools("NEMU", tools);
    Map<String, String> env = Map.of("NEMU_HOME", tree.toString());
    Path log = BUILD_ROOT.resolve(logName + "-build.log");
    exec(List.of("make", defconfig), tree, env, log, BUILD_TIMEOUT);
    exec(List.of("make", "-j2"), tree, env, BUILD_ROOT.resolve(logName + "-make.log"), BUILD_TIMEOUT);
    if (!Files.isExecutable(binary)) {
      throw new IOException("make -j2 in " + tree + " did not produce " + binary);
    }
    return binary;
  }

  private static Path buildSimpoint(Path tree) throws IOException, Skip {
    Path repo = tree.resolve("resource/simpoint/simpoint_repo");
    Path binary = repo.resolve("bin/simpoint");
    if (Files.isExecutable(binary)) {
      return binary;
    }
    requireTools("SimPoint", Map.of("make", "make", "g++", "build-essential"));
    exec(List.of("make", "-j2"), repo, Map.of(), BUILD_ROOT.resolve("simpoint-build.log"), BUILD_TIMEOUT);
    if (!Files.isExecutable(binary)) {
      throw new IOException("make in " + repo + " did not produce " + binary);
    }
    return binary;
  }

  /** LibCheckpointAlpha (resource/gcpt_restore) as users build it, with Debian's bare-metal toolchain. */
  private static Optional<Path> buildAlpha(Path tree) throws IOException {
    Path dir = tree.resolve("resource/gcpt_restore");
    Path binary = dir.resolve("build/gcpt.bin");
    if (Files.isRegularFile(binary)) {
      return Optional.of(binary);
    }
    if (!onPath(CROSS_COMPILE + "gcc") || !onPath("make")) {
      return Optional.empty();
    }
    exec(List.of("make", "CROSS_COMPILE=" + CROSS_COMPILE), dir, Map.of("NEMU_HOME", tree.toString()),
        BUILD_ROOT.resolve("gcpt-restore-build.log"), BUILD_TIMEOUT);
    return Files.isRegularFile(binary) ? Optional.of(binary) : Optional.empty();
  }

  /** Runs a build step; a non-zero exit is an IOException quoting the end of its log. */
  static void exec(List<String> cmd, Path dir, Map<String, String> env, Path log, Duration timeout) throws IOException {
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " in " + dir + " did not finish within " + timeout + " (log " + log + ")");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", cmd), e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " in " + dir + " exited with " + p.exitValue() + "; end of " + log
          + ":\n" + tail(Files.readString(log, StandardCharsets.ISO_8859_1), 3000));
    }
  }

  static String tail(String s, int chars) {
    return s.length() <= chars ? s : "..." + s.substring(s.length() - chars);
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  // ------------------------------------------------------------------ running NEMU

  /**
   * One NEMU run. {@code log} is NEMU's stdout without color escapes (its log lines, "HIT GOOD
   * TRAP", the statistics), {@code console} its stderr (the guest's uartlite output).
   */
  record Run(List<String> command, int exitCode, String log, String console, boolean killed, String why,
      long millis) {
    boolean goodTrap() {
      return log.contains("HIT GOOD TRAP");
    }

    long instructions() {
      Matcher m = TOTAL.matcher(log);
      if (!m.find()) {
        throw new AssertionError("no instruction count in NEMU's output: " + this);
      }
      return Long.parseLong(m.group(1));
    }

    /** The instruction count NEMU starts from at the workload's nemu_trap 0x101. */
    long countBase() {
      Matcher m = BASE.matcher(log);
      if (!m.find()) {
        throw new AssertionError("NEMU did not start its count (nemu_trap 0x101): " + this);
      }
      return Long.parseLong(m.group(1));
    }

    @Override
    public String toString() {
      return String.join(" ", command) + "\n  exit " + exitCode + (killed ? ", killed: " + why : "") + ", " + millis
          + " ms\n  console: " + tail(console, 1000).strip() + "\n  log: " + tail(log, 1200);
    }
  }

  /**
   * Runs {@code riscv64-nemu-interpreter ARGS} in {@code dir}. Killed at {@code timeout}, or at once
   * when the zstd loader says it loaded only part of the image (NEMU would then run on, usually
   * into a hang). Output is line-buffered through coreutils' stdbuf when present so the loader's
   * complaint is seen while NEMU runs.
   */
  Run run(Path dir, Duration timeout, List<String> args) throws IOException, InterruptedException {
    return run(interpreter, dir, timeout, args);
  }

  /** As {@link #run(Path, Duration, List)} with another NEMU binary (e.g. the LibCheckpoint one). */
  static Run run(Path binary, Path dir, Duration timeout, List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (onPath("stdbuf")) {
      cmd.addAll(List.of("stdbuf", "-oL", "-eL"));
    }
    cmd.add(binary.toString());
    cmd.addAll(args);
    Files.createDirectories(dir);
    Path out = Files.createTempFile(dir, "nemu-", ".out");
    Path err = Files.createTempFile(dir, "nemu-", ".err");
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    long deadline = start + timeout.toNanos();
    String why = null;
    try {
      while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
        String sofar = Files.readString(out, StandardCharsets.ISO_8859_1);
        for (String marker : LOAD_FAILURES) {
          if (sofar.contains(marker)) {
            why = "NEMU's zstd loader did not load the whole image ('" + marker + "')";
          }
        }
        if (why == null && System.nanoTime() > deadline) {
          why = "no exit within " + timeout;
        }
        if (why != null) {
          p.destroyForcibly().waitFor();
          break;
        }
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    String log = ANSI.matcher(Files.readString(out, StandardCharsets.ISO_8859_1)).replaceAll("");
    String console = Files.readString(err, StandardCharsets.ISO_8859_1);
    Files.delete(out);
    Files.delete(err);
    return new Run(cmd, p.exitValue(), log, console, why != null, why, millis);
  }
}
