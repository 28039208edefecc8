package dev.gcpt.bench;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The sweeps of {@code gcpt bench} (issue 18): whole {@code gcpt run} processes against the shell
 * loop a user would write, {@code find … | xargs -P<workers>} running {@code <decoder> -dc | zstd
 * -1} per file, on the same files in the same run, A and B in turn.
 *
 * <ul>
 *   <li>density: sets of images with about 5, 40 and 90 % non-zero pages (half random, so
 *       incompressible, half small integers and DRAM pointers), zstd and gzip inputs;
 *   <li>count: sets of 10, 1,000, 10,000 small checkpoints with {@code json/checkpoints_all.json}:
 *       the run, the shell loop, a rerun with everything up to date, a {@code regenerate
 *       --platform} of the whole set, and the run's peak RSS.
 * </ul>
 *
 * Every gcpt figure is a separate JVM (the launcher's class-data archive when this JVM has one),
 * timed by {@code /usr/bin/time}: wall, user+sys and peak RSS of the whole process.
 */
final class BenchSweeps {
  /** The launcher's path, set by {@code bin/gcpt bench}. */
  static final String LAUNCHER_PROPERTY = "gcpt.launcher";

  /** docs/benchmarks.md: the sweeps' tables sit between these lines, replaced by each sweep run. */
  static final String BEGIN = "<!-- sweeps: begin -->";
  static final String END = "<!-- sweeps: end -->";

  private final Path dir;
  private final int repeat;
  private final int workers;
  private final PrintWriter out;

  BenchSweeps(Path dir, int repeat, int workers, PrintWriter out) {
    this.dir = dir;
    this.repeat = repeat;
    this.workers = workers;
    this.out = out;
  }

  /** One timed process: wall and CPU (user+sys) seconds, peak RSS in KiB. */
  record Time(double wall, double cpu, long rssKib) {}

  /** Medians of one density row. */
  record DensityRow(int perMille, Codec codec, int images, long imageMib, Time gcpt, Time shell) {}

  /** Medians of one count row. */
  record CountRow(int count, long imageMib, Time run, Time shell, Time rerun, Time regenerate) {}

  // ---------------------------------------------------------------- density

  List<DensityRow> density(List<Integer> perMilles, int images, long imageMib) throws Exception {
    List<DensityRow> rows = new ArrayList<>();
    for (int pm : perMilles) {
      for (Codec codec : List.of(Codec.ZSTD, Codec.GZIP)) {
        Path set = dir.resolve("density").resolve(pm + "pm-" + codec.cliName() + "-" + images + "x" + imageMib + "m");
        for (int i = 1; i <= images; i++) {
          Path f = set.resolve("w" + i).resolve("1").resolve("_1_0.500000_memory_" + codec.suffix());
          generate(f, imageMib, pm, codec, i);
        }
        Path gOut = dir.resolve("density-out-gcpt");
        Path sOut = dir.resolve("density-out-shell");
        List<Time> g = new ArrayList<>();
        List<Time> s = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
          BenchCommand.deleteTree(gOut);
          g.add(gcpt("run", "--input", set.toString(), "--output", gOut.toString()));
          s.add(shellLoop(set, sOut));
        }
        BenchCommand.deleteTree(gOut);
        BenchCommand.deleteTree(sOut);
        DensityRow row = new DensityRow(pm, codec, images, imageMib, median(g), median(s));
        log("density %d/1000 %s: gcpt run %.2f s wall %.2f s cpu, shell loop %.2f s wall %.2f s cpu", pm,
            codec.cliName(), row.gcpt.wall, row.gcpt.cpu, row.shell.wall, row.shell.cpu);
        rows.add(row);
      }
    }
    return rows;
  }

  // ---------------------------------------------------------------- count

  List<CountRow> count(List<Integer> counts, long imageMib, int perMille) throws Exception {
    List<CountRow> rows = new ArrayList<>();
    for (int n : counts) {
      Path set = dir.resolve("count").resolve(n + "x" + imageMib + "m");
      countSet(set, n, imageMib, perMille);
      Path gOut = dir.resolve("count-out-gcpt");
      Path sOut = dir.resolve("count-out-shell");
      int reps = n >= 10_000 ? 1 : repeat; // one run of 10,000 takes minutes
      List<Time> run = new ArrayList<>();
      List<Time> shell = new ArrayList<>();
      List<Time> rerun = new ArrayList<>();
      List<Time> regen = new ArrayList<>();
      for (int r = 0; r < reps; r++) {
        BenchCommand.deleteTree(gOut);
        run.add(gcpt("run", "--input", set.toString(), "--output", gOut.toString()));
        shell.add(shellLoop(set, sOut));
        rerun.add(gcpt("run", "--input", set.toString(), "--output", gOut.toString()));
        // every bundle gets a new restorer, then its first one again: two real regenerations
        regen.add(gcpt("regenerate", gOut.toString(), "--platform", "nemu"));
        regen.add(gcpt("regenerate", gOut.toString(), "--platform", "xiangshan"));
      }
      BenchCommand.deleteTree(gOut);
      BenchCommand.deleteTree(sOut);
      CountRow row = new CountRow(n, imageMib, median(run), median(shell), median(rerun), median(regen));
      log("count %d x %d MiB: run %.2f s (%d MiB RSS), shell %.2f s, rerun %.2f s, regenerate %.2f s", n, imageMib,
          row.run.wall, row.run.rssKib >> 10, row.shell.wall, row.rerun.wall, row.regenerate.wall);
      rows.add(row);
    }
    return rows;
  }

  /** {@code n} checkpoints, ten points per workload, and their json/checkpoints_all.json. */
  private void countSet(Path set, int n, long imageMib, int perMille) throws IOException {
    Path meta = set.resolve("json").resolve("checkpoints_all.json");
    if (Files.exists(meta)) {
      return;
    }
    StringBuilder js = new StringBuilder("{\n");
    int workloads = (n + 9) / 10;
    for (int w = 0; w < workloads; w++) {
      String name = String.format(Locale.ROOT, "wl%05d", w);
      js.append("  \"").append(name).append("\": {\"insts\": \"1000000000\", \"points\": {");
      int points = Math.min(10, n - w * 10);
      for (int p = 0; p < points; p++) {
        int point = 100 + 7 * p;
        generate(set.resolve(name).resolve(Integer.toString(point)).resolve("_" + point + "_0.1_memory_.zstd"),
            imageMib, perMille, Codec.ZSTD, w * 100L + p + 1);
        js.append(p == 0 ? "" : ", ").append('"').append(point).append("\": \"0.1\"");
      }
      js.append("}}").append(w + 1 < workloads ? ",\n" : "\n");
    }
    js.append("}\n");
    Files.createDirectories(meta.getParent());
    Files.writeString(meta, js.toString(), StandardCharsets.UTF_8);
  }

  private void generate(Path f, long mib, int nonZeroPerMille, Codec codec, long seed) throws IOException {
    if (Files.exists(f)) {
      return;
    }
    Files.createDirectories(f.getParent());
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
      // half the non-zero pages random (incompressible), half small integers and DRAM pointers
      SyntheticCheckpoint.builder().seed(seed).imageLength(mib << 20).randomPagesPerMille(nonZeroPerMille / 2)
          .vectorState(true).build().write(o, codec);
    }
    Files.move(tmp, f);
  }

  // ---------------------------------------------------------------- processes

  /**
   * One gcpt command in a process of its own: through the launcher a user types when
   * {@code bin/gcpt bench} names it ({@value #LAUNCHER_PROPERTY}: its class-data-sharing archive
   * included), else a JVM on this class path.
   */
  private Time gcpt(String... args) throws Exception {
    String launcher = System.getProperty(LAUNCHER_PROPERTY);
    if (launcher != null) {
      List<String> cmd = new ArrayList<>(List.of(launcher));
      cmd.addAll(List.of(args));
      return timed(cmd, "gcpt " + args[0]);
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-Xlog:cds")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.gcpt.cli.Gcpt"));
    cmd.addAll(List.of(args));
    return timed(cmd, "gcpt " + args[0]);
  }

  /** The shell loop: every memory image decoded and recompressed with zstd -1, {@code workers} at a time. */
  private Time shellLoop(Path set, Path outDir) throws Exception {
    BenchCommand.deleteTree(outDir);
    Files.createDirectories(outDir);
    String script = "cd '" + set + "' && find . -name '*_memory_*' -print0 | xargs -0 -P" + workers
        + " -n1 sh -c 'mkdir -p \"$0/$(dirname \"$1\")\" && case \"$1\" in *.gz) d=\"gzip -dc\";; *) d=\"zstd -dc\";;"
        + " esac && $d \"$1\" | zstd -q -1 -c > \"$0/$1.zst\"' '" + outDir + "'";
    return timed(List.of("bash", "-c", script), "shell loop");
  }

  private Time timed(List<String> cmd, String what) throws Exception {
    Path times = dir.resolve("sweep-times");
    Path log = dir.resolve("sweep-last.log");
    List<String> full = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %U %S %M", "-o", times.toString()));
    full.addAll(cmd);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (p.waitFor() != 0) {
      throw new IOException(what + " failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n"
          + Files.readString(log));
    }
    String[] t = Files.readString(times).trim().split("\\s+");
    String[] last = t.length > 4 ? Arrays.copyOfRange(t, t.length - 4, t.length) : t;
    return new Time(Double.parseDouble(last[0]), Double.parseDouble(last[1]) + Double.parseDouble(last[2]),
        Long.parseLong(last[3]));
  }

  /** Per figure, the median of the runs (the upper one of an even count). */
  private static Time median(List<Time> runs) {
    double[] w = runs.stream().mapToDouble(Time::wall).sorted().toArray();
    double[] c = runs.stream().mapToDouble(Time::cpu).sorted().toArray();
    long[] m = runs.stream().mapToLong(Time::rssKib).sorted().toArray();
    return new Time(w[w.length / 2], c[c.length / 2], m[m.length / 2]);
  }

  // ---------------------------------------------------------------- markdown

  String markdown(List<DensityRow> density, List<CountRow> count) {
    StringBuilder b = new StringBuilder(BEGIN).append("\n");
    b.append(String.format(Locale.ROOT, "## 5. Sweeps: `gcpt run` against the shell loop (%d workers, `xargs -P%d`;"
        + " medians of %d runs, A and B in turn)%n%n", workers, workers, repeat));
    b.append("Whole processes, timed by `/usr/bin/time`: wall, CPU = user + sys, peak RSS. The shell loop:"
        + " `find SET -name '*_memory_*' | xargs -P").append(workers).append(" -n1` running `zstd -dc` (or `gzip -dc`)"
        + " `| zstd -q -1` per file. Ratio = shell / gcpt: above 1.00 gcpt is faster. Favourable and unfavourable"
        + " rows are side by side.\n\n");
    if (!density.isEmpty()) {
      b.append("### Density (non-zero pages, half of them random)\n\n");
      b.append("| non-zero pages | input | set | gcpt run wall | shell wall | wall ratio | gcpt CPU | shell CPU |"
          + " CPU ratio | gcpt CPU-s per raw GiB | shell CPU-s per raw GiB |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (DensityRow r : density) {
        double gib = r.images * (double) r.imageMib / 1024;
        b.append(String.format(Locale.ROOT, "| %.0f %% | %s | %d × %d MiB | %.2f s | %.2f s | %.2f× | %.2f s | %.2f s |"
                + " %.2f× | %.2f | %.2f |%n", r.perMille / 10.0, r.codec.cliName(), r.images, r.imageMib, r.gcpt.wall,
            r.shell.wall, r.shell.wall / r.gcpt.wall, r.gcpt.cpu, r.shell.cpu, r.shell.cpu / r.gcpt.cpu,
            r.gcpt.cpu / gib, r.shell.cpu / gib));
      }
      b.append('\n');
    }
    if (!count.isEmpty()) {
      b.append("### Count (small checkpoints with json/checkpoints_all.json)\n\n");
      b.append("| checkpoints | gcpt run wall | shell wall | wall ratio | gcpt CPU | shell CPU | gcpt peak RSS |"
          + " rerun, all up to date | regenerate --platform |\n|---|---|---|---|---|---|---|---|---|\n");
      for (CountRow r : count) {
        b.append(String.format(Locale.ROOT, "| %,d × %d MiB | %.2f s | %.2f s | %.2f× | %.2f s | %.2f s | %d MiB |"
                + " %.2f s | %.2f s |%n", r.count, r.imageMib, r.run.wall, r.shell.wall, r.shell.wall / r.run.wall,
            r.run.cpu, r.shell.cpu, r.run.rssKib >> 10, r.rerun.wall, r.regenerate.wall));
      }
      b.append('\n');
    }
    return b.append(END).append('\n').toString();
  }

  /** Puts {@code block} in place of the old sweeps block of {@code doc}, or before the analysis marker. */
  static String splice(String doc, String block, String analysisMarker) {
    int from = doc.indexOf(BEGIN);
    int to = doc.indexOf(END);
    if (from >= 0 && to > from) {
      return doc.substring(0, from) + block + doc.substring(to + END.length() + (doc.startsWith("\n", to
          + END.length()) ? 1 : 0));
    }
    int at = doc.indexOf(analysisMarker);
    return at < 0 ? doc + "\n" + block : doc.substring(0, at) + block + "\n" + doc.substring(at);
  }

  private void log(String fmt, Object... args) {
    out.printf("  " + fmt + "%n", args);
    out.flush();
  }
}
