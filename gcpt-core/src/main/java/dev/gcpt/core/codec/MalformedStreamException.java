package dev.gcpt.core.codec;

import java.io.IOException;

/**
 * Raised by a {@link Decoder} for a truncated or corrupt stream; {@link DecodedStream} turns it
 * into a {@link CodecException} that names the input and the offsets.
 */
final class MalformedStreamException extends IOException {
  private static final long serialVersionUID = 1L;
  private final CodecException.Kind kind;

  private MalformedStreamException(CodecException.Kind kind, String problem, Throwable cause) {
    super(problem, cause);
    this.kind = kind;
  }

  /** The input ends inside a header, a block, a frame or a trailer. */
  static MalformedStreamException truncated(String problem) {
    return new MalformedStreamException(CodecException.Kind.TRUNCATED, problem, null);
  }

  static MalformedStreamException corrupt(String problem) {
    return new MalformedStreamException(CodecException.Kind.CORRUPT, problem, null);
  }

  static MalformedStreamException corrupt(String problem, Throwable cause) {
    return new MalformedStreamException(CodecException.Kind.CORRUPT, problem, cause);
  }

  CodecException.Kind kind() {
    return kind;
  }
}
