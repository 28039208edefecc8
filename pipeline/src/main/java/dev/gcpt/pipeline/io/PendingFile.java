package dev.gcpt.pipeline.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * An output being written under a temporary name (see {@link Storage#createAtomic}). It becomes
 * visible under its final name only by {@link #commit()}; {@link #close()} without a commit
 * discards it, so a failed or killed writer never leaves a file that looks whole.
 */
public final class PendingFile implements Closeable {
  private final ResourceId temp;
  private final ResourceId target;
  private final OutputStream out;
  private boolean finished;

  PendingFile(ResourceId temp, ResourceId target, OutputStream out) {
    this.temp = temp;
    this.target = target;
    this.out = out;
  }

  /** Where to write the content. Do not close it; {@link #commit()} and {@link #close()} do. */
  public OutputStream stream() {
    return out;
  }

  /** The final URI. */
  public String uri() {
    return target.toString();
  }

  /** The temporary URI the bytes go to until the commit. */
  public String tempUri() {
    return temp.toString();
  }

  /**
   * Finishes the content and moves it onto the final name (replacing an existing file).
   *
   * @throws IllegalStateException if already committed or discarded
   */
  public void commit() throws IOException {
    if (finished) {
      throw new IllegalStateException("already committed or discarded: " + uri());
    }
    finished = true;
    try {
      out.close();
      Storage.rename(temp, target);
    } catch (IOException | RuntimeException e) {
      discardQuietly(e);
      throw e;
    }
  }

  /** Discards the content unless it was committed. */
  @Override
  public void close() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    IOException failure = null;
    try {
      out.close();
    } catch (IOException e) {
      failure = e;
    }
    try {
      Storage.delete(temp);
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void discardQuietly(Exception cause) {
    try {
      Storage.delete(temp);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }
}
