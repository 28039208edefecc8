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

  @picocli.CommandLine.Option(names = "--s3-region", defaultValue = "us-east-1",
      description = "S3 region (default ${DEFAULT-VALUE}); credentials come from the AWS chain (AWS_ACCESS_KEY_ID, ...).")
  String s3Region;

  @picocli.CommandLine.Option(names = "--s3-path-style", description = "Path-style addressing (default: on with --s3-endpoint).")
  Boolean s3PathStyle;

  private boolean registered;

  /** The S3 settings as the pipeline's storage layer takes them; credentials from the AWS chain. */
  public dev.gcpt.pipeline.io.S3Setup s3Setup() {
    dev.gcpt.pipeline.io.S3Setup.Builder b = dev.gcpt.pipeline.io.S3Setup.builder().pathStyle(s3PathStyle);
    if (s3Endpoint != null) {
      b.endpoint(s3Endpoint);
      b.region(s3Region);
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
    return dev.gcpt.pipeline.FindCheckpoints.stat(uri, s3Setup().toOptions()).fingerprint();
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
    MatchResult.Metadata m = FileSystems.matchSingleFileSpec(uri);
    return Channels.newInputStream(FileSystems.open(m.resourceId()));
  }

  /** Whether a local path or any Beam filesystem URI names an existing file. */
  public boolean exists(String uri) throws IOException {
    if (!uri.contains("://")) {
      return Files.isRegularFile(Path.of(uri));
    }
    ensureRegistered();
    return dev.gcpt.pipeline.io.Storage.exists(uri);
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
    return dev.gcpt.pipeline.io.Storage.list(root).stream().map(dev.gcpt.pipeline.io.Storage.StoredFile::uri).toList();
  }

  private void ensureRegistered() {
    if (!registered) {
      s3Setup().configureFileSystems();
      registered = true;
    }
  }
}
