package dev.gcpt.core.set;

import java.util.Comparator;

/**
 * Orders SimPoint point keys numerically when both are decimal digit strings ({@code 9} before
 * {@code 31}), without overflow for any length; other keys sort after them by string order.
 */
public final class PointOrder {
  /** The order every writer and index of this package uses for points. */
  public static final Comparator<String> NUMERIC = PointOrder::compare;

  private PointOrder() {}

  private static int compare(String a, String b) {
    boolean da = isDigits(a);
    boolean db = isDigits(b);
    if (da && db) {
      String sa = canonical(a);
      String sb = canonical(b);
      int byLength = Integer.compare(sa.length(), sb.length());
      if (byLength != 0) {
        return byLength;
      }
      int byValue = sa.compareTo(sb);
      return byValue != 0 ? byValue : a.compareTo(b);
    }
    if (da != db) {
      return da ? -1 : 1;
    }
    return a.compareTo(b);
  }

  static boolean isDigits(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** A digit string without its leading zeros ({@code 007} → {@code 7}, {@code 0} stays). */
  static String canonical(String digits) {
    int i = 0;
    while (i < digits.length() - 1 && digits.charAt(i) == '0') {
      i++;
    }
    return digits.substring(i);
  }
}
