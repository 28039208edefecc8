package dev.gcpt.core.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Where a set's outputs go, by path relative to the output root. Implementations: local disk
 * ({@link LocalOutputFiles}) and any Beam filesystem (the pipeline's storage, e.g. S3).
 *
 * <p>Writers create files under a temporary name and {@link #commit} them last, so a reader never
 * sees a half-written file under its final name.
 */
public interface OutputFiles {
  /** Creates (or truncates) {@code rel} for writing, creating parent directories as needed. */
  OutputStream create(String rel) throws IOException;

  /** Moves {@code fromRel} to {@code toRel}, replacing it: atomic where the store allows. */
  void commit(String fromRel, String toRel) throws IOException;

  boolean exists(String rel) throws IOException;

  InputStream open(String rel) throws IOException;

  /** Deletes {@code rel} if present. */
  void delete(String rel) throws IOException;

  /** The full location of {@code rel}, for messages. */
  String describe(String rel);

  /** The size of {@code rel} in bytes. */
  long size(String rel) throws IOException;

  /**
   * Makes {@code rel} = {@code head} followed by its own bytes from {@code from} to its end
   * (it is {@code length} bytes long now), copying those inside the store so that they do not
   * pass through this process, and replacing the file at once.
   *
   * @return false, doing nothing, where the store cannot (local files) or it would not pay (a
   *     short file): the caller writes the file whole
   */
  default boolean replaceHead(String rel, byte[] head, long from, long length) throws IOException {
    return false;
  }

  /** Whether {@link #replaceHead} may work here (it may still decline a short file). */
  default boolean canReplaceHead() {
    return false;
  }

  /**
   * Whether {@link #overwrite} works here: on local files yes; an object store replaces whole
   * objects only.
   */
  default boolean canOverwrite() {
    return false;
  }

  /**
   * Writes {@code bytes} over the bytes of the existing file {@code rel} from {@code offset}, in
   * place, leaving the rest of the file as it is (not atomic: callers journal it).
   *
   * @throws UnsupportedOperationException where {@link #canOverwrite()} is false
   */
  default void overwrite(String rel, long offset, byte[] bytes) throws IOException {
    throw new UnsupportedOperationException("in-place writes are not possible at " + describe(rel));
  }
}
