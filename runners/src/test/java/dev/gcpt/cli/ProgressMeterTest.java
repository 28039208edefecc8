package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProgressMeterTest {
  static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void lineHasCountsBytesRateAndEta() {
    ProgressMeter m = new ProgressMeter(new PrintWriter(new StringWriter()), "bundles", true, () -> 0L);
    assertEquals("  10/40 bundles, 100.0 MiB, 10.0 MiB/s, ETA 0:30", m.line(10, 40, 100L << 20, 10 * SECOND));
    assertEquals("  0/40 bundles, 0 B", m.line(0, 40, 0, SECOND));
    assertEquals("  40/40 bundles, 1.0 GiB, 1.0 MiB/s, done in 17:04", m.line(40, 40, 1L << 30, 1024 * SECOND));
    assertEquals("1:02:05", ProgressMeter.duration(3725));
  }

  @Test
  void rewritesOneLineOnATerminalAtMostEveryInterval() {
    StringWriter w = new StringWriter();
    long[] now = {0};
    ProgressMeter m = new ProgressMeter(new PrintWriter(w), "bundles", true, () -> now[0]);
    now[0] = SECOND;
    m.update(1, 3, 0);
    now[0] += ProgressMeter.INTERVAL_NANOS / 2;
    m.update(2, 3, 0); // too soon: not printed
    now[0] = 2 * SECOND;
    m.update(3, 3, 0);
    m.finish();
    assertEquals("\r  1/3 bundles, 0 B, ETA 0:02\r  3/3 bundles, 0 B, done in 0:02\n", w.toString());
  }

  @Test
  void quietWhenNotATerminal() {
    StringWriter w = new StringWriter();
    ProgressMeter m = new ProgressMeter(new PrintWriter(w), "bundles", false, System::nanoTime);
    m.update(1, 2, 3);
    m.update(2, 2, 3);
    m.finish();
    assertEquals("", w.toString());
    // tests run without a console: the factory picks the quiet mode
    assertEquals(System.console() != null, ProgressMeter.forTerminal(new PrintWriter(w), "x").enabled());
  }
}
