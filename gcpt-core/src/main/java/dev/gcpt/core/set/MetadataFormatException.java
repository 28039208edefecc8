package dev.gcpt.core.set;

import java.io.IOException;

/**
 * A set metadata file ({@code checkpoints_all.json}, {@code simpoints0}, ...) that does not parse
 * or holds a value that is not allowed. Names the file, where in it (line, column, field) and the
 * offending value; such input is never silently dropped.
 */
public class MetadataFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final String where;
  private final String value;

  /**
   * @param file the file's name or URI
   * @param where the place in the file: {@code line 3, column 17, field gcc_166.points.31}
   * @param value the offending value as read (may be null when there is none)
   * @param reason what is wrong with it
   */
  public MetadataFormatException(String file, String where, String value, String reason) {
    this(file, where, value, reason, null);
  }

  public MetadataFormatException(String file, String where, String value, String reason, Throwable cause) {
    super(file + ": " + where + ": " + reason + (value == null ? "" : " (value '" + printable(value) + "')"), cause);
    this.file = file;
    this.where = where;
    this.value = value;
  }

  public String file() {
    return file;
  }

  public String where() {
    return where;
  }

  /** The offending value as read, or null. */
  public String value() {
    return value;
  }

  /** The value with control characters escaped and shortened, for messages. */
  static String printable(String value) {
    final int maxShown = 80;
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < value.length() && b.length() < maxShown; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (b.length() >= maxShown) {
      b.append("...");
    }
    return b.toString();
  }
}
