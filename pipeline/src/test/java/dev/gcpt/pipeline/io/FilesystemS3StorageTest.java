package dev.gcpt.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.gcpt.s3server.EmbeddedS3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * {@link Storage} against s3proxy's filesystem store, which refuses Beam's SSE header: this is
 * where {@link CompatS3ClientBuilderFactory} is needed.
 */
class FilesystemS3StorageTest extends StorageContract {
  static final String BUCKET = "gcpt-test";
  @TempDir static Path dir;
  static EmbeddedS3 server;

  @BeforeAll
  static void start() throws IOException {
    server = EmbeddedS3.startFilesystem(dir.resolve("s3"));
    server.createBucket(BUCKET);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
  }

  @BeforeEach
  void configure() {
    TransientS3StorageTest.configure(server);
  }

  @Override
  String root() {
    return "s3://" + BUCKET + "/fs";
  }

  @Test
  void objectsArePlainFiles() throws IOException {
    put(base + "/gcc_166/31/img.zstd", bytes("on disk"));
    Path file = dir.resolve("s3").resolve(BUCKET).resolve("fs/objectsArePlainFiles/gcc_166/31/img.zstd");
    assertArrayEquals(bytes("on disk"), Files.readAllBytes(file));
  }

  @Test
  void withoutTheCompatFactoryWritesAreRefused() throws IOException {
    S3Options plain = PipelineOptionsFactory.create().as(S3Options.class);
    plain.setEndpoint(server.endpoint());
    plain.setAwsRegion(Region.of(EmbeddedS3.REGION));
    plain.setAwsCredentialsProvider(StaticCredentialsProvider.create(
        AwsBasicCredentials.create(server.accessKey(), server.secretKey())));
    FileSystems.setDefaultPipelineOptions(plain);
    String uri = base + "/refused.bin";
    try {
      Exception e = assertThrows(Exception.class, () -> {
        try (OutputStream out = Storage.create(uri, Storage.BINARY)) {
          out.write(bytes("x"));
        }
      });
      String all = causes(e);
      assertTrue(all.contains("501"), all);
    } finally {
      configure();
    }
    assertFalse(Storage.exists(uri));
    put(uri, bytes("accepted with the factory"));
    assertEquals(25, Storage.size(uri));
  }

  @Test
  void hostNameEndpointsWorkPathStyle() throws IOException {
    S3Setup byName = S3Setup.builder()
        .endpoint("http://localhost:" + server.endpoint().getPort())
        .credentials(server.accessKey(), server.secretKey())
        .build();
    FileSystems.setDefaultPipelineOptions(byName.toOptions());
    put(base + "/by-name.bin", bytes("path-style"));
    assertArrayEquals(bytes("path-style"), get(base + "/by-name.bin"));
  }

  private static String causes(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      b.append(c).append(" | ");
    }
    return b.toString();
  }
}
