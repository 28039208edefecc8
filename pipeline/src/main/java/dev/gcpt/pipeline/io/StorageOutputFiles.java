package dev.gcpt.pipeline.io;

import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.bundle.OutputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import org.apache.beam.sdk.options.PipelineOptions;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@link OutputFiles} under a root URI on any Beam filesystem (local path or s3://). Given the
 * pipeline's options, head replacements on S3 copy the kept bytes inside the store
 * ({@link S3HeadReplace}); close it to release that client.
 */
public final class StorageOutputFiles implements OutputFiles, AutoCloseable {
  private final String root;
  private final PipelineOptions options;
  private S3Client s3;

  public StorageOutputFiles(String root) {
    this(root, null);
  }

  /** @param options the pipeline's options, for an S3 client of their configuration (null: none) */
  public StorageOutputFiles(String root, PipelineOptions options) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    this.options = options;
  }

  @Override
  public boolean canReplaceHead() {
    return options != null && root.regionMatches(true, 0, "s3://", 0, 5);
  }

  @Override
  public synchronized boolean replaceHead(String rel, byte[] head, long from, long length) throws IOException {
    if (!canReplaceHead()) {
      return false;
    }
    if (s3 == null) {
      s3 = S3Listing.newClient(options);
    }
    return S3HeadReplace.replace(s3, uri(rel), head, from, length);
  }

  @Override
  public synchronized void close() {
    if (s3 != null) {
      s3.close();
      s3 = null;
    }
  }

  private String uri(String rel) {
    // a '..' segment, not any '..': a workload may be called a..b
    if (rel.startsWith("/") || java.util.Arrays.asList(rel.split("/", -1)).contains("..")) {
      throw new IllegalArgumentException("not a safe relative path: " + rel);
    }
    return root + "/" + rel;
  }

  @Override
  public OutputStream create(String rel) throws IOException {
    return Storage.create(uri(rel), Storage.BINARY);
  }

  @Override
  public void commit(String fromRel, String toRel) throws IOException {
    Storage.rename(uri(fromRel), uri(toRel));
  }

  @Override
  public boolean exists(String rel) throws IOException {
    return Storage.exists(uri(rel));
  }

  @Override
  public InputStream open(String rel) throws IOException {
    return Storage.open(uri(rel));
  }

  @Override
  public void delete(String rel) throws IOException {
    Storage.delete(uri(rel));
  }

  @Override
  public String describe(String rel) {
    return uri(rel);
  }

  @Override
  public long size(String rel) throws IOException {
    return Storage.size(uri(rel));
  }

  /** In place on the local file system; S3 objects are replaced whole. */
  @Override
  public boolean canOverwrite() {
    return Storage.localPath(root + "/x").isPresent();
  }

  @Override
  public void overwrite(String rel, long offset, byte[] bytes) throws IOException {
    Path p = Storage.localPath(uri(rel)).orElseThrow(() -> new UnsupportedOperationException(
        "in-place writes are not possible at " + uri(rel)));
    LocalOutputFiles.overwrite(p, offset, bytes);
  }
}
