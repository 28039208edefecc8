package dev.gcpt.core.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafePathsTest {

  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("gcc_166/31/_31_0.070885_memory_.zstd", "gcc_166/31/_31_0.070885_memory_.zstd"),
        Arguments.of("a//b/./c", "a/b/c"),
        Arguments.of("./a", "a"),
        Arguments.of("a%20b/c", "a%20b/c"),
        Arguments.of("100%/x", "100%/x"),
        Arguments.of("a..b/..c/c..", "a..b/..c/c.."),
        Arguments.of("spec/日本/x.gz", "spec/日本/x.gz"),
        Arguments.of("emoji/\uD83D\uDE00.zstd", "emoji/\uD83D\uDE00.zstd"),
        Arguments.of("s".repeat(SafePaths.MAX_SEGMENT_BYTES), "s".repeat(SafePaths.MAX_SEGMENT_BYTES)));
  }

  @ParameterizedTest
  @MethodSource("accepted")
  void keepsOrdinaryKeys(String key, String expected) {
    assertEquals(expected, SafePaths.relativeOutputPath(key));
  }

  /** key, a phrase the reason must contain. */
  static Stream<Arguments> rejected() {
    String longPath = ("d".repeat(200) + "/").repeat(6) + "f";
    return Stream.of(
        Arguments.of("", "empty"),
        Arguments.of("../x", "'..' segment"),
        Arguments.of("a/../../x", "'..' segment"),
        Arguments.of("a/..", "'..' segment"),
        Arguments.of("/etc/passwd", "absolute"),
        Arguments.of("C:/x", "drive letter"),
        Arguments.of("%2e%2e/x", "percent-decoded"),
        Arguments.of("a/%2E%2E%2Fetc", "percent-decoded"),
        Arguments.of("a/%252e%252e/b", "percent-decoded"),
        Arguments.of("%2fetc/passwd", "absolute"),
        Arguments.of("a%5c..%5cb", "backslash"),
        Arguments.of("a%00b", "NUL"),
        Arguments.of("%25252525252e", "percent-encoded more than"),
        Arguments.of("a\\b", "backslash"),
        Arguments.of("..\\x", "backslash"),
        Arguments.of("a\u0000b", "NUL"),
        Arguments.of("a\nb", "U+000A"),
        Arguments.of("a\u001bb", "U+001B"),
        Arguments.of("a\u007fb", "U+007F"),
        Arguments.of("a\u0085b", "U+0085"),
        Arguments.of("a\ud800b", "unpaired surrogate"),
        Arguments.of("a\udc00", "unpaired surrogate"),
        Arguments.of("a\uFFFDb", "U+FFFD"),
        Arguments.of("%ff%fe", "not UTF-8"),
        Arguments.of("a/", "directory"),
        Arguments.of(".", "names no file"),
        Arguments.of("./", "directory"),
        Arguments.of("a/" + "x".repeat(SafePaths.MAX_SEGMENT_BYTES + 1), "256 UTF-8 bytes"),
        Arguments.of("a/" + "é".repeat(128), "256 UTF-8 bytes"),
        Arguments.of(longPath, longPath.length() + " UTF-8 bytes"));
  }

  @ParameterizedTest
  @MethodSource("rejected")
  void rejectsUnsafeKeys(String key, String reason) {
    UnsafePathException e = assertThrows(UnsafePathException.class, () -> SafePaths.relativeOutputPath(key));
    assertTrue(e.getMessage().contains(reason), () -> "'" + reason + "' not in: " + e.getMessage());
    // the message never carries raw control characters
    assertTrue(e.getMessage().chars().noneMatch(c -> c < 0x20), e.getMessage());
  }

  @Test
  void bytesMustBeUtf8() {
    assertEquals("a/b", SafePaths.relativeOutputPath("a/b".getBytes(StandardCharsets.UTF_8)));
    UnsafePathException e = assertThrows(UnsafePathException.class,
        () -> SafePaths.relativeOutputPath(new byte[] {'a', (byte) 0xFF, 'b'}));
    assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    assertThrows(UnsafePathException.class,
        () -> SafePaths.relativeOutputPath(new byte[] {'a', (byte) 0xC0, (byte) 0xAF}));  // overlong '/'
  }

  @Test
  void resolvesInsideTheRoot(@TempDir Path root) {
    assertEquals(root.resolve("gcc_166/31/x.zstd"), SafePaths.resolve(root, "gcc_166/31/x.zstd"));
    assertThrows(UnsafePathException.class, () -> SafePaths.resolve(root, "../x"));
  }

  /** Every combination of nasty segments either fails or stays strictly inside the root. */
  @Test
  void neverEscapesTheRoot(@TempDir Path root) {
    String[] pieces = {"..", ".", "", "a", "%2e%2e", "%2e", "..%2f", "%2f..", "b\\", "%00", "/", "~", "%252e%252e",
        "..;", " ..", ".. ", "\u2025", "%c0%ae%c0%ae"};
    List<String> keys = new ArrayList<>();
    for (String x : pieces) {
      for (String y : pieces) {
        for (String z : pieces) {
          keys.add(x + "/" + y + "/" + z);
          keys.add(x + y + z);
        }
      }
    }
    Path base = root.toAbsolutePath().normalize();
    int accepted = 0;
    for (String key : keys) {
      Path p;
      try {
        p = SafePaths.resolve(root, key);
      } catch (UnsafePathException e) {
        continue;
      }
      accepted++;
      Path relative = Path.of(SafePaths.relativeOutputPath(key));
      assertTrue(!relative.isAbsolute() && relative.normalize().equals(relative), key);
      assertTrue(p.startsWith(base) && !p.equals(base), key);
      for (Path segment : relative) {
        assertTrue(!segment.toString().equals(".."), key);
      }
    }
    assertTrue(accepted > 0 && accepted < keys.size(), accepted + " of " + keys.size());
  }
}
