package dev.gcpt.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** Options shared by commands that read or write local paths and s3:// URIs. */
public final class StorageOptions {
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
    if (!uri.contains("://")) {
      return dev.gcpt.pipeline.FindCheckpoints.stat(uri, null).fingerprint(); // no Beam options for a local file
    }
    ensureRegistered();
    try {
      return dev.gcpt.pipeline.FindCheckpoints.stat(uri, s3Setup().toOptions()).fingerprint();
    } catch (IOException | RuntimeException e) {
      throw explained(uri, e);
    }
  }

  /** Opens a local path or any Beam filesystem URI for streaming reads. */
  public InputStream open(String uri) throws IOException {
    if (!uri.contains("://")) {
      try {
        return Files.newInputStream(Path.of(uri));
      } catch (NoSuchFileException e) {
        throw new IOException("no such file: " + uri, e);
      }
    }
    ensureRegistered();
    try {
      MatchResult.Metadata m = FileSystems.matchSingleFileSpec(uri);
      return Channels.newInputStream(FileSystems.open(m.resourceId()));
    } catch (IOException | RuntimeException e) {
      throw explained(uri, e);
    }
  }

  /** Whether a local path or any Beam filesystem URI names an existing file. */
  public boolean exists(String uri) throws IOException {
    if (!uri.contains("://")) {
      return Files.isRegularFile(Path.of(uri));
    }
    ensureRegistered();
    try {
      return dev.gcpt.pipeline.io.Storage.exists(uri);
    } catch (IOException | RuntimeException e) {
      throw explained(uri, e);
    }
  }

  /** Every file under a local directory or URI prefix, sorted. */
  public java.util.List<String> list(String root) throws IOException {
    if (!root.contains("://")) {
      if (!Files.isDirectory(Path.of(root))) {
        return java.util.List.of();
      }
      try (java.util.stream.Stream<Path> s = Files.walk(Path.of(root))) {
        return s.filter(Files::isRegularFile).map(Path::toString).sorted().toList();
      }
    }
    ensureRegistered();
    try {
      return dev.gcpt.pipeline.io.Storage.list(root).stream().map(dev.gcpt.pipeline.io.Storage.StoredFile::uri).toList();
    } catch (IOException | RuntimeException e) {
      throw explained(root, e);
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
      registered = true;
    }
  }
}
