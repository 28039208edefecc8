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
}
