package dev.gcpt.core.set;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns object keys and relative paths taken from input listings into relative output paths that
 * cannot escape the output root.
 *
 * <p>Rules, in order (details in {@code docs/storage.md}):
 * <ol>
 *   <li>rejected: empty keys; unpaired surrogates or U+FFFD (bytes that were not UTF-8); C0/C1
 *       control characters and DEL (NUL included); backslashes;</li>
 *   <li>percent escapes are decoded (repeatedly, for double encoding) and the decoded form must
 *       pass every rule too, so {@code %2e%2e/} is rejected like {@code ../}; the output keeps the
 *       key's own characters ({@code %} is an ordinary character in a file name);</li>
 *   <li>rejected: absolute paths ({@code /x}, {@code C:x}), a {@code ..} segment anywhere, a
 *       trailing {@code /} (a directory, not a file);</li>
 *   <li>neutralized: empty segments ({@code a//b} → {@code a/b}) and {@code .} segments;</li>
 *   <li>rejected: a segment over {@value #MAX_SEGMENT_BYTES} UTF-8 bytes or a path over
 *       {@value #MAX_PATH_BYTES} bytes (S3's key limit; no truncation, which could collide).</li>
 * </ol>
 */
public final class SafePaths {
  /** Longest segment, in UTF-8 bytes (NAME_MAX of Linux file systems). */
  public static final int MAX_SEGMENT_BYTES = 255;
  /** Longest relative path, in UTF-8 bytes (the S3 object key limit). */
  public static final int MAX_PATH_BYTES = 1024;
  /** Percent-decoding rounds before a key counts as too deeply encoded. */
  static final int MAX_DECODE_ROUNDS = 4;

  private static final char REPLACEMENT_CHARACTER = '\uFFFD';
  private static final int DEL = 0x7F;
  private static final int C1_FIRST = 0x80;
  private static final int C1_LAST = 0x9F;
  private static final Pattern DRIVE_LETTER = Pattern.compile("[A-Za-z]:.*");
  private static final Pattern PERCENT_ESCAPE = Pattern.compile("%[0-9A-Fa-f]{2}");

  private SafePaths() {}

  /**
   * The safe relative output path ({@code /}-separated) for {@code key}.
   *
   * @throws UnsafePathException saying which rule the key breaks
   */
  public static String relativeOutputPath(String key) {
    if (key == null || key.isEmpty()) {
      throw new UnsafePathException(String.valueOf(key), "empty");
    }
    String rule = violation(key);
    if (rule != null) {
      throw new UnsafePathException(key, rule);
    }
    String decoded = key;
    for (int round = 0; PERCENT_ESCAPE.matcher(decoded).find(); round++) {
      if (round == MAX_DECODE_ROUNDS) {
        throw new UnsafePathException(key, "percent-encoded more than " + MAX_DECODE_ROUNDS + " times");
      }
      decoded = percentDecode(key, decoded);
      String decodedRule = violation(decoded);
      if (decodedRule != null) {
        throw new UnsafePathException(key, "percent-decoded it is '" + MetadataFormatException.printable(decoded)
            + "', which " + decodedRule);
      }
    }
    List<String> segments = segments(key);
    String path = String.join("/", segments);
    if (path.isEmpty()) {
      throw new UnsafePathException(key, "names no file (only '.' and empty segments)");
    }
    for (String segment : segments) {
      int bytes = utf8Length(segment);
      if (bytes > MAX_SEGMENT_BYTES) {
        throw new UnsafePathException(key, "a segment is " + bytes + " UTF-8 bytes long, over " + MAX_SEGMENT_BYTES);
      }
    }
    int total = utf8Length(path);
    if (total > MAX_PATH_BYTES) {
      throw new UnsafePathException(key, "the path is " + total + " UTF-8 bytes long, over " + MAX_PATH_BYTES);
    }
    return path;
  }

  /**
   * The same for a key given as bytes, which must be valid UTF-8.
   *
   * @throws UnsafePathException for bytes that are not UTF-8, or any rule above
   */
  public static String relativeOutputPath(byte[] keyUtf8) {
    String key;
    try {
      key = strictUtf8(keyUtf8);
    } catch (CharacterCodingException e) {
      throw new UnsafePathException(new String(keyUtf8, StandardCharsets.UTF_8), "not UTF-8: " + e.getMessage());
    }
    return relativeOutputPath(key);
  }

  /**
   * {@code root} joined with the safe path of {@code key}; checked to stay inside {@code root}.
   *
   * @throws UnsafePathException as {@link #relativeOutputPath(String)}
   */
  public static Path resolve(Path root, String key) {
    Path base = root.toAbsolutePath().normalize();
    Path resolved = base.resolve(relativeOutputPath(key)).normalize();
    if (!resolved.startsWith(base) || resolved.equals(base)) {
      throw new UnsafePathException(key, "resolves outside the output root " + base);
    }
    return resolved;
  }

  /** The first rule {@code s} breaks (as a phrase), or null. */
  private static String violation(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
        continue;
      }
      if (Character.isSurrogate(c)) {
        return "is not valid Unicode (unpaired surrogate at index " + i + ")";
      }
      if (c == REPLACEMENT_CHARACTER) {
        return "contains U+FFFD at index " + i + " (bytes that were not UTF-8)";
      }
      if (c == 0) {
        return "contains NUL at index " + i;
      }
      if (c < 0x20 || c == DEL || (c >= C1_FIRST && c <= C1_LAST)) {
        return "contains control character U+" + String.format("%04X", (int) c) + " at index " + i;
      }
      if (c == '\\') {
        return "contains a backslash at index " + i;
      }
    }
    if (s.startsWith("/")) {
      return "is absolute";
    }
    if (DRIVE_LETTER.matcher(s).matches()) {
      return "starts with a drive letter";
    }
    if (s.endsWith("/")) {
      return "ends with '/' (a directory, not a file)";
    }
    for (String segment : s.split("/", -1)) {
      if (segment.equals("..")) {
        return "has a '..' segment";
      }
    }
    return null;
  }

  /** Segments without empty and '.' ones. */
  private static List<String> segments(String key) {
    List<String> out = new ArrayList<>();
    for (String segment : key.split("/", -1)) {
      if (!segment.isEmpty() && !segment.equals(".")) {
        out.add(segment);
      }
    }
    return out;
  }

  /** One round of %XX decoding; the bytes must be UTF-8. */
  private static String percentDecode(String key, String s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      if (cp == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
        bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 3;
      } else {
        bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(cp);
      }
    }
    try {
      return strictUtf8(bytes.toByteArray());
    } catch (CharacterCodingException e) {
      throw new UnsafePathException(key, "percent-encoded bytes are not UTF-8");
    }
  }

  private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    return decoder.decode(ByteBuffer.wrap(bytes)).toString();
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
