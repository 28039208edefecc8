package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.gcpt.pipeline.io.S3Setup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.report.ReportWriter;
import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.core.sample.SampleWriter;
import dev.gcpt.pipeline.GcptOptions;
import dev.gcpt.pipeline.GcptPipeline;
import dev.gcpt.pipeline.LocalExecutor;
import dev.gcpt.pipeline.NormalizeCheckpoints;
import dev.gcpt.s3server.EmbeddedS3;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarOutputStream;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job with real parts: a sample set in a real S3 server (s3proxy), run on the
 * DirectRunner, on a Flink MiniCluster with two TaskManagers and on gcpt's own executor
 * ({@link LocalExecutor}); all three must produce the same bytes.
 */
@Tag("e2e")
class S3RunnersEndToEndTest {
  static EmbeddedS3 s3;
  static List<SampleSet.Entry> entries;
  static final String BUCKET = "e2e";
  static final String INPUT = "s3://" + BUCKET + "/set";

  @TempDir static Path tmp;

  @BeforeAll
  static void upload() throws IOException {
    s3 = EmbeddedS3.startTransient();
    s3.createBucket(BUCKET);
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
    entries = SampleSet.entries(3, 3, 3L << 20, 11);
    for (SampleSet.Entry e : entries) {
      try (PendingFile f = Storage.createAtomic(INPUT + "/" + e.path(), Storage.BINARY)) {
        SampleWriter.write(e, f.stream());
        f.commit();
      }
    }
    try (PendingFile f = Storage.createAtomic(INPUT + "/json/checkpoints_all.json", Storage.BINARY)) {
      f.stream().write(SampleSet.metadataJson(entries).getBytes(StandardCharsets.UTF_8));
      f.commit();
    }
  }

  @AfterAll
  static void stop() throws IOException {
    s3.close();
  }

  static GcptOptions options(String output) {
    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setInput(INPUT);
    o.setOutput(output);
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).applyTo(o);
    return o;
  }

  /** Every object under {@code prefix}, by relative key, except run.json (this run's story). */
  static Map<String, byte[]> objects(String prefix) throws IOException {
    Map<String, byte[]> m = new TreeMap<>();
    for (Storage.StoredFile f : Storage.list(prefix + "/**")) {
      String key = f.uri().substring(prefix.length() + 1);
      if (!key.equals("run.json")) {
        try (InputStream in = Storage.open(f.uri())) {
          m.put(key, in.readAllBytes());
        }
      }
    }
    return m;
  }

  @Test
  void directFlinkMiniClusterAndLocalWriteIdenticalBundlesToS3() throws Exception {
    GcptOptions direct = options("s3://" + BUCKET + "/out-direct");
    direct.setRunner(DirectRunner.class);
    assertEquals(PipelineResult.State.DONE, GcptPipeline.run(direct).waitUntilFinish());

    Configuration conf = new Configuration();
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.PORT, 0);
    try (MiniCluster mc = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
        .setNumTaskManagers(2).setNumSlotsPerTaskManager(2).build())) {
      mc.start();
      URI rest = mc.getRestAddress().get();
      GcptOptions flink = options("s3://" + BUCKET + "/out-flink");
      FlinkPipelineOptions f = flink.as(FlinkPipelineOptions.class);
      f.setRunner(FlinkRunner.class);
      f.setFlinkMaster(rest.getHost() + ":" + rest.getPort());
      f.setParallelism(4);
      Path empty = tmp.resolve("empty.jar");
      try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(empty))) {
        // the MiniCluster shares this JVM's classpath; staging the whole classpath is only slow
      }
      f.setFilesToStage(List.of(empty.toString()));
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      while (mc.requestClusterOverview().get().getNumTaskManagersConnected() < 2 && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50));
      }
      assertEquals(2, mc.requestClusterOverview().get().getNumTaskManagersConnected());
      assertEquals(PipelineResult.State.DONE, GcptPipeline.run(flink).waitUntilFinish());
    }

    // the Flink job re-registered s3:// with its user-code class loader, now closed: start afresh
    GcptOptions local = S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems()
        .as(GcptOptions.class);
    // and gcpt's own executor, without Beam (the default of `gcpt run`), on the same S3
    LocalExecutor.run(new LocalExecutor.Job(INPUT, "s3://" + BUCKET + "/out-local",
        NormalizeCheckpoints.Config.of(options("s3://" + BUCKET + "/out-local")), 3, local), null);
    Map<String, byte[]> a = objects("s3://" + BUCKET + "/out-direct");
    for (String other : List.of("out-flink", "out-local")) {
      Map<String, byte[]> b = objects("s3://" + BUCKET + "/" + other);
      assertEquals(a.keySet(), b.keySet(), other);
      // report.html: identical except its run section (statuses and times of each run)
      assertEquals(ReportWriter.withoutRunSection(new String(a.get(ReportWriter.FILE_NAME), StandardCharsets.UTF_8)),
          ReportWriter.withoutRunSection(new String(b.remove(ReportWriter.FILE_NAME), StandardCharsets.UTF_8)), other);
      a.forEach((k, v) -> {
        if (!k.equals(ReportWriter.FILE_NAME)) {
          assertArrayEquals(v, b.get(k), other + ": " + k);
        }
      });
    }
    JsonNode set = Json.mapper().readTree(a.get("set.json"));
    assertEquals(entries.size(), set.get("counts").get("inputs").asInt());
    assertEquals(entries.size() - 2, set.get("counts").get("bundles").asInt());
    assertEquals(2, set.get("counts").get("failures").asInt());
    assertTrue(a.keySet().stream().anyMatch(k -> k.startsWith("restorers/") && k.endsWith(".bin")));
    assertEquals(entries.size() - 2, a.keySet().stream().filter(k -> k.endsWith("/bundle.json")).count());
  }
}
