package dev.gcpt.core.codec;

import java.io.IOException;

/**
 * A compressed stream that is empty, truncated, corrupt or larger than allowed.
 *
 * <p>Errors raised while decoding carry where they happened: the input's name, the codec, the
 * decompressed offset reached (bytes delivered so far) and the compressed offset (bytes of the
 * input consumed by the decoder so far). The message names all four.
 */
public class CodecException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, for machine-readable failure reasons. */
  public enum Kind {
    /** The input has no bytes (or only part of a magic). */
    EMPTY,
    /** The input ends inside a header, a block, a frame or a trailer. */
    TRUNCATED,
    /** Bad data: checksum or size mismatch, invalid block, trailing garbage. */
    CORRUPT,
    /** More decompressed bytes than the caller's ceiling. */
    TOO_LARGE,
    /** Not classified (raised through the message-only constructors). */
    UNSPECIFIED
  }

  /** Offset value used when an offset does not apply (the error is not tied to a position). */
  public static final long NO_OFFSET = -1;

  private final Kind kind;
  private final String input;
  private final Codec codec;
  private final long rawOffset;
  private final long compressedOffset;

  public CodecException(String message) {
    this(message, null);
  }

  public CodecException(String message, Throwable cause) {
    super(message, cause);
    this.kind = Kind.UNSPECIFIED;
    this.input = null;
    this.codec = null;
    this.rawOffset = NO_OFFSET;
    this.compressedOffset = NO_OFFSET;
  }

  private CodecException(Kind kind, String input, String problem, long offset) {
    super(input + ": " + problem);
    this.kind = kind;
    this.input = input;
    this.codec = null;
    this.rawOffset = offset;
    this.compressedOffset = offset;
  }

  /** A named input that is not a stream at all (empty, or shorter than a magic): offsets are 0. */
  public static CodecException notAStream(String input, String problem) {
    return new CodecException(Kind.EMPTY, input, problem, 0);
  }

  /**
   * An error at a position of a named input. The message reads
   * {@code <input>: <codec> <problem> at decompressed offset 0x.., compressed offset 0x..}.
   */
  public CodecException(Kind kind, String input, Codec codec, String problem, long rawOffset,
      long compressedOffset, Throwable cause) {
    super(input + ": " + codec.cliName() + " " + problem + " at decompressed offset " + hex(rawOffset)
        + ", compressed offset " + hex(compressedOffset), cause);
    this.kind = kind;
    this.input = input;
    this.codec = codec;
    this.rawOffset = rawOffset;
    this.compressedOffset = compressedOffset;
  }

  public Kind kind() {
    return kind;
  }

  /** The input's name (URI) or null when the error is not tied to one. */
  public String input() {
    return input;
  }

  /** The codec being decoded, or null when the error is not tied to one. */
  public Codec codec() {
    return codec;
  }

  /** Decompressed bytes delivered before the error, or {@link #NO_OFFSET}. */
  public long rawOffset() {
    return rawOffset;
  }

  /** Compressed bytes consumed before the error, or {@link #NO_OFFSET}. */
  public long compressedOffset() {
    return compressedOffset;
  }

  static String hex(long value) {
    return value < 0 ? "n/a" : "0x" + Long.toHexString(value);
  }
}
