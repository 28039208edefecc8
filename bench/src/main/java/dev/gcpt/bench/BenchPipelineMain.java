package dev.gcpt.bench;

import dev.gcpt.cli.Runners;
import dev.gcpt.pipeline.GcptOptions;
import dev.gcpt.pipeline.GcptPipeline;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The pipeline part of {@code gcpt bench}, run in a JVM of its own (so that runs do not share JIT
 * state, class loaders or file-system registrations with the rest of the benchmark). WORKERS is
 * one worker count or several, comma-separated: the counts take turns, run after run (1, 2, 1,
 * 2, ...), so that a slow spell of a shared machine lands on both and the ratio of one round's
 * runs is a fair comparison. Two warm-up rounds, then REPEATS timed rounds. Prints, per worker
 * count, {@code seconds <workers> <s1> <s2> ...} (wall clock) and {@code cpu <workers> <c1> <c2>
 * ...} (CPU seconds of the whole process during each run: workers, JIT, GC, runner threads).
 *
 * <p>Usage: {@code BenchPipelineMain SET OUT direct|flink WORKERS[,WORKERS...] REPEATS [IMAGE_THREADS
 * [FRAME_MIB]]}
 */
public final class BenchPipelineMain {
  /** Untimed runs first: in the second one the JIT compilers still take a tenth of a core. */
  static final int WARM_UP_RUNS = 2;

  private BenchPipelineMain() {}

  public static void main(String[] args) throws Exception {
    String set = args[0];
    Path out = Path.of(args[1]);
    String runner = args[2];
    int[] workerCounts = java.util.Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
    int repeats = Integer.parseInt(args[4]);
    Integer imageThreads = args.length > 5 ? Integer.valueOf(args[5]) : null;
    Integer frameMib = args.length > 6 ? Integer.valueOf(args[6]) : null;
    StringBuilder[] line = new StringBuilder[workerCounts.length];
    StringBuilder[] cpu = new StringBuilder[workerCounts.length];
    for (int k = 0; k < workerCounts.length; k++) {
      line[k] = new StringBuilder("seconds " + workerCounts[k]);
      cpu[k] = new StringBuilder("cpu " + workerCounts[k]);
    }
    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean();
    for (int run = 0; run < (WARM_UP_RUNS + repeats) * workerCounts.length; run++) {
      int i = run / workerCounts.length;
      int k = run % workerCounts.length;
      int workers = workerCounts[k];
      BenchCommand.deleteTree(out);
      GcptOptions opt = PipelineOptionsFactory.create().as(GcptOptions.class);
      opt.setInput(set);
      opt.setOutput(out.toString());
      if (imageThreads != null) {
        opt.setImageThreads(imageThreads);
      }
      if (frameMib != null) {
        opt.setFrameMib(frameMib);
      }
      // the runner options gcpt run sets (one place: Runners)
      Runners.configure(opt, runner.equals("flink") ? Runners.FLINK : Runners.DIRECT, "[local]", workers, null);
      long c0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      if (GcptPipeline.run(opt).waitUntilFinish() != PipelineResult.State.DONE) {
        throw new IllegalStateException("pipeline did not finish");
      }
      double s = (System.nanoTime() - t0) / 1e9;
      double c = (os.getProcessCpuTime() - c0) / 1e9;
      if (i >= WARM_UP_RUNS) { // the first runs warm the JIT (C2 still compiles during the second) and Beam's caches
        line[k].append(String.format(Locale.ROOT, " %.3f", s));
        cpu[k].append(String.format(Locale.ROOT, " %.3f", c));
      }
    }
    BenchCommand.deleteTree(out);
    for (int k = 0; k < workerCounts.length; k++) {
      System.out.println(line[k]);
      System.out.println(cpu[k]);
    }
    System.out.flush();
    System.exit(0); // Flink's local cluster leaves non-daemon threads behind
  }
}
