package dev.gcpt.core.codec;

import java.io.IOException;

/** A compressed stream that is truncated, corrupt or larger than allowed. */
public class CodecException extends IOException {
  private static final long serialVersionUID = 1L;

  public CodecException(String message) {
    super(message);
  }

  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
