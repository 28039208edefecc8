package dev.gcpt.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import dev.gcpt.s3server.EmbeddedS3;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Optional;
import org.apache.beam.sdk.io.FileSystems;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * S3 failures as gcpt prints them: one line, under 300 characters, naming the cause and the fix;
 * the failures come from a real server (s3proxy) and the real AWS SDK where one can be provoked
 * here.
 */
class S3ErrorsTest {
  static final int MAX_LINE = 300;
  static EmbeddedS3 server;

  @BeforeAll
  static void start() throws IOException {
    server = EmbeddedS3.startTransient();
    server.createBucket("there");
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
  }

  static String line(Throwable e) {
    Optional<String> line = S3Errors.explain(e);
    assertTrue(line.isPresent(), "not recognized: " + e);
    String s = line.get();
    assertFalse(s.contains("\n"), s);
    assertTrue(s.length() < MAX_LINE, s.length() + " characters: " + s);
    assertFalse(s.contains("ProviderChain") || s.contains("software.amazon"), s);
    return s;
  }

  static IOException failure(S3Setup setup, String uri) {
    FileSystems.setDefaultPipelineOptions(setup.toOptions());
    try {
      return assertThrows(IOException.class, () -> Storage.list(uri));
    } finally {
      S3Setup.server(server.endpoint(), server.accessKey(), server.secretKey()).configureFileSystems();
    }
  }

  @Test
  void noCredentials() {
    // the SDK's own provider, with no aws.accessKeyId property: the message of the 1,500-character chain dump
    SdkClientException e = assertThrows(SdkClientException.class,
        () -> SystemPropertyCredentialsProvider.create().resolveCredentials());
    assertEquals("no S3 credentials: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or use an AWS profile or"
        + " instance role); a Flink cluster's TaskManagers need them too (exported where they start, or sent with"
        + " --s3-credentials-to-workers)", line(new RuntimeException("Pipeline execution failed", e)));
  }

  @Test
  void noRegion() {
    SdkClientException e = SdkClientException.create("Unable to load region from any of the providers in the chain"
        + " software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain@295a30a0: [...]");
    assertEquals("no S3 region: give --s3-region (e.g. us-east-1) or export AWS_REGION; for an S3-compatible server"
        + " give --s3-endpoint http://host:port", line(e));
  }

  @Test
  void aWrongSecretKey() {
    S3Setup wrong = S3Setup.builder().endpoint(server.endpoint()).credentials(server.accessKey(), "0".repeat(40)).build();
    String s = line(failure(wrong, "s3://there/x/"));
    assertTrue(s.startsWith("S3 refused the"), s);
    assertTrue(s.contains("check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), s);
  }

  @Test
  void anUnknownAccessKey() {
    S3Setup wrong = S3Setup.builder().endpoint(server.endpoint()).credentials("NOBODY", "0".repeat(40)).build();
    String s = line(failure(wrong, "s3://there/x/"));
    assertTrue(s.startsWith("S3 refused the"), s);
  }

  @Test
  void aBucketThatDoesNotExist() {
    IOException e = failure(S3Setup.server(server.endpoint(), server.accessKey(), server.secretKey()), "s3://nothere/x/");
    assertEquals("the S3 bucket does not exist at this endpoint: create it, or check the URI and --s3-endpoint", line(e));
    assertEquals("s3://nothere/x/: the S3 bucket does not exist at this endpoint: create it, or check the URI and"
        + " --s3-endpoint", S3Errors.asIOException("s3://nothere/x/", e).getMessage());
    // when a message in the chain names the URI, so does the line
    assertEquals("the S3 bucket 'nothere' does not exist at this endpoint: create it, or check the URI and"
        + " --s3-endpoint", line(new IOException("listing s3://nothere/x/", e)));
  }

  @Test
  void anEndpointNobodyListensOn() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    S3Setup closed = S3Setup.builder().endpoint("http://127.0.0.1:" + port).credentials("a", "b").build();
    String s = line(failure(closed, "s3://there/x/"));
    assertTrue(s.startsWith("cannot connect to the S3 endpoint "), s);
    assertTrue(s.contains("127.0.0.1:" + port), s);
    assertTrue(s.endsWith("is the server running? check --s3-endpoint"), s);
  }

  @Test
  void otherFailuresAreLeftAlone() {
    assertEquals(Optional.empty(), S3Errors.explain(new IOException("disk full")));
    IOException io = new IOException("disk full");
    assertSame(io, S3Errors.asIOException("s3://b/k", io));
    assertEquals(null, S3Errors.asIOException("s3://b/k", new IllegalStateException("a bug")));
  }

  @Test
  void asIOExceptionNamesWhatFailedAndKeepsTheCause() {
    SdkClientException e = SdkClientException.create("Unable to load region from any of the providers in the chain");
    IOException io = S3Errors.asIOException("s3://b/k", e);
    assertNotNull(io);
    assertTrue(io.getMessage().startsWith("s3://b/k: no S3 region: give --s3-region"), io.getMessage());
    assertSame(e, io.getCause());
  }
}
