package dev.gcpt.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The XiangShan emu's image loader, for tests: our harness ({@code src/test/c/emu-loader}) compiled
 * with difftest's unchanged {@code compress.cpp} into {@code target/emu-loader/}. It loads an image
 * with {@code readFromGz} / {@code readFromZstd} into a RAM buffer of the emu's memory size, as
 * difftest's {@code MmapMemory::load_image} does, and reports what the loader returned and placed.
 *
 * <p>The loader's sources: the directory named by the system property {@value #SOURCES_PROPERTY}
 * or the environment variable {@value #SOURCES_ENV} (it must hold {@code compress.cpp} and
 * {@code compress.h}, e.g. a copy of a difftest checkout's {@code src/test/csrc/common/compress.*}),
 * else {@code ../shared/third_party/difftest-loader} beside the project root.
 */
final class EmuLoader {
  static final String SOURCES_PROPERTY = "gcpt.difftestLoader";
  static final String SOURCES_ENV = "GCPT_DIFFTEST_LOADER";
  /** The emu's simulated memory in the tests: 8 GiB, what XiangShan runs SimPoint checkpoints with. */
  static final long RAM_BYTES = 8L << 30;
  private static final Path HARNESS_SOURCES = Path.of("src/test/c/emu-loader");
  private static final long TIMEOUT_SECONDS = 120;

  /** One load: the harness's result line, parsed. */
  record Load(String loader, long returned, long digested, long nonzeroEnd, String sha256, String output) {}

  private final Path binary;

  private EmuLoader(Path binary) {
    this.binary = binary;
  }

  /**
   * Compiles the harness, or says why it cannot ({@code reason}): no loader sources, no g++, or
   * no zlib/zstd headers. Any other compiler error is thrown, not skipped.
   */
  static Built build() throws IOException, InterruptedException {
    Path sources = sources();
    if (!Files.isRegularFile(sources.resolve("compress.cpp")) || !Files.isRegularFile(sources.resolve("compress.h"))) {
      return new Built(null, "difftest's compress.cpp/compress.h are not in " + sources.toAbsolutePath()
          + " (set -D" + SOURCES_PROPERTY + "=DIR or " + SOURCES_ENV + "=DIR to a directory holding them)");
    }
    if (!onPath("g++")) {
      return new Built(null, "g++ is not installed (Debian package g++ / build-essential)");
    }
    Path dir = Files.createDirectories(Path.of("target/emu-loader"));
    Path binary = dir.resolve("emu-loader-harness");
    List<String> cmd = List.of("g++", "-O2", "-std=c++17", "-I", HARNESS_SOURCES.toString(), "-I", sources.toString(),
        "-o", binary.toString(), HARNESS_SOURCES.resolve("emu-loader-harness.cpp").toString(),
        sources.resolve("compress.cpp").toString(), "-lz", "-lzstd");
    Result r = run(cmd, dir.resolve("g++.log"));
    if (r.exit() != 0) {
      if (r.output().contains("zstd.h: No such file") || r.output().contains("zlib.h: No such file")
          || r.output().contains("cannot find -lz")) {
        return new Built(null, "zlib/zstd development files are missing (Debian packages zlib1g-dev libzstd-dev): "
            + firstLine(r.output()));
      }
      throw new IllegalStateException("compiling the emu-loader harness failed (exit " + r.exit() + "): "
          + String.join(" ", cmd) + "\n" + r.output());
    }
    return new Built(new EmuLoader(binary), null);
  }

  /** The harness, or why there is none. */
  record Built(EmuLoader loader, String reason) {}

  /** Loads {@code image} as the emu does, into {@link #RAM_BYTES} of RAM. */
  Load load(Path image) throws IOException, InterruptedException {
    return load(image, RAM_BYTES);
  }

  /**
   * Loads {@code image} into {@code bytes} of memory: the emu's flash ({@code init_flash}) reads a
   * gz or zstd flash image with the same functions into its flash size.
   */
  Load load(Path image, long bytes) throws IOException, InterruptedException {
    Result r = run(List.of(binary.toString(), image.toString(), Long.toString(bytes)),
        Files.createTempFile(binary.getParent(), "load", ".log"));
    if (r.exit() != 0) {
      throw new IllegalStateException("emu-loader harness on " + image + " exited " + r.exit() + ": " + r.output());
    }
    String last = r.output().strip();
    last = last.substring(last.lastIndexOf('\n') + 1);
    Map<String, String> kv = new TreeMap<>();
    for (String field : last.split(" ")) {
      int eq = field.indexOf('=');
      if (eq > 0) {
        kv.put(field.substring(0, eq), field.substring(eq + 1));
      }
    }
    if (!kv.keySet().containsAll(List.of("loader", "return", "digested", "nonzero_end", "sha256"))) {
      throw new IllegalStateException("emu-loader harness on " + image + ": no result line in: " + r.output());
    }
    return new Load(kv.get("loader"), Long.parseLong(kv.get("return")), Long.parseLong(kv.get("digested")),
        Long.parseLong(kv.get("nonzero_end")), kv.get("sha256"), r.output().strip());
  }

  private static Path sources() {
    String p = System.getProperty(SOURCES_PROPERTY);
    if (p == null || p.isBlank()) {
      p = System.getenv(SOURCES_ENV);
    }
    if (p != null && !p.isBlank()) {
      return Path.of(p);
    }
    // surefire runs in the tests module: the project root is its parent
    return Path.of("").toAbsolutePath().getParent().resolve("../shared/third_party/difftest-loader").normalize();
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> cmd, Path log) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + ": no exit after " + TIMEOUT_SECONDS + " s");
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    return new Result(p.exitValue(), out);
  }

  /** Whether an executable {@code tool} is on the PATH. */
  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    for (String d : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d).resolve(tool))) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String s) {
    return s.lines().filter(l -> l.contains("error")).findFirst().orElse(s.lines().findFirst().orElse(""));
  }
}
