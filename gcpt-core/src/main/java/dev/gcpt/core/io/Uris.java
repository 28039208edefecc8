package dev.gcpt.core.io;

import java.util.regex.Pattern;

/** What may be shown of a URI: never the credentials a user wrote into it. */
public final class Uris {
  /** {@code scheme://user:password@} or {@code scheme://token@}: the user-info part of any URI in a text. */
  private static final Pattern USER_INFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s\"']+@");

  private Uris() {}

  /** {@code text} with the user-info of every URI in it replaced by {@code ***}. */
  public static String redact(String text) {
    return text == null ? null : USER_INFO.matcher(text).replaceAll("$1***@");
  }

  /** {@code text} with the user-info of every URI in it removed: the place it names, to compare. */
  public static String withoutUserInfo(String text) {
    return text == null ? null : USER_INFO.matcher(text).replaceAll("$1");
  }

  /**
   * Whether {@code uri} is on the local disk: a path (no scheme) or a {@code file:} URI. The one
   * rule; everything else ({@code s3://}, …) goes through an object store.
   */
  public static boolean isLocal(String uri) {
    return !uri.contains("://") || uri.regionMatches(true, 0, "file:", 0, 5);
  }

  /**
   * The local path {@code uri} names ({@link #isLocal}): a path as it is, a {@code file:} URI
   * decoded ({@code file:///tmp/x}, {@code file:/tmp/x}).
   *
   * @throws IllegalArgumentException for a URI of another scheme
   */
  public static java.nio.file.Path localPath(String uri) {
    if (!isLocal(uri)) {
      throw new IllegalArgumentException("not a local path or file: URI: " + uri);
    }
    if (uri.regionMatches(true, 0, "file:", 0, 5)) {
      return java.nio.file.Path.of(java.net.URI.create(uri));
    }
    return java.nio.file.Path.of(uri);
  }
}
