package dev.gcpt.pipeline;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundlePool;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.set.SetNote;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.options.PipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job of {@link GcptPipeline} on one machine, without Beam: the same steps on the same code
 * ({@link FindCheckpoints#scan}, {@link NormalizeCheckpoints.Worker}, {@link WriteSetFiles#write}),
 * run on a {@link BundlePool} of worker threads, one checkpoint per worker at a time, largest source
 * first.
 * Same inputs and settings give the same bundles and set files, byte for byte, as the
 * DirectRunner and Flink ({@code run.json}'s timings aside).
 *
 * <p>Why it exists: a Beam job pays seconds before its first checkpoint and after its last (the
 * options machinery, the job's construction and translation, the DirectRunner's bookkeeping, and
 * the JIT compiling all of it), which decided every small and medium set on one machine
 * (docs/benchmarks.md). The DirectRunner stays the reference this is tested against, and Flink the
 * runner for more than one machine.
 */
public final class LocalExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(LocalExecutor.class);

  private LocalExecutor() {}

  /**
   * What to run: the set root, the output root, the workers' settings, the number of worker
   * threads and the S3 settings as pipeline options (null when no {@code s3://} URI is involved:
   * then no Beam options are made at all).
   */
  public record Job(String input, String output, NormalizeCheckpoints.Config config, int workers,
      PipelineOptions options) {}

  /** Told after each checkpoint: how many are done, of how many, and the raw bytes written so far. */
  public interface Progress {
    void update(long done, long total, long rawBytes);
  }

  /**
   * What the run did: checkpoints handed to conversion ({@code tasks}), inputs refused while
   * matching names, bundles and failures in all, and whether the set files were written (not
   * when nothing was found).
   */
  public record Result(int tasks, int matchFailures, int bundles, int failures, boolean setWritten) {
    /** Whether the input held anything gcpt recognizes as a checkpoint. */
    public boolean foundAny() {
      return tasks + matchFailures > 0;
    }
  }

  /**
   * Runs {@code job}: every checkpoint ends as a bundle or a failure, then the set's files are
   * written. An error that is not about one checkpoint (a worker that cannot start, an
   * {@link Error}) stops the workers and is thrown; no set files are written then.
   */
  public static Result run(Job job, Progress progress) throws IOException, InterruptedException {
    NormalizeCheckpoints.Config config = job.config();
    FindCheckpoints.Found found = FindCheckpoints.scan(Storage.store(job.options()), job.input(),
        Codec.fromCliName(config.codec()), config.paths());
    List<CheckpointTask> tasks = new ArrayList<>(found.tasks());
    tasks.sort(CheckpointTask.LARGEST_FIRST);
    int n = tasks.size();
    NormalizeCheckpoints.Outcome[] outcomes = new NormalizeCheckpoints.Outcome[n];
    AtomicInteger done = new AtomicInteger();
    AtomicLong raw = new AtomicLong();
    int workers = Math.max(1, Math.min(job.workers(), n));
    LOG.info("{} checkpoint(s) found under {}, {} refused while matching; {} worker(s)", n, job.input(),
        found.matchFailures(), workers);
    BundlePool.run(n, workers, "gcpt-worker", () -> new NormalizeCheckpoints.Worker(config, job.options()),
        (worker, i) -> {
          NormalizeCheckpoints.Outcome o = worker.process(tasks.get(i));
          outcomes[i] = o;
          if (o.bundle() != null && o.status() != BundleBuilder.Status.UP_TO_DATE) {
            raw.addAndGet(o.bundle().rawBytes());
          }
          int d = done.incrementAndGet();
          if (progress != null) {
            synchronized (progress) {
              progress.update(d, n, raw.get());
            }
          }
        });
    List<BundleRecord> bundles = new ArrayList<>();
    List<FailureRecord> failures = new ArrayList<>(found.failures());
    List<SetNote> notes = new ArrayList<>(found.notes());
    for (NormalizeCheckpoints.Outcome o : outcomes) {
      if (o.failure() != null) {
        failures.add(o.failure());
      } else {
        bundles.add(o.bundle());
        notes.addAll(o.notes());
      }
    }
    boolean written = WriteSetFiles.write(job.output(), job.input(), bundles, failures, notes, n);
    return new Result(n, found.matchFailures(), bundles.size(), failures.size(), written);
  }
}
