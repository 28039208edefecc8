package dev.gcpt.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Spreads the checkpoints over the workers.
 *
 * <p>On Flink (and any runner but the DirectRunner) this is {@link Reshuffle#viaRandomKey()},
 * which Flink runs as a rebalance. The DirectRunner turns every key of a reshuffle into a bundle
 * of its own with its own processing-time timer, and its watermark bookkeeping walks all pending
 * timers for every bundle: about 18 ms per checkpoint at 1,000 checkpoints, growing with the
 * count (an up-to-date rerun of 1,000 small checkpoints took 18 s, nearly all of it there). On
 * the DirectRunner the tasks are therefore dealt into at most {@link #BINS_PER_WORKER} bins per
 * worker, largest source first onto the least loaded bin (by compressed size, from the listing),
 * and each bin is one bundle: the bookkeeping is per bin, the balance is within one checkpoint.
 */
public final class Distribute extends PTransform<PCollection<CheckpointTask>, PCollection<CheckpointTask>> {
  /** Bins per DirectRunner worker: a few, so that a worker that finishes early takes another. */
  static final int BINS_PER_WORKER = 4;

  private final int bins;

  private Distribute(int bins) {
    this.bins = bins;
  }

  /** The DirectRunner and its options, named: this module does not depend on a runner. */
  static final String DIRECT_RUNNER = "org.apache.beam.runners.direct.DirectRunner";
  static final String DIRECT_OPTIONS = "org.apache.beam.runners.direct.DirectOptions";

  /** A reshuffle on distributed runners, {@code BINS_PER_WORKER} bins per worker on the DirectRunner. */
  public static Distribute forOptions(PipelineOptions options) {
    if (options.getRunner() != null && DIRECT_RUNNER.equals(options.getRunner().getName())) {
      return new Distribute(directWorkers(options) * BINS_PER_WORKER);
    }
    return new Distribute(0);
  }

  /** The DirectRunner's {@code targetParallelism} (the cores when it cannot be read). */
  private static int directWorkers(PipelineOptions options) {
    try {
      @SuppressWarnings("unchecked")
      Class<? extends PipelineOptions> direct = (Class<? extends PipelineOptions>) Class.forName(DIRECT_OPTIONS, true,
          options.getRunner().getClassLoader());
      Object n = direct.getMethod("getTargetParallelism").invoke(options.as(direct));
      return Math.max(1, (Integer) n);
    } catch (ReflectiveOperationException | ClassCastException e) {
      return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
  }

  /** The number of bins; 0: a random-key reshuffle. */
  int bins() {
    return bins;
  }

  /** Deals into {@code bins} bins (0: a random-key reshuffle). */
  static Distribute intoBins(int bins) {
    return new Distribute(bins);
  }

  @Override
  public PCollection<CheckpointTask> expand(PCollection<CheckpointTask> tasks) {
    if (bins <= 0) {
      return tasks.apply("Reshuffle", Reshuffle.viaRandomKey());
    }
    SerializableCoder<CheckpointTask> taskCoder = SerializableCoder.of(CheckpointTask.class);
    return tasks
        .apply("All", WithKeys.of(0)).setCoder(KvCoder.of(VarIntCoder.of(), taskCoder))
        .apply("Gather", GroupByKey.create())
        .apply("Deal", ParDo.of(new DealFn(bins))).setCoder(KvCoder.of(VarIntCoder.of(), taskCoder))
        .apply("Bins", GroupByKey.create())
        .apply("Unpack", ParDo.of(new UnpackFn())).setCoder(taskCoder);
  }

  /** The source's compressed size as its listing recorded it (the fingerprint's {@code size=}), or 0. */
  /** Largest first onto the least loaded bin; ties by path, so the deal is the same every run. */
  static List<List<CheckpointTask>> deal(Iterable<CheckpointTask> tasks, int bins) {
    List<CheckpointTask> all = new ArrayList<>();
    tasks.forEach(all::add);
    all.sort(CheckpointTask.LARGEST_FIRST);
    int n = Math.min(bins, all.size());
    List<List<CheckpointTask>> out = new ArrayList<>();
    PriorityQueue<long[]> load = new PriorityQueue<>(Comparator.<long[]>comparingLong(b -> b[0])
        .thenComparingLong(b -> b[1]));
    for (int i = 0; i < n; i++) {
      out.add(new ArrayList<>());
      load.add(new long[] {0, i});
    }
    for (CheckpointTask t : all) {
      long[] b = load.poll();
      out.get((int) b[1]).add(t);
      b[0] += Math.max(1, t.sourceSize());
      load.add(b);
    }
    return out;
  }

  static final class DealFn extends DoFn<KV<Integer, Iterable<CheckpointTask>>, KV<Integer, CheckpointTask>> {
    private final int bins;

    DealFn(int bins) {
      this.bins = bins;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<CheckpointTask>> all,
        OutputReceiver<KV<Integer, CheckpointTask>> out) {
      List<List<CheckpointTask>> dealt = deal(all.getValue(), bins);
      for (int b = 0; b < dealt.size(); b++) {
        for (CheckpointTask t : dealt.get(b)) {
          out.output(KV.of(b, t));
        }
      }
    }
  }

  static final class UnpackFn extends DoFn<KV<Integer, Iterable<CheckpointTask>>, CheckpointTask> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<CheckpointTask>> bin, OutputReceiver<CheckpointTask> out) {
      for (CheckpointTask t : bin.getValue()) {
        out.output(t);
      }
    }
  }
}
