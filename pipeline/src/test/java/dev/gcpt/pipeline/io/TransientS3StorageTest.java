package dev.gcpt.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.gcpt.s3server.EmbeddedS3;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Storage} against a real S3 server (s3proxy in this JVM) with its in-memory store. */
class TransientS3StorageTest extends StorageContract {
  static final String BUCKET = "gcpt-test";
  static EmbeddedS3 server;

  @BeforeAll
  static void start() throws IOException {
    server = EmbeddedS3.startTransient();
    server.createBucket(BUCKET);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
  }

  /** Registers s3:// for {@code server} (FileSystems is per JVM), with 5 MiB parts. */
  static void configure(EmbeddedS3 server) {
    S3Options options = S3Setup.server(server.endpoint(), server.accessKey(), server.secretKey()).toOptions();
    options.setS3UploadBufferSizeBytes(S3_PART_BYTES);
    FileSystems.setDefaultPipelineOptions(options);
  }

  @BeforeEach
  void configure() {
    configure(server);
  }

  @Override
  String root() {
    return "s3://" + BUCKET + "/transient";
  }

  @Test
  void bucketNamesAreCheckedAndCreationIsIdempotent() throws IOException {
    server.createBucket(BUCKET);
    server.createBucket("second.bucket-1");
    put("s3://second.bucket-1/k", bytes("v"));
    assertArrayEquals(bytes("v"), get("s3://second.bucket-1/k"));
    for (String bad : new String[] {"b", "Upper", "-dash", "dot.", "under_score"}) {
      assertThrows(IllegalArgumentException.class, () -> server.createBucket(bad), bad);
    }
  }

  @Test
  void requestsNeedTheServersCredentials() {
    assertTrue(server.secretKey().matches("[0-9a-f]{40}"), "40 hex digits");
    assertFalse(server.toString().contains(server.secretKey()));
    assertFalse(S3Setup.server(server.endpoint(), server.accessKey(), server.secretKey()).toString().contains(server.secretKey()));
    S3Setup wrong = S3Setup.builder().endpoint(server.endpoint()).credentials(server.accessKey(), "0".repeat(40)).build();
    FileSystems.setDefaultPipelineOptions(wrong.toOptions());
    IOException e = assertThrows(IOException.class, () -> Storage.exists(base + "/any"));
    assertTrue(String.valueOf(e.getMessage()).contains("403"), e.getMessage());
  }
}
