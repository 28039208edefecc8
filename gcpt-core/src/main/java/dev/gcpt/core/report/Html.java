package dev.gcpt.core.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** Escaping and number formatting for the report (root locale: same numbers, same text). */
final class Html {
  private static final long KIB = 1024;
  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  private static final int PERCENT_SCALE = 4;

  private Html() {}

  /**
   * Text for element content and attribute values. Besides the usual characters, the slashes of
   * {@code ://} are written as character references: they render the same, and the file holds
   * no URL a browser or a scanner could take for a reference to fetch (messages may quote
   * endpoints).
   */
  static String text(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        case ':' -> {
          if (s.startsWith("//", i + 1)) {
            b.append(":&#47;&#47;");
            i += 2;
          } else {
            b.append(c);
          }
        }
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** 1536 → "1.5 KiB"; below 1 KiB in bytes. */
  static String bytes(long n) {
    if (n < KIB) {
      return n + " B";
    }
    double v = n;
    int u = -1;
    while (v >= KIB && u < UNITS.length - 1) {
      v /= KIB;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]);
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** part/whole as a percentage with one decimal ("–" when whole is 0). */
  static String percent(double part, double whole) {
    return whole <= 0 ? "–" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
  }

  static String percent(BigDecimal part, BigDecimal whole) {
    if (whole.signum() == 0) {
      return "–";
    }
    return part.multiply(BigDecimal.valueOf(100)).divide(whole, PERCENT_SCALE, RoundingMode.HALF_EVEN)
        .setScale(1, RoundingMode.HALF_EVEN).toPlainString() + "%";
  }

  static double fraction(BigDecimal part, BigDecimal whole) {
    return whole.signum() == 0 ? 0 : part.divide(whole, PERCENT_SCALE + 2, RoundingMode.HALF_EVEN).doubleValue();
  }

  /** A weight sum, without trailing zeros beyond 6 decimals. */
  static String weight(BigDecimal w) {
    return w.setScale(6, RoundingMode.HALF_EVEN).toPlainString();
  }

  /** Seconds with one decimal from milliseconds. */
  static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  /** "12.3 MiB/s". */
  static String rate(long bytes, long millis) {
    return millis <= 0 ? "–" : bytes((long) (bytes * 1000.0 / millis)) + "/s";
  }
}
