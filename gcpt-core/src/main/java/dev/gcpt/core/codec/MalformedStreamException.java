package dev.gcpt.core.codec;

import java.io.IOException;

/**
 * Raised by a {@link Decoder} for a truncated or corrupt stream; {@link DecodedStream} turns it
 * into a {@link CodecException} that names the input and the offsets.
 */
final class MalformedStreamException extends IOException {
  private static final long serialVersionUID = 1L;

  MalformedStreamException(String problem) {
    super(problem);
  }

  MalformedStreamException(String problem, Throwable cause) {
    super(problem, cause);
  }
}
