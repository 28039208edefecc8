package dev.gcpt.pipeline.io;

import java.io.IOException;
import dev.gcpt.s3server.EmbeddedS3;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3 server (s3proxy, in-process, objects in memory) with one bucket, for the tests of one
 * class: {@code @RegisterExtension static final S3ServerExtension S3 = new S3ServerExtension("b");}.
 * Before the class's tests it starts and configures Beam's file systems for it; after them it stops.
 */
public final class S3ServerExtension implements BeforeAllCallback, AfterAllCallback {
  private final String bucket;
  private EmbeddedS3 server;
  private GcptS3Options options;

  public S3ServerExtension(String bucket) {
    this.bucket = bucket;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    server = EmbeddedS3.startTransient();
    server.createBucket(bucket);
    options = S3Setup.server(server.endpoint(), server.accessKey(), server.secretKey()).configureFileSystems();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    server.close();
  }

  /** Pipeline options pointing at this server. */
  public GcptS3Options options() {
    return options;
  }
}
