package dev.gcpt.pipeline;

import java.io.IOException;

/**
 * The storage holding a checkpoint failed while it was being opened or read (a dropped
 * connection, a server error, an object that is gone): not a fault of the checkpoint's bytes.
 * {@link SourceStream} raises it so that it can be told from a corrupt stream however deeply the
 * decoders wrap it.
 */
final class SourceReadException extends IOException {
  private static final long serialVersionUID = 1L;

  SourceReadException(String message, Throwable cause) {
    super(message + ": " + cause, cause);
  }
}
