package dev.gcpt.core.normalize;

import dev.gcpt.core.read.CheckpointException;

/** A checkpoint that cannot be normalized safely; never answered with a guessed image. */
public class NormalizeException extends CheckpointException {
  private static final long serialVersionUID = 1L;

  public NormalizeException(String message) {
    super(Reason.INCONSISTENT, message);
  }
}
