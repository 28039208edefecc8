package dev.gcpt.core.set;

/** An object key or relative path that cannot be used as an output path, and why. */
public class UnsafePathException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String reason;

  public UnsafePathException(String key, String reason) {
    super("unsafe path '" + MetadataFormatException.printable(key) + "': " + reason);
    this.reason = reason;
  }

  /** Why the key was rejected. */
  public String reason() {
    return reason;
  }
}
