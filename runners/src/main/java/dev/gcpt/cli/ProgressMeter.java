package dev.gcpt.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One progress line for long commands: done/total, bytes, rate and ETA, rewritten in place
 * ({@code \r}) at most every {@link #INTERVAL_NANOS} on a terminal. Quiet when the command's
 * output is not a terminal ({@code System.console() == null}): logs and pipes get no progress
 * lines, only the command's results.
 */
final class ProgressMeter {
  static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long SECONDS_PER_HOUR = 3600;
  private static final long SECONDS_PER_MINUTE = 60;

  private final PrintWriter out;
  private final String unit;
  private final boolean enabled;
  private final LongSupplier clock;
  private final long start;
  private long lastPrinted;
  private int lastLength;

  ProgressMeter(PrintWriter out, String unit, boolean enabled, LongSupplier clock) {
    this.out = out;
    this.unit = unit;
    this.enabled = enabled;
    this.clock = clock;
    this.start = clock.getAsLong();
    this.lastPrinted = start - INTERVAL_NANOS; // the first update prints
  }

  /** A meter that prints only when this JVM has a terminal. */
  static ProgressMeter forTerminal(PrintWriter out, String unit) {
    return new ProgressMeter(out, unit, System.console() != null, System::nanoTime);
  }

  boolean enabled() {
    return enabled;
  }

  /** Reports progress; prints when enabled and the interval has passed (or the work is done). */
  void update(long done, long total, long bytes) {
    if (!enabled) {
      return;
    }
    long now = clock.getAsLong();
    if (now - lastPrinted < INTERVAL_NANOS && done < total) {
      return;
    }
    lastPrinted = now;
    String line = line(done, total, bytes, now - start);
    int pad = Math.max(0, lastLength - line.length());
    out.print("\r" + line + " ".repeat(pad));
    out.flush();
    lastLength = line.length();
  }

  /** Ends the progress line (a newline after the last update, if any was printed). */
  void finish() {
    if (enabled && lastLength > 0) {
      out.println();
      out.flush();
      lastLength = 0;
    }
  }

  /** "  12/40 bundles, 1.2 GiB, 45.3 MiB/s, ETA 1:05" (rate and ETA once there is something to go by). */
  String line(long done, long total, long bytes, long elapsedNanos) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "  %d/%d %s, %s", done, total, unit, Sizes.human(bytes)));
    double secs = elapsedNanos / (double) NANOS_PER_SECOND;
    if (secs > 0 && bytes > 0) {
      b.append(String.format(Locale.ROOT, ", %.1f MiB/s", bytes / secs / (1 << 20)));
    }
    if (done > 0 && total > done) {
      long eta = Math.round(secs * (total - done) / done);
      b.append(", ETA ").append(duration(eta));
    } else if (total > 0 && done >= total) {
      b.append(", done in ").append(duration(Math.round(secs)));
    }
    return b.toString();
  }

  /** 65 → "1:05", 3725 → "1:02:05". */
  static String duration(long seconds) {
    long h = seconds / SECONDS_PER_HOUR;
    long m = seconds % SECONDS_PER_HOUR / SECONDS_PER_MINUTE;
    long s = seconds % SECONDS_PER_MINUTE;
    return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
  }
}
