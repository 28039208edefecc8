package dev.gcpt.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Options shared by commands that read or write local paths and s3:// URIs. */
public final class StorageOptions {
  @picocli.CommandLine.Option(names = "--s3-endpoint", description = "S3 endpoint URL (e.g. http://127.0.0.1:9000); default: AWS.")
  String s3Endpoint;

  @picocli.CommandLine.Option(names = "--s3-region", defaultValue = "us-east-1", description = "S3 region (default ${DEFAULT-VALUE}).")
  String s3Region;

  private boolean registered;

  /**
   * A cheap identity of the object's content: size and modification time (a replaced object gets
   * a new one, so reruns rebuild it).
   */
  public String fingerprint(String uri) throws IOException {
    if (!uri.contains("://")) {
      Path p = Path.of(uri);
      if (!Files.exists(p)) {
        throw new IOException("no such file: " + uri);
      }
      return "size=" + Files.size(p) + ",mtime=" + Files.getLastModifiedTime(p).toMillis();
    }
    ensureRegistered();
    MatchResult.Metadata m = FileSystems.matchSingleFileSpec(uri);
    return "size=" + m.sizeBytes() + ",mtime=" + m.lastModifiedMillis();
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

  private void ensureRegistered() {
    if (!registered) {
      java.util.List<String> args = new java.util.ArrayList<>();
      args.add("--awsRegion=" + s3Region);
      if (s3Endpoint != null) {
        args.add("--endpoint=" + s3Endpoint);
      }
      FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).create());
      registered = true;
    }
  }
}
