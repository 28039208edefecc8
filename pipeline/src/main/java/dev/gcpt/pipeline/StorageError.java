package dev.gcpt.pipeline;

import dev.gcpt.core.read.CheckpointException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A failure of storage rather than of the checkpoint: where it happened (reading the source or
 * writing the bundle), whether the source is simply gone, and the exception. Storage failures
 * are retried with backoff; a checkpoint whose bytes are bad is not.
 *
 * @param stage {@link FailureRecord#STAGE_READ} (the source's storage) or {@link
 *     FailureRecord#STAGE_WRITE} (the output's storage)
 * @param missing the source no longer exists (deleted after it was listed), or may not be read
 *     (permission denied): not retried
 */
record StorageError(String stage, boolean missing, Throwable cause) {
  /** Reason code of a source this process may not read. */
  static final String PERMISSION_DENIED = "permission-denied";
  /** Reason code of a source that was listed but is gone when read. */
  static final String SOURCE_MISSING = "source-missing";
  /** Reason code of any other storage failure. */
  static final String IO_ERROR = "io-error";

  /** The storage error {@code e} is, or null when it is about the input's bytes (or a bug). */
  static StorageError classify(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof SourceReadException) {
        return new StorageError(FailureRecord.STAGE_READ, isMissing(c), e);
      }
    }
    if (e instanceof CheckpointException ce) {
      // the reader saw an I/O error that did not come from the source: the output's storage
      // (regeneration reads the existing image back)
      return ce.reason() == CheckpointException.Reason.IO ? new StorageError(FailureRecord.STAGE_WRITE, false, e) : null;
    }
    if (e instanceof IOException) {
      return new StorageError(FailureRecord.STAGE_WRITE, false, e);
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof SdkException || c instanceof UncheckedIOException) {
        return new StorageError(FailureRecord.STAGE_WRITE, false, e);
      }
    }
    return null;
  }

  private static boolean isMissing(Throwable e) {
    if (isDenied(e)) {
      return true; // as final as a missing source: a retry reads nothing more
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof FileNotFoundException || c instanceof NoSuchFileException || c instanceof NoSuchKeyException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The source exists but may not be read. Java's file streams say so with a
   * FileNotFoundException "(Permission denied)", which alone would read as a missing source.
   */
  static boolean isDenied(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof java.nio.file.AccessDeniedException
          || c instanceof FileNotFoundException && String.valueOf(c.getMessage()).endsWith("(Permission denied)")) {
        return true;
      }
    }
    return false;
  }

  String reason() {
    return !missing ? IO_ERROR : isDenied(cause) ? PERMISSION_DENIED : SOURCE_MISSING;
  }

  /** The failure line's message. */
  String describe(String input, int attempts) {
    String what = missing && isDenied(cause)
        ? "the source cannot be read: permission denied (it exists; this process may not read it)"
        : missing
        ? "the source was listed but is gone when read (deleted or replaced during the run)"
        : "storage error " + (FailureRecord.STAGE_READ.equals(stage) ? "reading the source" : "writing the bundle")
            + " after " + attempts + " attempt(s)";
    return input + ": " + what + ": " + dev.gcpt.pipeline.io.S3Errors.explain(cause).orElse(String.valueOf(cause));
  }
}
