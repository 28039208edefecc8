package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import dev.gcpt.pipeline.io.S3Setup;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.pipeline.GcptOptions;
import dev.gcpt.pipeline.GcptPipeline;
import dev.gcpt.pipeline.WriteSetFiles;
import dev.gcpt.s3server.EmbeddedS3;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.JarOutputStream;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * A Flink TaskManager lost mid-run (MiniCluster.terminateTaskManager) while the job writes
 * bundles to a real S3 server: with a restart strategy the job restarts on a replacement
 * TaskManager and finishes; outputs stay consistent (writes are idempotent: a restarted job finds
 * the bundles it completed up to date), and a rerun has nothing left to do.
 */
@Tag("e2e")
class FlinkTaskManagerLossTest {
  static final String BUCKET = "flinkloss";
  static final String SET = "s3://" + BUCKET + "/set";
  static final String OUT = "s3://" + BUCKET + "/out";
  static final Duration DEADLINE = Duration.ofMinutes(4);
  /** Terminate a TaskManager once this many bundles exist. */
  static final int KILL_AFTER = 2;
  static final int RESTARTS = 3;
  static final long RESTART_DELAY_MILLIS = 1000;
  /** Lost TaskManagers are noticed within seconds, not the default 50 s. */
  static final long HEARTBEAT_INTERVAL_MILLIS = 1000;
  static final long HEARTBEAT_TIMEOUT_MILLIS = 5000;

  @TempDir Path tmp;

  @Test
  void theJobRestartsAfterLosingATaskManagerAndTheOutputsStayConsistent() throws Exception {
    TransientNio2BlobStore store = new TransientNio2BlobStore();
    try (EmbeddedS3 s3 = EmbeddedS3.start(store, "transient store")) {
      s3.createBucket(BUCKET);
      S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
      List<SampleSet.Entry> entries = Outputs.writeSet(SET, 4, 5, 8L << 20, 13);

      Configuration conf = new Configuration();
      conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
      conf.set(RestOptions.PORT, 0);
      conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, HEARTBEAT_INTERVAL_MILLIS);
      conf.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT_MILLIS);
      // Beam's --numberOfExecutionRetries does not reach a batch job (it fails with "Recovery is
      // suppressed by NoRestartBackoffTimeStrategy"): the restart strategy is the cluster's
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, RESTARTS);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
          java.time.Duration.ofMillis(RESTART_DELAY_MILLIS));
      // The MiniCluster shares this JVM's class path, so Beam's process-wide FileSystems registry
      // outlives the first attempt's user-code class loader, which Flink closes on restart; the
      // restarted tasks then trip Flink's leaked-class-loader check. A real TaskManager loads
      // Beam from the job's jar in a fresh class loader per attempt.
      conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
      AtomicReference<String> terminated = new AtomicReference<>();
      // one slot per TaskManager and parallelism 2: the job runs on both, so losing either hurts
      try (MiniCluster mc = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
          .setNumTaskManagers(2).setNumSlotsPerTaskManager(1).build())) {
        mc.start();
        Outputs.await("2 TaskManagers", DEADLINE,
            () -> mc.requestClusterOverview().join().getNumTaskManagersConnected() == 2);
        URI rest = mc.getRestAddress().get();
        GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
        o.setInput(SET);
        o.setOutput(OUT);
        S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).applyTo(o);
        FlinkPipelineOptions f = o.as(FlinkPipelineOptions.class);
        f.setRunner(FlinkRunner.class);
        f.setFlinkMaster(rest.getHost() + ":" + rest.getPort());
        f.setParallelism(2);
        Path empty = tmp.resolve("empty.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(empty))) {
          // the MiniCluster shares this JVM's classpath
        }
        f.setFilesToStage(List.of(empty.toString()));

        Thread killer = new Thread(() -> {
          try {
            Outputs.await(KILL_AFTER + " bundles on S3", DEADLINE, () -> manifests(store) >= KILL_AFTER);
            mc.terminateTaskManager(0).get();
            terminated.set("after " + manifests(store) + " bundles");
            mc.startTaskManager(); // the cluster manager's replacement
          } catch (Throwable e) {
            terminated.set("failed: " + e);
          }
        }, "taskmanager-killer");
        killer.setDaemon(true);
        killer.start();
        PipelineResult.State state = GcptPipeline.run(o).waitUntilFinish();
        killer.join(DEADLINE.toMillis());
        assertEquals(PipelineResult.State.DONE, state);
        assertNotNull(terminated.get(), "no TaskManager was lost during the run");
        assertTrue(terminated.get().startsWith("after"), terminated.get());
        JobStatusMessage job = mc.listJobs().get().iterator().next();
        ArchivedExecutionGraph graph = mc.getArchivedExecutionGraph(job.getJobId()).get();
        assertNotNull(graph.getFailureInfo(), "the job finished without a failure to recover from");
      }

      // the Flink job registered s3:// with its user-code class loader, now closed: start afresh
      S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
      Outputs.Check check = Outputs.check(OUT);
      JsonNode counts = Outputs.json(OUT + "/" + WriteSetFiles.SET_JSON).get("counts");
      assertEquals(entries.size(), counts.get("inputs").asInt(), counts.toString());
      assertEquals(entries.size() - 2, counts.get("bundles").asInt(), counts.toString());
      assertEquals(2, counts.get("failures").asInt(), counts.toString());
      assertEquals(entries.size() - 2, check.bundles(), check.toString());
      assertEquals(0, check.imagesWithoutManifest(), check.toString());

      GcptOptions again = PipelineOptionsFactory.create().as(GcptOptions.class);
      again.setRunner(DirectRunner.class);
      again.setInput(SET);
      again.setOutput(OUT);
      S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).applyTo(again);
      assertEquals(PipelineResult.State.DONE,
          GcptPipeline.run(again).waitUntilFinish(org.joda.time.Duration.millis(DEADLINE.toMillis())));
      JsonNode statuses = Outputs.json(OUT + "/" + WriteSetFiles.RUN_JSON).get("statuses");
      assertEquals("{\"UP_TO_DATE\":" + (entries.size() - 2) + "}", statuses.toString());
      assertNull(Outputs.json(OUT + "/" + WriteSetFiles.SET_JSON).get("counts").get("unaccounted"));
    }
  }

  /** bundle.json objects in the store, counted without Beam (the job owns its file systems). */
  static long manifests(TransientNio2BlobStore store) {
    return store.list(ListObjectsV2Request.builder().bucket(BUCKET).prefix("out/").build()).contents().stream()
        .filter(o -> o.key().endsWith("/" + BundleBuilder.MANIFEST)).count();
  }
}
