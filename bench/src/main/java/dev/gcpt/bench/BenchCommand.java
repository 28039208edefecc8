package dev.gcpt.bench;

import dev.gcpt.cli.GcptCommand;
import dev.gcpt.cli.Sizes;
import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.bundle.OutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.pipeline.GcptOptions;
import dev.gcpt.pipeline.GcptPipeline;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gcpt bench}: generates a realistic set on disk and measures, side by side on the same
 * files, (1) normalize throughput against the shell pipe a user would write, (2) regeneration
 * against a full rebuild, (3) whole-pipeline throughput on the DirectRunner with 1 and 2 workers
 * and on Flink local, (4) peak heap and RSS against image size. Medians over {@code --repeat}
 * runs; results as ratios (ours / baseline), written to docs/benchmarks.md with an SVG plot.
 */
@Command(name = "bench", description = "Measure normalize, regenerate, pipeline and memory against shell baselines.")
public final class BenchCommand implements Callable<Integer>, GcptCommand {
  @Spec CommandSpec spec;

  @Option(names = "--dir", defaultValue = "bench-out", description = "Scratch directory (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--sizes-mib", split = ",", defaultValue = "256,1024,2048",
      description = "Raw image sizes in MiB (default ${DEFAULT-VALUE}).")
  List<Long> sizesMib;

  @Option(names = "--repeat", defaultValue = "3", description = "Runs per measurement; the median is reported.")
  int repeat;

  @Option(names = "--pipeline-rounds", defaultValue = "9", description = "Timed rounds per pipeline configuration"
      + " (default ${DEFAULT-VALUE}): the 2-worker / 1-worker ratio is the median of the rounds' ratios, and one"
      + " round takes two runs of the whole set, so the spread of a shared machine needs more of them.")
  int pipelineRounds;

  @Option(names = "--pipeline-images", defaultValue = "32",
      description = "Images in the pipeline benchmark set (default ${DEFAULT-VALUE}: enough that the fixed cost"
          + " of a run does not hide the scaling).")
  int pipelineImages;

  @Option(names = "--pipeline-image-mib", defaultValue = "256", description = "Raw MiB per pipeline benchmark image.")
  long pipelineImageMib;

  @Option(names = "--memory-mib", defaultValue = "8192", description = "Largest image for the memory check (-Xmx512m).")
  long memoryMib;

  @Option(names = "--random-per-mille", defaultValue = "25",
      description = "Random pages (and as many pointer-like pages) per 1000; the rest are zero pages.")
  int randomPerMille;

  @Option(names = "--skip-flink", description = "Leave out the Flink local run.")
  boolean skipFlink;

  @Option(names = "--docs", description = "Write the results into this markdown file (and an SVG beside it).")
  Path docs;

  @Option(names = "--sweeps", description = "Also run the density and count sweeps (section 5): whole `gcpt run`"
      + " processes against the `xargs -P<workers>` shell loop.")
  boolean sweeps;

  @Option(names = "--sweeps-only", description = "Run only the sweeps; with --docs, only their section is replaced.")
  boolean sweepsOnly;

  @Option(names = "--densities", split = ",", defaultValue = "50,400,900",
      description = "Sweep: non-zero pages per 1000, half of them random (default ${DEFAULT-VALUE}).")
  List<Integer> densities;

  @Option(names = "--density-images", defaultValue = "8", description = "Sweep: images per density set.")
  int densityImages;

  @Option(names = "--density-image-mib", defaultValue = "256", description = "Sweep: raw MiB per density image.")
  long densityImageMib;

  @Option(names = "--counts", split = ",", defaultValue = "10,1000,10000",
      description = "Sweep: checkpoints per count set (default ${DEFAULT-VALUE}; 0 leaves the count sweep out).")
  List<Integer> counts;

  @Option(names = "--count-image-mib", defaultValue = "1", description = "Sweep: raw MiB per count-set checkpoint.")
  long countImageMib;

  private PrintWriter out;

  /** docs/benchmarks.md keeps everything from this line on across runs. */
  static final String ANALYSIS_MARKER = "<!-- analysis: kept across bench runs -->";

  /** One measured row. */
  record Row(String what, String codec, long rawBytes, double ours, double baseline, double oursCpu,
      double baselineCpu) {
    double ratio() {
      return baseline / ours;
    }
  }

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    Files.createDirectories(dir);
    if (sweepsOnly) {
      return runSweeps(null);
    }
    warmUp();
    List<Row> normalize = new ArrayList<>();
    List<Row> regenerate = new ArrayList<>();
    for (long mib : sizesMib) {
      for (Codec codec : List.of(Codec.ZSTD, Codec.GZIP)) {
        Path in = input(mib, codec, 1);
        normalize.add(measureNormalize(in, mib, codec, 1));
        normalize.add(measureNormalize(in, mib, codec, 2));
        normalize.add(measurePipe(in, mib, codec));
        regenerate.addAll(measureRegenerate(in, mib, codec));
      }
    }
    List<String[]> memory = measureMemory();
    Map<String, Double> pipeline = measurePipeline();
    machine = measureMachine();
    String md = markdown(normalize, regenerate, memory, pipeline);
    out.println(md);
    if (docs != null) {
      // the hand-written analysis below the marker survives a new run
      if (Files.exists(docs)) {
        String old = Files.readString(docs, StandardCharsets.UTF_8);
        int at = old.indexOf(ANALYSIS_MARKER);
        if (at >= 0) {
          md = md + "\n" + old.substring(at);
        }
        // the sweeps' section stays until a sweep run replaces it
        int from = old.indexOf(BenchSweeps.BEGIN);
        int to = old.indexOf(BenchSweeps.END);
        if (!sweeps && from >= 0 && to > from) {
          md = BenchSweeps.splice(md, old.substring(from, to + BenchSweeps.END.length()) + "\n", ANALYSIS_MARKER);
        }
      }
      Files.writeString(docs, md, StandardCharsets.UTF_8);
      Path svg = docs.resolveSibling(docs.getFileName().toString().replace(".md", ".svg"));
      Files.writeString(svg, svg(normalize), StandardCharsets.UTF_8);
      out.println("wrote " + docs + " and " + svg);
    }
    out.flush();
    return sweeps ? runSweeps(md) : 0;
  }

  /** Section 5; {@code md}: what this run wrote above it (null: keep the file's other sections). */
  private int runSweeps(String md) throws Exception {
    BenchSweeps s = new BenchSweeps(dir, repeat, Runtime.getRuntime().availableProcessors(), out);
    List<BenchSweeps.DensityRow> d = s.density(densities.stream().filter(x -> x > 0).toList(), densityImages,
        densityImageMib);
    List<BenchSweeps.CountRow> c = s.count(counts.stream().filter(x -> x > 0).toList(), countImageMib, 50);
    String block = s.markdown(d, c);
    out.println(block);
    if (docs != null) {
      String doc = Files.exists(docs) ? Files.readString(docs, StandardCharsets.UTF_8) : md != null ? md : "";
      Files.writeString(docs, BenchSweeps.splice(doc, block, ANALYSIS_MARKER), StandardCharsets.UTF_8);
      out.println("wrote section 5 of " + docs);
    }
    out.flush();
    return 0;
  }

  /** Runs every code path once on a small image so the JIT has compiled them before timing. */
  private void warmUp() throws Exception {
    for (Codec codec : List.of(Codec.ZSTD, Codec.GZIP)) {
      Path in = input(WARM_UP_MIB, codec, 1);
      for (int threads = 1; threads <= 2; threads++) {
        measureNormalize(in, WARM_UP_MIB, codec, threads);
      }
      measureRegenerate(in, WARM_UP_MIB, codec);
    }
    log("warm-up done");
  }

  private static final long WARM_UP_MIB = 64;

  private Path input(long mib, Codec codec, long seed) throws IOException {
    Path f = dir.resolve("in").resolve(mib + "m-" + codec.cliName() + "-" + seed)
        .resolve("_" + seed + "_0.500000_memory_" + codec.suffix());
    if (!Files.exists(f)) {
      Files.createDirectories(f.getParent());
      log("generating %s", f);
      Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
      try (OutputStream o = Files.newOutputStream(tmp)) {
        SyntheticCheckpoint.builder().seed(seed).imageLength(mib << 20).randomPagesPerMille(randomPerMille)
            .vectorState(true).build().write(o, codec);
      }
      Files.move(tmp, f);
    }
    return f;
  }

  private BundleBuilder builder(String platform, int threads) {
    return new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named(platform), new BundleBuilder.Builtin(),
        ImageOptions.of(Codec.ZSTD, 0, 8, threads, false), 128, 1L << 40));
  }

  private BundleBuilder.Result build(BundleBuilder b, Path in, Path outDir) throws IOException {
    return build(b, in, new LocalOutputFiles(outDir));
  }

  private BundleBuilder.Result build(BundleBuilder b, Path in, OutputFiles files) throws IOException {
    return b.build(new BundleBuilder.Source(in.toString(), "size=" + Files.size(in)), () -> Files.newInputStream(in),
        new BundleBuilder.Target("w/1", "_1_0.500000_memory_.zstd", new BundleManifest.SimPoint("w", "1", "0.5", null)),
        files);
  }

  /** Wall and CPU seconds of one in-process action. */
  private double[] timed(IoAction a) throws Exception {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    a.run();
    return new double[] {(System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9};
  }

  @FunctionalInterface
  interface IoAction {
    void run() throws Exception;
  }

  private Row measureNormalize(Path in, long mib, Codec codec, int threads) throws Exception {
    List<double[]> runs = new ArrayList<>();
    try (BundleBuilder b = builder("xiangshan", threads)) {
      for (int i = 0; i < repeat; i++) {
        Path o = dir.resolve("out-normalize");
        deleteTree(o);
        runs.add(timed(() -> build(b, in, o)));
      }
    }
    double[] m = median(runs);
    log("normalize %d MiB %s, %d thread(s): %.2f s wall, %.2f s cpu", mib, codec.cliName(), threads, m[0], m[1]);
    return new Row("gcpt normalize, " + threads + " thread" + (threads > 1 ? "s" : ""), codec.cliName(), mib << 20,
        m[0], Double.NaN, m[1], Double.NaN);
  }

  private Row measurePipe(Path in, long mib, Codec codec) throws Exception {
    String dec = codec == Codec.GZIP ? "gzip -dc" : "zstd -dc";
    Path o = dir.resolve("pipe-out.zst");
    List<double[]> runs = new ArrayList<>();
    for (int i = 0; i < repeat; i++) {
      Path times = dir.resolve("pipe-times");
      Process p = new ProcessBuilder("/usr/bin/time", "-f", "%e %U %S", "-o", times.toString(), "bash", "-c",
          dec + " '" + in + "' | zstd -q -1 -c > '" + o + "'").inheritIO().start();
      if (p.waitFor() != 0) {
        throw new IOException("baseline pipe failed: " + dec + " | zstd -1");
      }
      String[] t = Files.readString(times).trim().split("\\s+");
      runs.add(new double[] {Double.parseDouble(t[0]), Double.parseDouble(t[1]) + Double.parseDouble(t[2])});
    }
    Files.deleteIfExists(o);
    double[] m = median(runs);
    log("pipe %d MiB %s: %.2f s wall, %.2f s cpu", mib, codec.cliName(), m[0], m[1]);
    return new Row(dec + " | zstd -1", codec.cliName(), mib << 20, m[0], Double.NaN, m[1], Double.NaN);
  }

  /**
   * Regeneration after a restorer change, timed against a full rebuild with the new restorer:
   * in place (a local output) and by copying the body (what an object store needs), alternating
   * between two platforms so that every timed call really regenerates ({@value #REGENERATIONS_PER_ROUND}
   * of each per rebuild, as they take milliseconds). Returns the in-place row
   * and the copy row (whose {@code ours} is the copy's time).
   */
  private static final int REGENERATIONS_PER_ROUND = 5;

  private List<Row> measureRegenerate(Path in, long mib, Codec codec) throws Exception {
    Path o = dir.resolve("out-regenerate");
    deleteTree(o);
    List<double[]> rebuild = new ArrayList<>();
    List<double[]> inPlace = new ArrayList<>();
    List<double[]> copied = new ArrayList<>();
    try (BundleBuilder a = builder("xiangshan", 1); BundleBuilder b = builder("qemu-virt", 1)) {
      build(a, in, o);
      int flips = 0;
      for (int i = 0; i < repeat; i++) {
        // regenerations take milliseconds: time several per round, so the median is a steady state
        for (int k = 0; k < 2 * REGENERATIONS_PER_ROUND; k++) {
          boolean copy = k % 2 == 1;
          BundleBuilder next = flips++ % 2 == 0 ? b : a;
          OutputFiles files = copy ? new CopyOnly(new LocalOutputFiles(o)) : new LocalOutputFiles(o);
          (copy ? copied : inPlace).add(timed(() -> {
            if (build(next, in, files).status() != BundleBuilder.Status.REGENERATED) {
              throw new IllegalStateException("expected a regeneration");
            }
          }));
        }
        Path fresh = dir.resolve("out-rebuild");
        deleteTree(fresh);
        rebuild.add(timed(() -> build(a, in, new LocalOutputFiles(fresh))));
      }
    }
    double[] r = median(inPlace);
    double[] c = median(copied);
    double[] f = median(rebuild);
    log("regenerate %d MiB %s: %.4f s in place, %.3f s copying vs rebuild %.2f s", mib, codec.cliName(), r[0], c[0],
        f[0]);
    return List.of(new Row("regenerate in place vs rebuild", codec.cliName(), mib << 20, r[0], f[0], r[1], f[1]),
        new Row("regenerate by copy vs rebuild", codec.cliName(), mib << 20, c[0], f[0], c[1], f[1]));
  }

  /** A local output that refuses in-place writes, as an object store does. */
  private record CopyOnly(OutputFiles files) implements OutputFiles {
    @Override
    public java.io.OutputStream create(String rel) throws IOException {
      return files.create(rel);
    }

    @Override
    public void commit(String fromRel, String toRel) throws IOException {
      files.commit(fromRel, toRel);
    }

    @Override
    public boolean exists(String rel) throws IOException {
      return files.exists(rel);
    }

    @Override
    public java.io.InputStream open(String rel) throws IOException {
      return files.open(rel);
    }

    @Override
    public void delete(String rel) throws IOException {
      files.delete(rel);
    }

    @Override
    public String describe(String rel) {
      return files.describe(rel);
    }

    @Override
    public long size(String rel) throws IOException {
      return files.size(rel);
    }
  }

  private List<String[]> measureMemory() throws Exception {
    List<String[]> rows = new ArrayList<>();
    List<Long> sizes = new ArrayList<>(sizesMib);
    if (!sizes.contains(memoryMib)) {
      sizes.add(memoryMib);
    }
    for (long mib : sizes) {
      Path in = input(mib, Codec.ZSTD, 1);
      Path o = dir.resolve("out-memory");
      deleteTree(o);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
          "dev.gcpt.cli.Gcpt", "normalize", in.toString(), "-o", o.toString(), "--threads", "2", "--memory-report")
          .redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IOException("normalize with -Xmx512m failed on " + mib + " MiB: " + text);
      }
      String line = text.lines().filter(l -> l.startsWith("memory ")).findFirst().orElseThrow();
      long heap = Long.parseLong(line.replaceAll(".*peakHeapBytes=(\\d+).*", "$1"));
      long rss = Long.parseLong(line.replaceAll(".*peakRssBytes=(\\d+).*", "$1"));
      log("memory %d MiB: peak heap %s, peak RSS %s", mib, Sizes.human(heap), Sizes.human(rss));
      rows.add(new String[] {Long.toString(mib), Sizes.human(heap), Sizes.human(rss)});
    }
    deleteTree(dir.resolve("out-memory"));
    return rows;
  }

  /** The machine control: label, one process alone (s), two at once (s, the later one). */
  private List<String[]> machine = List.of();

  /**
   * What the machine gives two processes at once, without gcpt: the same single-threaded job
   * run alone, then twice concurrently; 2 × alone / together is the throughput two cores give.
   * Jobs: {@code zstd -1 -T1 --no-asyncio} of a raw image (streaming through the page cache) and
   * {@code sha256sum} of it.
   */
  private List<String[]> measureMachine() throws Exception {
    Path raw = dir.resolve("raw-" + pipelineImageMib + "m");
    if (!Files.exists(raw)) {
      Path in = input(pipelineImageMib, Codec.ZSTD, 1);
      run("zstd -q -dc '" + in + "' > '" + raw + "'");
    }
    List<String[]> rows = new ArrayList<>();
    for (String job : List.of("zstd -q -1 -T1 --no-asyncio -c '" + raw + "' > /dev/null", "sha256sum '" + raw
        + "' > /dev/null")) {
      List<double[]> alone = new ArrayList<>();
      List<double[]> pair = new ArrayList<>();
      for (int i = 0; i < repeat; i++) {
        alone.add(new double[] {wall("" + job)});
        pair.add(new double[] {wall("(" + job + ") & (" + job + "); wait")});
      }
      double a = median(alone)[0];
      double p = median(pair)[0];
      String label = job.substring(0, job.indexOf(" '")).replace(" -c", "");
      rows.add(new String[] {label, String.format(Locale.ROOT, "%.2f s", a), String.format(Locale.ROOT, "%.2f s", p),
          String.format(Locale.ROOT, "%.2f×", 2 * a / p)});
      log("machine %s: %.2f s alone, %.2f s for two at once (%.2fx)", label, a, p, 2 * a / p);
    }
    return rows;
  }

  private static void run(String shell) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", shell).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("failed: " + shell);
    }
  }

  private static double wall(String shell) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    run(shell);
    return (System.nanoTime() - t0) / 1e9;
  }

  /** CPU seconds and wall seconds of the median pipeline run, by runner label. */
  private final Map<String, Double> pipelineCpu = new LinkedHashMap<>();
  private final Map<String, Double> pipelineWall = new LinkedHashMap<>();

  /**
   * The whole pipeline on a set of {@code pipelineImages} images, each configuration in a JVM of
   * its own ({@link BenchPipelineMain}: two warm-up rounds, then {@code pipelineRounds} timed rounds). 1
   * and 2 DirectRunner workers take turns in one JVM, so each round gives a ratio of two runs
   * taken back to back: with the defaults (a worker decodes and compresses on its own thread, one
   * core per checkpoint) and with one compression thread per worker (a worker then keeps most of
   * two cores busy). Then Flink's local cluster with 2 workers.
   */
  private Map<String, Double> measurePipeline() throws Exception {
    Path set = dir.resolve("pipeline-set-" + pipelineImages + "x" + pipelineImageMib + "m");
    for (int i = 1; i <= pipelineImages; i++) {
      Path f = input(pipelineImageMib, i % 2 == 0 ? Codec.GZIP : Codec.ZSTD, i);
      Path target = set.resolve("w" + i).resolve(Integer.toString(i)).resolve(f.getFileName());
      if (!Files.exists(target)) {
        Files.createDirectories(target.getParent());
        Files.createLink(target, f);
      }
    }
    long raw = (long) pipelineImages * (pipelineImageMib << 20);
    Map<String, Double> rates = new LinkedHashMap<>();
    // label, runner, worker counts (taking turns), image threads (null: gcpt run's default)
    List<String[]> runs = new ArrayList<>();
    runs.add(new String[] {"direct", "direct", "1,2", "0"});
    runs.add(new String[] {"direct, 1 compression thread per worker", "direct", "1,2", "1"});
    if (!skipFlink) {
      runs.add(new String[] {"flink", "flink", "2", "0"});
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (String[] r : runs) {
      List<String> cmd = List.of(java, "-cp", System.getProperty("java.class.path"), BenchPipelineMain.class.getName(),
          set.toString(), dir.resolve("pipeline-out").toString(), r[1], r[2], Integer.toString(pipelineRounds),
          r[3]);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IOException("pipeline benchmark " + r[0] + " failed:\n" + text);
      }
      Map<Integer, double[]> wallByWorkers = new LinkedHashMap<>();
      for (String w : r[2].split(",")) {
        int workers = Integer.parseInt(w);
        double[] wall = numbers(text, "seconds " + workers + " ", r[0]);
        double[] cpu = numbers(text, "cpu " + workers + " ", r[0]);
        List<double[]> times = new ArrayList<>();
        for (int i = 0; i < wall.length; i++) {
          times.add(new double[] {wall[i], cpu[i]});
        }
        double[] m = median(times);
        String label = r[0] + "-" + workers;
        rates.put(label, raw / m[0] / (1 << 20));
        pipelineCpu.put(label, m[1]);
        pipelineWall.put(label, m[0]);
        wallByWorkers.put(workers, wall);
        log("pipeline %s: %.2f s for %s raw (%.0f MiB/s), %.2f CPU-s", label, m[0], Sizes.human(raw),
            raw / m[0] / (1 << 20), m[1]);
      }
      if (wallByWorkers.containsKey(1) && wallByWorkers.containsKey(2)) {
        double[] one = wallByWorkers.get(1);
        double[] two = wallByWorkers.get(2);
        double[] ratios = new double[one.length];
        for (int i = 0; i < one.length; i++) {
          ratios[i] = one[i] / two[i];
        }
        scaling.put(r[0], ratios);
        log("pipeline %s: 2 workers / 1 worker, round by round: %s (median %.2fx)", r[0],
            Arrays.toString(ratios), median(ratios));
      }
    }
    return rates;
  }

  /** Per configuration: 1-worker time / 2-worker time of each round. */
  private final Map<String, double[]> scaling = new LinkedHashMap<>();

  /** The numbers after {@code prefix} on the last line that starts with it. */
  private static double[] numbers(String text, String prefix, String what) throws IOException {
    String line = text.lines().filter(l -> l.startsWith(prefix)).reduce((a, b) -> b).orElseThrow(
        () -> new IOException("pipeline benchmark " + what + " printed no '" + prefix.trim() + "' line:\n" + text));
    return Arrays.stream(line.substring(prefix.length()).trim().split(" ")).mapToDouble(Double::parseDouble)
        .toArray();
  }

  /** The median of {@code values} (the upper one of an even count, as {@link #median(List)}). */
  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double[] median(List<double[]> runs) {
    List<double[]> sorted = new ArrayList<>(runs);
    sorted.sort(Comparator.comparingDouble(r -> r[0]));
    return sorted.get(sorted.size() / 2);
  }

  private String markdown(List<Row> normalize, List<Row> regen, List<String[]> memory, Map<String, Double> pipe) {
    StringBuilder b = new StringBuilder();
    b.append("# Benchmarks\n\n");
    b.append("Produced by `bin/gcpt bench --docs docs/benchmarks.md` (").append(LocalDate.now())
        .append("); medians of ").append(repeat).append(" runs. Machine: ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
        .append(ManagementFactory.getOperatingSystemMXBean().getArch()).append(", Java ")
        .append(System.getProperty("java.version")).append(". Images: V1 checkpoints, ")
        .append(randomPerMille / 10.0).append("% random pages, as many pointer-like pages (small integers and DRAM addresses in turn), the rest zero pages.")
        .append(" Output: zstd level 1, 8 MiB body frames. Baselines run on the same files.\n\n");
    b.append("## 1. Normalize throughput vs the shell pipe\n\n");
    b.append("Raw MiB/s by wall clock, and per CPU-second (\"per core\": raw bytes / (user+sys)).\n\n");
    b.append("| raw size | input | gcpt 1 thread | gcpt 2 threads | shell pipe | gcpt 1T / pipe (wall) |"
        + " gcpt per core | pipe per core | per-core ratio |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i + 2 < normalize.size(); i += 3) {
      Row one = normalize.get(i);
      Row two = normalize.get(i + 1);
      Row pipeRow = normalize.get(i + 2);
      double mib = one.rawBytes() / (double) (1 << 20);
      b.append(String.format(Locale.ROOT, "| %s | %s | %.0f MiB/s | %.0f MiB/s | %.0f MiB/s (`%s`) | %.2f× | %.0f MiB/s"
              + " | %.0f MiB/s | %.2f× |%n", Sizes.human(one.rawBytes()), one.codec(), mib / one.ours(), mib / two.ours(),
          mib / pipeRow.ours(), pipeRow.what(), pipeRow.ours() / one.ours(), mib / one.oursCpu(),
          mib / pipeRow.oursCpu(), pipeRow.oursCpu() / one.oursCpu()));
    }
    b.append("\n![throughput vs image size](benchmarks.svg)\n\n");
    b.append("## 2. Regeneration after a restorer change vs a full rebuild\n\n");
    b.append("In place: a local output, the new head slot written over the old one. Copy: the new slot then the"
        + " old body's compressed bytes (what an object store such as S3 needs). Both include reading the manifest,"
        + " pairing the restorer and writing the new manifest.\n\n");
    b.append("| raw size | input | regenerate in place | regenerate by copy | full rebuild | rebuild / in place"
        + " | rebuild / copy |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i + 1 < regen.size(); i += 2) {
      Row r = regen.get(i);
      Row c = regen.get(i + 1);
      b.append(String.format(Locale.ROOT, "| %s | %s | %.4f s | %.3f s | %.2f s | %.0f× | %.0f× |%n",
          Sizes.human(r.rawBytes()), r.codec(), r.ours(), c.ours(), r.baseline(), r.ratio(), c.ratio()));
    }
    b.append("\n## 3. Whole pipeline (").append(pipelineImages).append(" images of ").append(pipelineImageMib)
        .append(" MiB, half gz, half zstd; medians of ").append(pipelineRounds)
        .append(" rounds)\n\nThe runner label ends in the number of workers. `direct`: `gcpt run`'s"
        + " defaults (a worker decodes, hashes and compresses its checkpoint on its own thread). `1 compression thread"
        + " per worker`: `--threads 1`. CPU: seconds of CPU time of the whole JVM during the run (workers, JIT, GC,"
        + " runner threads); cores busy = CPU / wall. 1 and 2 workers take turns in one JVM, run after run.\n\n"
        + "| runner | raw MiB/s | wall | CPU | cores busy |\n|---|---|---|---|---|\n");
    pipe.forEach((k, v) -> {
      double wall = pipelineWall.getOrDefault(k, Double.NaN);
      double cpu = pipelineCpu.getOrDefault(k, Double.NaN);
      b.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f s | %.2f s | %.2f |%n", k, v, wall, cpu, cpu / wall));
    });
    if (!scaling.isEmpty()) {
      b.append("\nScaling, 2 workers / 1 worker, each round's two runs taken back to back:\n\n"
          + "| configuration | median | rounds |\n|---|---|---|\n");
      scaling.forEach((k, ratios) -> {
        StringBuilder each = new StringBuilder();
        for (double x : ratios) {
          each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f×", x));
        }
        b.append(String.format(Locale.ROOT, "| %s | %.2f× | %s |%n", k, median(ratios), each));
      });
    }
    if (!machine.isEmpty()) {
      b.append("\nThe machine without gcpt: one single-threaded job alone, then two at once on the same ")
          .append(pipelineImageMib).append(" MiB raw image; 2 × alone / together is what a second core adds.\n\n")
          .append("| job | alone | two at once | throughput, two / one |\n|---|---|---|---|\n");
      for (String[] m : machine) {
        b.append("| `").append(m[0]).append("` | ").append(m[1]).append(" | ").append(m[2]).append(" | ").append(m[3])
            .append(" |\n");
      }
    }
    b.append("\n## 4. Memory (gcpt normalize in a JVM with -Xmx512m, 2 compression threads)\n\n");
    b.append("| raw size (MiB) | peak heap | peak RSS |\n|---|---|---|\n");
    for (String[] m : memory) {
      b.append("| ").append(m[0]).append(" | ").append(m[1]).append(" | ").append(m[2]).append(" |\n");
    }
    return b.toString();
  }

  private String svg(List<Row> normalize) {
    int w = 640;
    int h = 360;
    int left = 60;
    int bottom = 40;
    double maxRate = 1;
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    for (Row r : normalize) {
      double mib = r.rawBytes() / (double) (1 << 20);
      double rate = mib / r.ours();
      maxRate = Math.max(maxRate, rate);
      series.computeIfAbsent(r.what() + " (" + r.codec() + ")", k -> new ArrayList<>()).add(new double[] {mib, rate});
    }
    // headroom above the fastest series, a whole multiple of 500 MiB/s: the legend sits there
    maxRate = Math.ceil(maxRate * 1.5 / 500) * 500;
    double maxMib = sizesMib.stream().mapToLong(Long::longValue).max().orElse(1);
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
        .append("\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left,
        h - bottom, w - 10, h - bottom));
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, left,
        h - bottom));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">raw image size (MiB)</text>%n", w / 2 - 50, h - 8));
    s.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\">raw MiB/s</text>%n",
        h / 2 + 20, h / 2 + 20));
    for (int t = 0; t <= 4; t++) {
      double v = maxRate * t / 4;
      int y = (int) (h - bottom - (h - bottom - 10) * t / 4.0);
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>%n", left - 4, y + 4, v));
    }
    for (long mib : sizesMib) {
      int x = (int) (left + (w - left - 20) * mib / maxMib);
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, h - bottom + 14,
          mib));
    }
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"10\" width=\"250\" height=\"%d\" fill=\"white\""
        + " stroke=\"#ccc\"/>%n", left + 6, 14 * series.size() + 8));
    String[] colors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};
    int i = 0;
    for (var e : series.entrySet()) {
      String c = colors[i % colors.length];
      StringBuilder pts = new StringBuilder();
      for (double[] p : e.getValue()) {
        int x = (int) (left + (w - left - 20) * p[0] / maxMib);
        int y = (int) (h - bottom - (h - bottom - 10) * p[1] / maxRate);
        pts.append(x).append(',').append(y).append(' ');
      }
      s.append("<polyline fill=\"none\" stroke=\"").append(c).append("\" stroke-width=\"2\" points=\"")
          .append(pts.toString().trim()).append("\"/>\n");
      s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
          + "<text x=\"%d\" y=\"%d\">%s</text>%n", left + 10, 14 + 14 * i, c, left + 24, 23 + 14 * i, e.getKey()));
      i++;
    }
    return s.append("</svg>\n").toString();
  }

  private void log(String fmt, Object... args) {
    out.printf("  " + fmt + "%n", args);
    out.flush();
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
