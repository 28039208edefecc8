package dev.gcpt.core.report;

import java.util.Locale;
import java.util.function.LongFunction;

/**
 * Inline SVG for the report: a few primitives and the two chart kinds it draws (stacked
 * horizontal bars, histograms). The {@code <svg>} element needs no namespace attribute inside
 * HTML, so the output names no URL. Coordinates are printed with one decimal in the root locale,
 * so the same numbers give the same bytes.
 */
final class Svg {
  static final int WIDTH = 960;
  private static final int HIST_HEIGHT = 240;
  private static final int HIST_LEFT = 56;
  private static final int HIST_RIGHT = 16;
  private static final int HIST_TOP = 16;
  private static final int HIST_BOTTOM = 44;
  private static final int X_LABELS = 6;
  private static final int Y_TICKS = 4;

  private final StringBuilder b = new StringBuilder();

  Svg(int width, int height, String label) {
    b.append("<svg class=\"chart\" width=\"").append(width).append("\" height=\"").append(height)
        .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" role=\"img\" aria-label=\"")
        .append(Html.text(label)).append("\">\n");
  }

  static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  Svg rect(double x, double y, double w, double h, String cls, String title) {
    b.append("<rect class=\"").append(cls).append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y))
        .append("\" width=\"").append(num(Math.max(0, w))).append("\" height=\"").append(num(Math.max(0, h)))
        .append('"');
    if (title == null) {
      b.append("/>\n");
    } else {
      b.append("><title>").append(Html.text(title)).append("</title></rect>\n");
    }
    return this;
  }

  Svg text(double x, double y, String anchor, String cls, String s) {
    b.append("<text class=\"").append(cls).append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y))
        .append("\" text-anchor=\"").append(anchor).append("\">").append(Html.text(s)).append("</text>\n");
    return this;
  }

  Svg line(double x1, double y1, double x2, double y2, String cls) {
    b.append("<line class=\"").append(cls).append("\" x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1))
        .append("\" x2=\"").append(num(x2)).append("\" y2=\"").append(num(y2)).append("\"/>\n");
    return this;
  }

  String end() {
    return b.append("</svg>\n").toString();
  }

  /**
   * A histogram of {@code values} in at most {@code bins} equal-width bins between the smallest
   * and the largest value; x labels via {@code label}.
   */
  static String histogram(long[] values, int bins, LongFunction<String> label, String what, String barClass) {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (long v : values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    Svg s = new Svg(WIDTH, HIST_HEIGHT, "histogram of " + what);
    double plotW = WIDTH - HIST_LEFT - HIST_RIGHT;
    double plotH = HIST_HEIGHT - HIST_TOP - HIST_BOTTOM;
    double baseY = HIST_TOP + plotH;
    if (values.length == 0) {
      s.text(WIDTH / 2.0, HIST_HEIGHT / 2.0, "middle", "muted", "no data");
      return s.end();
    }
    long span = max - min + 1;
    int n = (int) Math.max(1, Math.min(bins, span));
    long width = (span + n - 1) / n;
    long[] counts = new long[n];
    for (long v : values) {
      counts[(int) Math.min(n - 1, (v - min) / width)]++;
    }
    long top = Y_TICKS;
    for (long c : counts) {
      top = Math.max(top, c);
    }
    top = (top + Y_TICKS - 1) / Y_TICKS * Y_TICKS; // integer tick labels
    for (int t = 0; t <= Y_TICKS; t++) {
      double y = baseY - plotH * t / Y_TICKS;
      s.line(HIST_LEFT, y, HIST_LEFT + plotW, y, "grid");
      s.text(HIST_LEFT - 6, y + 4, "end", "axis", Long.toString(top / Y_TICKS * t));
    }
    double barW = plotW / n;
    for (int i = 0; i < n; i++) {
      long lo = min + i * width;
      long hi = Math.min(max, lo + width - 1);
      double h = plotH * counts[i] / top;
      s.rect(HIST_LEFT + i * barW + 1, baseY - h, barW - 2, h, barClass,
          counts[i] + " bundle(s) from " + label.apply(lo) + " to " + label.apply(hi));
    }
    s.line(HIST_LEFT, baseY, HIST_LEFT + plotW, baseY, "axisline");
    int step = Math.max(1, n / X_LABELS);
    for (int i = 0; i <= n; i += step) {
      double x = HIST_LEFT + i * barW;
      s.line(x, baseY, x, baseY + 4, "axisline");
      s.text(x, baseY + 18, i == 0 ? "start" : (i == n ? "end" : "middle"), "axis", label.apply(min + i * width));
    }
    s.text(HIST_LEFT + plotW / 2, HIST_HEIGHT - 6, "middle", "axis", what + " (bundles per bin)");
    return s.end();
  }
}
