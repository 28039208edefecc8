package dev.gcpt.core.restorer;

/** A restorer image that is not usable; the message names the file, the offset and the value. */
public class RestorerException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String name;
  private final long offset;

  public RestorerException(String name, long offset, String message) {
    super(name + ": offset 0x" + Long.toHexString(offset) + ": " + message);
    this.name = name;
    this.offset = offset;
  }

  public String name() {
    return name;
  }

  public long offset() {
    return offset;
  }
}
