package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import dev.gcpt.pipeline.io.S3Setup;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.json.Json;
import dev.gcpt.s3server.EmbeddedS3;
import dev.gcpt.pipeline.io.FaultyBlobStore;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Keys no file system holds, and objects that go away, through the real pipeline on a real S3
 * server: keys with {@code ..}, {@code //} (absolute once the set root is cut off), U+FFFD (what
 * non-UTF-8 bytes become), {@code %2e%2e} and over-long segments are refused at match time and
 * never read; an object deleted between listing and reading becomes a {@code source-missing}
 * failure; nothing is ever written outside the output prefix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3BadInputsPipelineTest {
  static final String BUCKET = "badkeys";
  static final String SET = "set/";
  static final String OUT = "out/";
  /** Longer than NAME_MAX (255) but within S3's 1024-byte key limit. */
  static final int LONG_SEGMENT = 300;

  /** One object: the key it is stored under, the key the listing shows, the expected outcome. */
  record Key(String name, String stored, String listed, String stage, String reason, byte[] bytes) {
    @Override
    public String toString() {
      return name;
    }
  }

  EmbeddedS3 s3;
  TransientNio2BlobStore store;
  FaultyBlobStore faulty;
  final Map<String, JsonNode> failures = new TreeMap<>();
  JsonNode setJson;

  static String file(int point) {
    return point + "/_" + point + "_" + BadInputs.WEIGHT + "_memory_.zstd";
  }

  static List<Key> keys() {
    byte[] valid = BadInputs.encode(BadInputs.valid(50), Codec.ZSTD);
    byte[] truncated = BadInputs.cut(valid, valid.length / 2);
    String match = FailureRecord.STAGE_MATCH;
    String read = FailureRecord.STAGE_READ;
    return List.of(
        new Key("'..' segment", SET + "dotdot/" + file(1), SET + "x/../" + file(1), match, "unsafe-path", valid),
        new Key("'..' escaping the set", SET + "escape/" + file(2), SET + "../../etc/" + file(2), match, "unsafe-path",
            valid),
        new Key("absolute after the set root ('//')", SET + "abs/" + file(3), SET + "/etc/" + file(3), match,
            "unsafe-path", valid),
        new Key("non-UTF-8 name (U+FFFD)", SET + "fffd/" + file(4), SET + "bad\uFFFDname/" + file(4), match,
            "unsafe-path", valid),
        new Key("%2e%2e workload", SET + "%2e%2e/" + file(5), SET + "%2e%2e/" + file(5), match, "unsafe-path", valid),
        new Key("segment over 255 bytes", SET + "L".repeat(LONG_SEGMENT) + "/" + file(6),
            SET + "L".repeat(LONG_SEGMENT) + "/" + file(6), match, "unsafe-path", valid),
        new Key("zero-byte object", SET + "zero/" + file(7), SET + "zero/" + file(7), read, "empty-input", new byte[0]),
        new Key("truncated zstd", SET + "trunc/" + file(8), SET + "trunc/" + file(8), read, "truncated-stream",
            truncated),
        new Key("deleted between listing and reading", SET + "gone/" + file(9), SET + "gone/" + file(9), read,
            "source-missing", valid),
        new Key("valid", SET + "good/" + file(10), SET + "good/" + file(10), null, null, valid));
  }

  @BeforeAll
  void run() throws IOException {
    store = new TransientNio2BlobStore();
    faulty = new FaultyBlobStore(store);
    s3 = EmbeddedS3.start(faulty, "transient store with faults");
    s3.createBucket(BUCKET);
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
    for (Key k : keys()) {
      try (PendingFile f = Storage.createAtomic("s3://" + BUCKET + "/" + k.stored(), Storage.BINARY)) {
        f.stream().write(k.bytes());
        f.commit();
      }
      if (!k.stored().equals(k.listed())) {
        faulty.presentAs(k.stored(), k.listed());
      }
    }
    faulty.vanishOnRead(SET + "gone/" + file(9));

    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setRunner(DirectRunner.class);
    o.setInput("s3://" + BUCKET + "/" + SET);
    o.setOutput("s3://" + BUCKET + "/" + OUT);
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).applyTo(o);
    assertEquals(PipelineResult.State.DONE, GcptPipeline.run(o).waitUntilFinish(BadInputsPipelineTest.RUN_DEADLINE));

    for (String line : read(OUT + WriteSetFiles.FAILURES_JSONL).split("\n")) {
      JsonNode f = Json.mapper().readTree(line);
      failures.put(f.get("uri").asText(), f);
    }
    setJson = Json.mapper().readTree(read(OUT + WriteSetFiles.SET_JSON));
  }

  @AfterAll
  void stop() throws IOException {
    s3.close();
  }

  String read(String key) throws IOException {
    try (InputStream in = Storage.open("s3://" + BUCKET + "/" + key)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  Stream<Key> badKeys() {
    return keys().stream().filter(k -> k.reason() != null);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badKeys")
  void endsAsOneFailureLine(Key k) {
    JsonNode f = failures.get("s3://" + BUCKET + "/" + k.listed());
    assertNotNull(f, k + ": no failure line among " + failures.keySet());
    assertEquals(k.stage() + ":" + k.reason(), f.get("stage").asText() + ":" + f.get("reason").asText(),
        f.toString());
  }

  @Test
  void countsAccountForEveryObject() {
    JsonNode counts = setJson.get("counts");
    long bad = badKeys().count();
    assertEquals("{\"bundles\":1,\"failures\":" + bad + ",\"inputs\":" + (bad + 1) + ",\"metadataErrors\":0}",
        counts.toString());
    assertEquals(bad, failures.size());
    assertNotNull(setJson.get("workloads").get("good").get("points").get("10"));
  }

  @Test
  void unsafeKeysAreNeverReadAndNothingIsWrittenOutsideTheOutputPrefix() {
    List<String> all = new ArrayList<>();
    ListObjectsV2Request everything = ListObjectsV2Request.builder().bucket(BUCKET).build();
    for (S3Object o : store.list(everything).contents()) {
      all.add(o.key());
    }
    List<String> stored = keys().stream().map(Key::stored).filter(k -> !k.startsWith(SET + "gone/")).toList();
    for (String key : all) {
      if (key.startsWith(SET)) {
        assertTrue(stored.contains(key), "an unexpected object in the set: " + key);
      } else {
        assertTrue(key.startsWith(OUT), "written outside the output prefix: " + key);
        String rel = key.substring(OUT.length());
        assertTrue(rel.startsWith("good/10/") || rel.startsWith("restorers/") || !rel.contains("/")
            || rel.startsWith("json/"), "unexpected output " + key);
        assertFalse(rel.contains("..") || rel.contains("//") || rel.contains("\uFFFD") || rel.contains("%2e"), key);
        assertFalse(rel.contains(".partial-") || rel.contains(Storage.TEMP_PREFIX), "left behind: " + key);
      }
    }
    assertTrue(all.contains(OUT + "good/10/bundle.json"), all.toString());
  }
}
