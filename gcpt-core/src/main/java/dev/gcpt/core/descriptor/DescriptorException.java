package dev.gcpt.core.descriptor;

/** A protobuf descriptor that does not decode; carries the offset where decoding failed. */
public class DescriptorException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long offset;

  public DescriptorException(String message, long offset) {
    super(message + " (at offset 0x" + Long.toHexString(offset) + ")");
    this.offset = offset;
  }

  public long offset() {
    return offset;
  }
}
