package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import dev.gcpt.pipeline.io.S3Setup;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import dev.gcpt.pipeline.GcptOptions;
import dev.gcpt.pipeline.GcptPipeline;
import dev.gcpt.pipeline.WriteSetFiles;
import dev.gcpt.s3server.EmbeddedS3;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.S3Listing;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage faults with a real S3 server (s3proxy, filesystem store, so objects survive a restart):
 * the server goes away mid-run and comes back on the same port; an object is replaced between
 * runs by one of the same size and the same modification time.
 */
@Tag("e2e")
class S3FaultsTest {
  static final String BUCKET = "faults";
  static final String SET = "s3://" + BUCKET + "/set";
  static final String OUT = "s3://" + BUCKET + "/out";
  static final Duration DEADLINE = Duration.ofMinutes(3);
  /** Attempts per checkpoint: backoff 0.5 + 1 + 2 + 4 + 8 + 16 s rides out the outage. */
  static final int IO_ATTEMPTS = 7;
  /** Connection attempts the dead port must see before the server comes back. */
  static final int ATTEMPTS_DURING_OUTAGE = 3;

  @TempDir Path tmp;
  EmbeddedS3 s3;

  @BeforeEach
  void start() throws IOException {
    s3 = EmbeddedS3.startFilesystem(tmp.resolve("s3"));
    s3.createBucket(BUCKET);
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
  }

  @AfterEach
  void stop() throws IOException {
    s3.close();
  }

  GcptOptions options() {
    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setRunner(DirectRunner.class);
    o.setInput(SET);
    o.setOutput(OUT);
    o.setIoAttempts(IO_ATTEMPTS);
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).applyTo(o);
    return o;
  }

  Path outDir() {
    return tmp.resolve("s3").resolve(BUCKET).resolve("out");
  }

  @Test
  void theServerStopsMidRunAndComesBack() throws Exception {
    List<SampleSet.Entry> entries = Outputs.writeSet(SET, 4, 5, 8L << 20, 9);
    GcptOptions o = options();
    o.as(DirectOptions.class).setBlockOnRun(false);
    PipelineResult run = GcptPipeline.run(o);

    Outputs.await("a first bundle", DEADLINE, () -> Outputs.localManifests(outDir()) >= 1
        || run.getState().isTerminal());
    assertTrue(!run.getState().isTerminal(), "the run ended before the outage: " + run.getState());
    long before = Outputs.localManifests(outDir());
    s3.stop();
    // the port stays taken while the server is away: every connection is accepted and dropped
    // at once, and counted, so the outage lasts until clients have demonstrably retried
    AtomicInteger attempts = new AtomicInteger();
    try (ServerSocket dead = new ServerSocket()) {
      dead.setReuseAddress(true);
      dead.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), s3.port()));
      Thread acceptor = new Thread(() -> {
        while (!dead.isClosed()) {
          try (Socket c = dead.accept()) {
            attempts.incrementAndGet();
          } catch (IOException e) {
            return; // closed
          }
        }
      }, "dead-s3");
      acceptor.setDaemon(true);
      acceptor.start();
      Outputs.await(ATTEMPTS_DURING_OUTAGE + " connection attempts during the outage", DEADLINE,
          () -> attempts.get() >= ATTEMPTS_DURING_OUTAGE || run.getState().isTerminal());
    }
    s3.restart();
    PipelineResult.State state = run.waitUntilFinish(org.joda.time.Duration.millis(DEADLINE.toMillis()));
    assertEquals(PipelineResult.State.DONE, state, "the run did not ride out the outage");
    assertTrue(attempts.get() >= ATTEMPTS_DURING_OUTAGE, "clients tried " + attempts.get() + " times");

    JsonNode counts = Outputs.json(OUT + "/" + WriteSetFiles.SET_JSON).get("counts");
    assertEquals(entries.size(), counts.get("inputs").asInt(), counts.toString());
    assertEquals(counts.get("inputs").asInt(), counts.get("bundles").asInt() + counts.get("failures").asInt());
    Outputs.Check first = Outputs.check(OUT);
    assertEquals(counts.get("bundles").asInt(), first.bundles());

    // the rerun completes whatever did not make it and redoes nothing that did
    assertEquals(PipelineResult.State.DONE,
        GcptPipeline.run(options()).waitUntilFinish(org.joda.time.Duration.millis(DEADLINE.toMillis())));
    JsonNode again = Outputs.json(OUT + "/" + WriteSetFiles.SET_JSON).get("counts");
    assertEquals(entries.size() - 2, again.get("bundles").asInt(), again.toString());
    assertEquals(2, again.get("failures").asInt(), again.toString());
    JsonNode statuses = Outputs.json(OUT + "/" + WriteSetFiles.RUN_JSON).get("statuses");
    assertEquals(first.bundles(), statuses.path("UP_TO_DATE").asInt(), statuses.toString());
    assertTrue(first.bundles() >= before, first + " vs " + before);
    assertEquals(entries.size() - 2, Outputs.check(OUT).bundles());
  }

  @Test
  void anObjectReplacedBetweenRunsIsRebuiltEvenWithTheSameSizeAndTime() throws Exception {
    // raw images: the file size is the image size whatever the content
    String key = "set/mcf/3/_3_0.500000_memory_.zstd";
    String other = "set/mcf/4/_4_0.500000_memory_.zstd";
    put(key, SyntheticCheckpoint.builder().seed(1).build());
    put(other, SyntheticCheckpoint.builder().seed(2).build());
    assertEquals(PipelineResult.State.DONE,
        GcptPipeline.run(options()).waitUntilFinish(org.joda.time.Duration.millis(DEADLINE.toMillis())));
    JsonNode firstManifest = Outputs.json(OUT + "/mcf/3/bundle.json");
    S3Listing.Listed was = listed(key);

    put(key, SyntheticCheckpoint.builder().seed(3).build());
    Path stored = tmp.resolve("s3").resolve(BUCKET).resolve(key);
    Files.setLastModifiedTime(stored, FileTime.fromMillis(was.lastModifiedMillis()));
    S3Listing.Listed now = listed(key);
    assertEquals(was.size(), now.size(), "same size");
    assertEquals(was.lastModifiedMillis(), now.lastModifiedMillis(), "same modification time");
    assertNotEquals(was.etag(), now.etag(), "only the content tag tells them apart");

    assertEquals(PipelineResult.State.DONE,
        GcptPipeline.run(options()).waitUntilFinish(org.joda.time.Duration.millis(DEADLINE.toMillis())));
    JsonNode statuses = Outputs.json(OUT + "/" + WriteSetFiles.RUN_JSON).get("statuses");
    assertEquals("{\"BUILT\":1,\"UP_TO_DATE\":1}", statuses.toString());
    JsonNode manifest = Outputs.json(OUT + "/mcf/3/bundle.json");
    assertNotEquals(firstManifest.get("source").get("sha256"), manifest.get("source").get("sha256"));
    assertEquals(Outputs.sha256("s3://" + BUCKET + "/" + key), manifest.get("source").get("sha256").asText());
    assertEquals(2, Outputs.check(OUT).bundles());
  }

  void put(String key, SyntheticCheckpoint cp) throws IOException {
    try (PendingFile f = Storage.createAtomic("s3://" + BUCKET + "/" + key, Storage.BINARY)) {
      cp.write(f.stream(), Codec.RAW);
      f.commit();
    }
  }

  S3Listing.Listed listed(String key) throws IOException {
    return S3Listing.list(SET, options()).stream().filter(l -> l.uri().equals("s3://" + BUCKET + "/" + key))
        .findFirst().orElseThrow();
  }
}
