package dev.gcpt.cli;

import dev.gcpt.core.io.Uris;
import dev.gcpt.core.set.RunSummary;
import dev.gcpt.core.set.SetManifest;
import dev.gcpt.core.set.SetNote;
import dev.gcpt.pipeline.GcptOptions;
import dev.gcpt.pipeline.GcptPipeline;
import dev.gcpt.pipeline.LocalExecutor;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gcpt run}: a whole set into bundles, on this machine ({@link LocalExecutor}, the default),
 * Beam's DirectRunner or Flink: the same bundles and set files on each.
 */
@Command(name = "run", description = "Turn a whole SimPoint set into bundles (on this machine, or Beam: DirectRunner or Flink).")
public final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--input", required = true, description = "Set root (local directory or s3://bucket/prefix).")
  String input;

  @Option(names = "--output", required = true, description = "Output root (local directory or s3://bucket/prefix).")
  String output;

  @Option(names = "--runner", defaultValue = "local", description = "local (this machine, without Beam's start-up),"
      + " direct (Beam's DirectRunner) or flink (default ${DEFAULT-VALUE}).")
  String runner;

  @Option(names = "--flink-master", defaultValue = "[local]",
      description = "Flink JobManager host:port, or [local] (default ${DEFAULT-VALUE}).")
  String flinkMaster;

  @Option(names = "--parallelism", defaultValue = "0",
      description = "Workers (Direct: threads; Flink: parallelism). 0 = number of cores.")
  int parallelism;

  @Option(names = "--files-to-stage", description = "Jar(s) to ship to a remote Flink cluster (e.g. runners/target/gcpt-all.jar).")
  List<String> filesToStage;

  @Mixin BundleOptions bundle;
  @Mixin BundleOptions.Image image;
  @Mixin StorageOptions storage;

  /** S3 settings given programmatically (the demo's embedded server) instead of by options. */
  dev.gcpt.pipeline.io.S3Setup s3;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (parallelism < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--parallelism must be 0 (one worker per"
          + " core) or more, got " + parallelism);
    }
    String overlap = overlap(input, output);
    if (overlap != null) {
      err.println("gcpt run: " + Uris.redact(overlap));
      return 2;
    }
    boolean local = Runners.LOCAL.equals(runner);
    if (!local && !Runners.DIRECT.equals(runner) && !Runners.FLINK.equals(runner)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown runner '" + runner
          + "' (expected local, direct or flink)");
    }
    // S3 is configured before anything is read (a run without s3:// URIs makes no Beam options
    // unless it runs a Beam job)
    org.apache.beam.sdk.options.PipelineOptions s3Options = involvesS3()
        ? (s3 != null ? s3 : storage.s3Setup()).configureFileSystems() : null;
    if (s3 == null && upToDateWithoutPipeline(s3Options)) {
      return 0;
    }
    if (!"builtin".equals(bundle.restorer)) {
      bundle.restorerChoice(storage); // a restorer that is not one fails here, in one line, not in every worker
    }
    GcptOptions options = local ? null : options();
    PrintWriter out = spec.commandLine().getOut();
    java.util.Set<String> before = indexedPoints(output);
    int swept = sweepLeftovers(output);
    if (swept > 0) {
      out.printf("gcpt run: removed %d temporary file(s) and empty director(ies) an interrupted run left in %s%n", swept,
          Uris.redact(output));
    }
    int workers = Runners.workers(parallelism);
    out.printf("gcpt run: %s -> %s on %s%n", Uris.redact(input), Uris.redact(output),
        local ? "this machine (" + workers + " worker" + (workers == 1 ? "" : "s") + ")"
            : Runners.FLINK.equals(runner) ? "Flink " + flinkMaster : "DirectRunner");
    out.flush();
    long start = System.nanoTime();
    boolean foundAny;
    if (local) {
      ProgressMeter meter = ProgressMeter.forTerminal(out, "checkpoints");
      LocalExecutor.Result r = LocalExecutor.run(new LocalExecutor.Job(input, output,
          bundle.runConfig(input, output, image), workers, s3Options), meter::update);
      meter.finish();
      foundAny = r.foundAny();
    } else {
      PipelineResult result = GcptPipeline.run(options);
      Progress.follow(result, out);
      PipelineResult.State state = result.waitUntilFinish();
      if (Runners.FLINK.equals(runner)) {
        // a Flink job re-registers s3:// with its own (then closed) class loader: register afresh
        (s3 != null ? s3 : storage.s3Setup()).configureFileSystems();
      }
      if (state != PipelineResult.State.DONE) {
        err.println("gcpt run: pipeline ended in state " + state);
        return 1;
      }
      foundAny = Progress.counter(result, "checkpointsFound") + Progress.counter(result, "matchFailures") > 0;
    }
    if (!foundAny) {
      err.println("gcpt run: no checkpoints found under " + Uris.redact(input) + ": nothing written (the names gcpt looks for:"
          + " docs/set-layouts.md)");
      return 1;
    }
    SetManifest set = Summary.readSet(output);
    int rc = Summary.print(out, output, set, (System.nanoTime() - start) / 1e9);
    java.util.Set<String> gone = new java.util.TreeSet<>(before);
    gone.removeAll(set.points());
    if (!gone.isEmpty()) {
      err.printf(Locale.ROOT, "gcpt run: warning: the set index no longer lists %d point(s) the previous one listed"
          + " (not found under %s this time; their bundles stay in %s), e.g. %s%n", gone.size(), Uris.redact(input),
          Uris.redact(output),
          String.join(", ", gone.stream().limit(3).toList()));
    }
    return rc;
  }

  /** Whether the input, the output or the restorer is an {@code s3://} (or other non-local) URI. */
  private boolean involvesS3() {
    return !Uris.isLocal(input) || !Uris.isLocal(output)
        || (!"builtin".equals(bundle.restorer) && !Uris.isLocal(bundle.restorer));
  }

  /**
   * A rerun with nothing to do, decided from the listing and the manifests ({@link UpToDateRun})
   * before Beam starts: prints the summary and leaves the set files as the last run wrote them.
   */
  private boolean upToDateWithoutPipeline(org.apache.beam.sdk.options.PipelineOptions s3Options)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    int n;
    try (dev.gcpt.core.bundle.BundleBuilder b = new dev.gcpt.core.bundle.BundleBuilder(
        bundle.toOptions(storage, image.toOptions()))) {
      n = UpToDateRun.check(input, output, b, dev.gcpt.core.codec.Codec.fromCliName(image.codec), s3Options);
    }
    if (n < 0) {
      return false;
    }
    PrintWriter out = spec.commandLine().getOut();
    int swept = sweepLeftovers(output);
    if (swept > 0) {
      out.printf("gcpt run: removed %d temporary file(s) and empty director(ies) an interrupted run left in %s%n", swept,
          Uris.redact(output));
    }
    String root = Uris.redact(output);
    out.printf(Locale.ROOT, "gcpt run: %s -> %s: everything up to date, decided from the listing and the manifests"
        + " (no image read)%n", Uris.redact(input), root);
    out.printf(Locale.ROOT, "inputs %d = bundles %d + failures 0   (%s)   in %.1f s%n", n, n,
        Summary.count("UP_TO_DATE", n), (System.nanoTime() - start) / 1e9);
    out.printf("set: %s/set.json and report: %s/%s as the last run wrote them%n", root, root,
        dev.gcpt.core.report.ReportWriter.FILE_NAME);
    out.flush();
    return true;
  }

  /**
   * Why {@code output} may not be written, or null: an output that is the input, or inside it, or
   * holds it would change the input set (its json/checkpoints_all.json, and the next listing).
   * Local paths compare absolute and normalized, with symbolic links resolved where they exist.
   */
  static String overlap(String input, String output) {
    String in = comparable(input);
    String out = comparable(output);
    if (in.equals(out)) {
      return "--output " + output + " is the input set " + input + ": choose an output outside the input";
    }
    if (out.startsWith(in + "/")) {
      return "--output " + output + " is inside the input set " + input + ": choose an output outside the input";
    }
    if (in.startsWith(out + "/")) {
      return "--output " + output + " holds the input set " + input + ": choose an output outside the input";
    }
    return null;
  }

  private static String comparable(String uri) {
    if (!Uris.isLocal(uri)) {
      return Uris.withoutUserInfo(uri.replaceAll("/+$", ""));
    }
    java.nio.file.Path p = Uris.localPath(uri).toAbsolutePath().normalize();
    // resolve links on the longest part of the path that exists
    java.nio.file.Path existing = p;
    while (existing != null && !java.nio.file.Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null) {
      try {
        p = existing.toRealPath().resolve(existing.relativize(p));
      } catch (IOException e) {
        // keep the normalized path
      }
    }
    return p.toString().replaceAll("/+$", "");
  }

  /**
   * Deletes what an interrupted run left under {@code output}: temporary files (never a file a
   * bundle or the set refers to: those carry their final names only once complete) and, on a
   * local disk, empty directories. One run per output at a time: another run's temporaries would
   * go too. In-place swap journals ({@code bundle.journal}) stay: the run replays them.
   *
   * @return how many were removed
   */
  static int sweepLeftovers(String output) throws IOException {
    int n = 0;
    if (Uris.isLocal(output) && !java.nio.file.Files.isDirectory(Uris.localPath(output))) {
      return 0;
    }
    for (Storage.StoredFile f : Storage.list(output)) {
      if (Storage.isTemporary(f.uri())) {
        Storage.delete(f.uri());
        n++;
      }
    }
    if (Uris.isLocal(output)) {
      java.nio.file.Path root = Uris.localPath(output);
      List<java.nio.file.Path> dirs;
      try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(root)) {
        dirs = all.filter(java.nio.file.Files::isDirectory).filter(d -> !d.equals(root))
            .sorted(java.util.Comparator.reverseOrder()).toList(); // children before parents
      }
      for (java.nio.file.Path d : dirs) {
        try (java.util.stream.Stream<java.nio.file.Path> entries = java.nio.file.Files.list(d)) {
          if (entries.findAny().isEmpty()) {
            java.nio.file.Files.delete(d);
            n++;
          }
        }
      }
    }
    return n;
  }

  /** The workload/point pairs the set index at {@code output} lists (none when there is none). */
  static java.util.Set<String> indexedPoints(String output) {
    try {
      if (Storage.exists(output + "/" + SetManifest.FILE)) {
        return Summary.readSet(output).points();
      }
    } catch (IOException | RuntimeException e) {
      // an unreadable index is replaced like a missing one
    }
    return new java.util.TreeSet<>();
  }

  GcptOptions options() throws IOException {
    List<String> args = new ArrayList<>();
    GcptOptions o = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(GcptOptions.class);
    o.setInput(input);
    o.setOutput(output);
    bundle.runConfig(input, output, image).applyTo(o);
    (s3 != null ? s3 : storage.s3Setup()).applyTo(o);
    Runners.configure(o, runner, flinkMaster, Runners.workers(parallelism), filesToStage);
    GcptPipeline.skipRegionLookupWhenLocal(o);
    FileSystems.setDefaultPipelineOptions(o);
    return o;
  }

  /**
   * Prints done/total, bytes, rate and ETA while a non-blocking run is going, on a terminal
   * only ({@link ProgressMeter}).
   */
  static final class Progress {
    private static final long INTERVAL_MILLIS = 2000;

    static void follow(PipelineResult result, PrintWriter out) throws InterruptedException {
      ProgressMeter meter = ProgressMeter.forTerminal(out, "checkpoints");
      if (!meter.enabled()) {
        return; // not a terminal: no progress lines, the summary follows the run
      }
      while (!result.getState().isTerminal()) {
        Thread.sleep(INTERVAL_MILLIS);
        long found = counter(result, "checkpointsFound");
        long done = counter(result, "bundlesBuilt") + counter(result, "bundlesRegenerated")
            + counter(result, "bundlesUpToDate") + counter(result, "failures");
        if (found > 0) {
          meter.update(done, found, counter(result, "rawBytes"));
        }
      }
      meter.finish();
    }

    static long counter(PipelineResult result, String name) {
      try {
        MetricQueryResults q = result.metrics().queryMetrics(MetricsFilter.builder()
            .addNameFilter(MetricNameFilter.named("dev.gcpt.pipeline.NormalizeCheckpoints$NormalizeFn", name))
            .addNameFilter(MetricNameFilter.named("dev.gcpt.pipeline.FindCheckpoints$JoinFn", name)).build());
        long sum = 0;
        for (MetricResult<Long> r : q.getCounters()) {
          Long v = r.getAttempted();
          sum += v == null ? 0 : v;
        }
        return sum;
      } catch (RuntimeException e) {
        return 0; // metrics not available yet
      }
    }
  }

  /** Reads set.json and run.json back ({@link SetManifest}, {@link RunSummary}) and prints the run's summary. */
  static final class Summary {
    private static final int NOTES_SHOWN = 3;

    static int print(PrintWriter out, String output, SetManifest set, double seconds) throws IOException {
      RunSummary run;
      try (InputStream in = Storage.open(output + "/" + RunSummary.FILE)) {
        run = RunSummary.read(in);
      }
      SetManifest.Counts c = set.counts();
      List<String> statuses = new ArrayList<>();
      run.statuses().forEach((k, v) -> statuses.add(count(k, v)));
      out.printf(Locale.ROOT, "inputs %d = bundles %d + failures %d   (%s)   in %.1f s%n", c.inputs(),
          c.bundles(), c.failures(), String.join(", ", statuses), seconds);
      out.printf("read %s compressed, %s raw, wrote %s of images; %d distinct restorer(s)%n",
          Sizes.human(run.sourceBytesRead()), Sizes.human(run.rawBytesProcessed()),
          Sizes.human(run.imageBytesWritten()), set.restorers().size());
      set.failuresByReason().forEach((k, v) -> out.printf("  failures %-22s %d%n", k, v));
      java.util.Map<String, List<SetNote>> byKind = new java.util.TreeMap<>();
      for (SetNote n : set.notes()) {
        byKind.computeIfAbsent(n.kind(), k -> new ArrayList<>()).add(n);
      }
      byKind.forEach((kind, notes) -> {
        out.printf("  note %s: %d point(s)%n", kind, notes.size());
        notes.stream().limit(NOTES_SHOWN).forEach(n -> out.printf("       %s/%s: %s%n", n.workload(),
            n.point(), n.detail()));
      });
      String root = Uris.redact(output);
      out.printf("report: %s/%s%nset: %s/set.json  failures: %s/failures.jsonl%n", root,
          dev.gcpt.core.report.ReportWriter.FILE_NAME, root, root);
      if (Gcpt.logFile != null) {
        out.printf("log: %s%n", Gcpt.logFile);
      }
      out.flush();
      // every input failed: nothing to simulate, whatever the failures say
      return c.bundles() == 0 && c.inputs() > 0 ? 1 : 0;
    }

    /** A status count in words: {@code UP_TO_DATE}, 3 → "up to date 3". */
    static String count(String status, long n) {
      return status.toLowerCase(Locale.ROOT).replace('_', ' ') + " " + n;
    }

    /** The set.json under {@code output}. */
    static SetManifest readSet(String output) throws IOException {
      try (InputStream in = Storage.open(output + "/" + SetManifest.FILE)) {
        return SetManifest.read(in);
      }
    }
  }

}
