package dev.gcpt.cli;

import dev.gcpt.core.io.Store;
import dev.gcpt.core.io.Uris;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.InputStream;

/**
 * Options shared by commands that read or write local paths and s3:// URIs, and the {@link Store}
 * they configure (the pipeline's {@link Storage#store}, with S3 failures explained in one line).
 */
public final class StorageOptions implements Store {
  @picocli.CommandLine.Option(names = "--s3-endpoint", description = "S3 endpoint URL (e.g. http://127.0.0.1:9000); default: AWS.")
  String s3Endpoint;

  @picocli.CommandLine.Option(names = "--s3-region",
      description = "S3 region (default: us-east-1 with --s3-endpoint, else AWS_REGION or the AWS profile).")
  String s3Region;

  @picocli.CommandLine.Option(names = "--s3-path-style", description = "Path-style addressing (default: on with --s3-endpoint).")
  Boolean s3PathStyle;

  @picocli.CommandLine.Option(names = "--s3-credentials-to-workers",
      description = "Send the credentials this process has (AWS_ACCESS_KEY_ID, ... or the AWS profile) with the job,"
          + " for workers that have none (they travel in the job's options).")
  boolean s3CredentialsToWorkers;

  private boolean registered;
  private Store store;
  private dev.gcpt.pipeline.io.S3Setup resolved;

  /**
   * The S3 settings as the pipeline's storage layer takes them; credentials from the AWS chain,
   * resolved here and sent with the job with {@code --s3-credentials-to-workers}.
   */
  public dev.gcpt.pipeline.io.S3Setup s3Setup() {
    if (resolved == null) {
      resolved = resolveS3Setup(); // once: resolving credentials may ask an instance's metadata service
    }
    return resolved;
  }

  private dev.gcpt.pipeline.io.S3Setup resolveS3Setup() {
    dev.gcpt.pipeline.io.S3Setup.Builder b = dev.gcpt.pipeline.io.S3Setup.builder().pathStyle(s3PathStyle)
        .endpoint(s3Endpoint).region(s3Region); // the region counts without an endpoint too (AWS)
    if (s3CredentialsToWorkers) {
      software.amazon.awssdk.auth.credentials.AwsCredentials c;
      try (software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider chain =
          software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider.builder().build()) {
        c = chain.resolveCredentials();
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("--s3-credentials-to-workers: "
            + dev.gcpt.pipeline.io.S3Errors.explain(e).orElse(e.getMessage())); // the SDK's dump is not kept
      }
      if (c instanceof software.amazon.awssdk.auth.credentials.AwsSessionCredentials) {
        throw new IllegalArgumentException("--s3-credentials-to-workers: these are temporary credentials (a session"
            + " token), which cannot be sent with the job; give the workers their own (environment, profile or role)");
      }
      b.credentials(c.accessKeyId(), c.secretAccessKey());
    }
    return b.build();
  }

  /**
   * A cheap identity of the object's content, the one {@code gcpt run} records for it (size,
   * modification time, and the ETag on S3): a replaced object gets a new one, so reruns rebuild it.
   */
  public String fingerprint(String uri) throws IOException {
    return stat(uri).fingerprint();
  }

  @Override
  public Store.Entry stat(String uri) throws IOException {
    return call(uri, () -> store().stat(uri));
  }

  /** Opens a local path or any Beam filesystem URI for streaming reads. */
  @Override
  public InputStream open(String uri) throws IOException {
    return call(uri, () -> store().open(uri));
  }

  /** Whether a local path or any Beam filesystem URI names an existing file. */
  @Override
  public boolean exists(String uri) throws IOException {
    return call(uri, () -> store().exists(uri));
  }

  /** Every entry under a local directory or URI prefix, sorted ({@link Store#list}: the one listing). */
  @Override
  public java.util.List<Store.Entry> list(String root) throws IOException {
    return call(root, () -> store().list(root));
  }

  /** The pipeline's store with these S3 settings; {@code s3://} registered with Beam only when first used. */
  private Store store() {
    if (store == null) {
      store = Storage.store(null);
    }
    return store;
  }

  private interface StorageCall<T> {
    T call() throws IOException;
  }

  private <T> T call(String uri, StorageCall<T> c) throws IOException {
    if (Uris.isLocal(uri)) {
      return c.call(); // no Beam options for a local file
    }
    ensureRegistered();
    try {
      return c.call();
    } catch (IOException | RuntimeException e) {
      throw explained(uri, e);
    }
  }

  /** An S3 failure as one line naming the cause and the fix; anything else unchanged. */
  private static IOException explained(String uri, Exception e) {
    IOException io = dev.gcpt.pipeline.io.S3Errors.asIOException(uri, e);
    if (io != null) {
      return io;
    }
    throw (RuntimeException) e; // not an S3 failure gcpt knows, not an IOException
  }

  private void ensureRegistered() {
    if (!registered) {
      s3Setup().configureFileSystems();
      store = Storage.store(s3Setup().toOptions());
      registered = true;
    }
  }
}
