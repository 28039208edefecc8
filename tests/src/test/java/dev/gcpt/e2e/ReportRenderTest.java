package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.report.ReportSamples;
import dev.gcpt.core.report.ReportWriter;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.html as a person sees it: headless Chromium (Debian package {@code chromium}) renders a
 * generated report from disk to a PNG, with every network feature off. The page must render the
 * coverage chart (its "bundled" green) and failures (their red), and name no http(s) URL.
 */
@Tag("e2e")
class ReportRenderTest {
  static final int WIDTH = 1280;
  static final int HEIGHT = 2000;
  static final long RENDER_TIMEOUT_SECONDS = 120;
  /** CSS --ok and --bad of the report: the coverage chart's bundled and failed bars. */
  static final int BUNDLED_GREEN = 0x2E7D32;
  static final int FAILED_RED = 0xC62828;
  static final int MIN_COLORS = 50;

  @TempDir Path dir;

  static Optional<Path> chromium() {
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        Path p = Path.of(d, name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void chromiumRendersTheReportWithItsCharts() throws Exception {
    Optional<Path> chromium = chromium();
    Assumptions.assumeTrue(chromium.isPresent(), "chromium is not installed (Debian package chromium): skipping");
    byte[] html = ReportWriter.write(ReportSamples.sample());
    String text = new String(html, StandardCharsets.UTF_8);
    assertFalse(text.contains("http://") || text.contains("https://"), "no http(s) reference in the page");
    Path page = dir.resolve(ReportWriter.FILE_NAME);
    Files.write(page, html);
    Path png = dir.resolve("report.png");
    Path log = dir.resolve("chromium.log");
    Process p = new ProcessBuilder(chromium.get().toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + dir.resolve("profile"), "--screenshot=" + png,
        "--window-size=" + WIDTH + "," + HEIGHT, page.toUri().toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(p.waitFor(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS), "chromium did not finish: " + Files.readString(log));
    } finally {
      p.destroyForcibly();
    }
    assertTrue(Files.exists(png), "no screenshot; chromium said: " + Files.readString(log));
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(WIDTH, img.getWidth());
    assertEquals(HEIGHT, img.getHeight());
    Set<Integer> colors = new HashSet<>();
    boolean green = false;
    boolean red = false;
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        colors.add(rgb);
        green |= rgb == BUNDLED_GREEN;
        red |= rgb == FAILED_RED;
      }
    }
    assertTrue(colors.size() > MIN_COLORS, "a page with text and charts, not a blank one: " + colors.size() + " colors");
    assertTrue(green, "the coverage chart's bundled bars are drawn");
    assertTrue(red, "the coverage chart's failed bar is drawn");
    assertTrue(Files.size(png) > 20_000, "non-trivial PNG: " + Files.size(png) + " bytes");
  }
}
