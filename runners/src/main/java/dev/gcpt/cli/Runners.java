package dev.gcpt.cli;

import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The one place that turns a runner choice into Beam options ({@code gcpt run}; the benchmark's
 * pipeline runs should call it too rather than set options of their own).
 */
public final class Runners {
  /** gcpt's own executor on this machine, without Beam ({@link dev.gcpt.pipeline.LocalExecutor}). */
  public static final String LOCAL = "local";
  public static final String DIRECT = "direct";
  public static final String FLINK = "flink";

  private Runners() {}

  /** Workers for a {@code --parallelism}: the value, or one per core for 0. */
  public static int workers(int parallelism) {
    return parallelism > 0 ? parallelism : Runtime.getRuntime().availableProcessors();
  }

  /**
   * Sets the runner of {@code o}: Flink ({@code flinkMaster}: host:port or {@code [local]};
   * {@code filesToStage}: jars for a remote cluster, or null) with {@code workers} as its
   * parallelism, or the DirectRunner with {@code workers} threads, non-blocking, without the
   * test-harness checks (they encode, decode and compare every element between steps: for tests,
   * which keep them through {@code TestPipeline}, not for a production run).
   *
   * @throws IllegalArgumentException for a runner other than {@value #DIRECT} or {@value #FLINK}
   */
  public static void configure(PipelineOptions o, String runner, String flinkMaster, int workers,
      List<String> filesToStage) {
    if (FLINK.equals(runner)) {
      FlinkPipelineOptions f = o.as(FlinkPipelineOptions.class);
      f.setRunner(FlinkRunner.class);
      f.setFlinkMaster(flinkMaster);
      f.setParallelism(workers);
      if (filesToStage != null) {
        f.setFilesToStage(filesToStage);
      }
    } else if (DIRECT.equals(runner)) {
      DirectOptions d = o.as(DirectOptions.class);
      d.setRunner(DirectRunner.class);
      d.setTargetParallelism(workers);
      d.setBlockOnRun(false);
      d.setEnforceEncodability(false);
      d.setEnforceImmutability(false);
    } else {
      throw new IllegalArgumentException("unknown runner '" + runner + "' (expected local, direct or flink)");
    }
  }
}
