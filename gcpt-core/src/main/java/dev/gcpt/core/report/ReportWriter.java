package dev.gcpt.core.report;

import dev.gcpt.core.layout.Variant;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes {@code report.html}: one static, self-contained page (inline CSS and SVG, a few lines
 * of inline JavaScript to sort tables; no fetch of any kind) that opens from disk or from an
 * object store. Sections: totals, coverage per workload (chart and table), sizes (histogram),
 * restorers, producer variants, failures, notes, every bundle, and last, between {@link
 * #RUN_BEGIN} and {@link #RUN_END}, this run's timing.
 *
 * <p>Deterministic: the same {@link SetReport} gives the same bytes, and everything outside the
 * run section depends only on the set, so two runs (or two runners) over the same set write
 * reports that are equal after {@link #withoutRunSection}.
 */
public final class ReportWriter {
  public static final String FILE_NAME = "report.html";
  /** What an object store should serve it as, so a browser shows it instead of downloading it. */
  public static final String CONTENT_TYPE = "text/html; charset=utf-8";
  /** Marks the start of the run-specific section (statuses and times). */
  public static final String RUN_BEGIN = "<!-- gcpt:run-begin -->";
  /** Marks the end of the run-specific section. */
  public static final String RUN_END = "<!-- gcpt:run-end -->";

  private static final int HISTOGRAM_BINS = 24;
  private static final int SLOWEST_SHOWN = 10;
  private static final int SHA_SHOWN = 12;
  private static final int COVERAGE_LABEL_X = 190;
  private static final int COVERAGE_BAR_X = 200;
  private static final int COVERAGE_BAR_W = 500;
  private static final int COVERAGE_ROW = 30;
  private static final int COVERAGE_TOP = 34;
  private static final int POINT_BAR_H = 14;
  private static final int WEIGHT_BAR_H = 5;

  private ReportWriter() {}

  /** The page as UTF-8 bytes. */
  public static byte[] write(SetReport report) {
    return html(report).getBytes(StandardCharsets.UTF_8);
  }

  /** {@code html} with the run section (markers included) cut out: what two runs of one set share. */
  public static String withoutRunSection(String html) {
    int b = html.indexOf(RUN_BEGIN);
    int e = html.indexOf(RUN_END);
    if (b < 0 || e < b) {
      return html;
    }
    return html.substring(0, b) + html.substring(e + RUN_END.length());
  }

  /** The page. */
  public static String html(SetReport report) {
    SetStats s = new SetStats(report);
    StringBuilder h = new StringBuilder(1 << 16);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>gcpt report: ").append(Html.text(report.input())).append("</title>\n")
        .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    h.append("<header><h1>gcpt set report</h1><p class=\"sub mono\">").append(Html.text(report.input()))
        .append("</p>\n<nav>").append(nav()).append("</nav></header>\n<main>\n");
    totals(h, s);
    coverage(h, s);
    sizes(h, s);
    restorers(h, s);
    variants(h, s);
    failures(h, s);
    notes(h, s);
    bundles(h, s);
    h.append(RUN_BEGIN).append('\n');
    run(h, s, report.run());
    h.append(RUN_END).append('\n');
    h.append("</main>\n<footer>Written by gcpt with the set files (set.json, failures.jsonl). Everything above "
        + "<em>This run</em> depends only on the set; <em>This run</em> differs from run to run. Click a table "
        + "header to sort.</footer>\n");
    h.append("<script>\n").append(SORT_SCRIPT).append("</script>\n</body>\n</html>\n");
    return h.toString();
  }

  private static String nav() {
    String[][] links = {{"coverage", "Coverage"}, {"sizes", "Sizes"}, {"restorers", "Restorers"},
        {"variants", "Variants"}, {"failures", "Failures"}, {"notes", "Notes"}, {"bundles", "Bundles"},
        {"run", "This run"}};
    StringBuilder b = new StringBuilder();
    for (String[] l : links) {
      b.append("<a href=\"#").append(l[0]).append("\">").append(l[1]).append("</a>");
    }
    return b.toString();
  }

  // ------------------------------------------------------------------ totals

  private static void totals(StringBuilder h, SetStats s) {
    BigDecimal wBundled = BigDecimal.ZERO;
    BigDecimal wExpected = BigDecimal.ZERO;
    for (SetStats.Workload w : s.workloads.values()) {
      wBundled = wBundled.add(w.bundledWeight);
      wExpected = wExpected.add(w.expectedWeight());
    }
    h.append("<section id=\"totals\" class=\"cards\">\n");
    card(h, "inputs", Html.count(s.inputs()), "bundles + failures");
    card(h, "bundles", Html.count(s.bundles.size()), Html.percent(s.bundles.size(), s.inputs()) + " of inputs");
    card(h, "failures", Html.count(s.inputFailures),
        s.metadataErrors > 0 ? s.metadataErrors + " metadata error(s) besides" : reasonsLine(s));
    card(h, "workloads", Html.count(s.workloads.size()), Html.count(s.bundledPoints()) + " of "
        + Html.count(s.expectedPoints()) + " points bundled");
    card(h, "weight covered", Html.percent(wBundled, wExpected), "Σ bundled weights / Σ expected weights, all workloads");
    card(h, "source read", Html.bytes(s.sourceBytes), "compressed checkpoints");
    card(h, "images", Html.bytes(s.imageBytes), Html.bytes(s.rawBytes) + " raw, "
        + ratio(s.rawBytes, s.imageBytes) + " smaller");
    card(h, "restorers", Html.count(s.restorers.size()), "distinct, shared by " + Html.count(s.bundles.size())
        + " bundles");
    h.append("</section>\n");
  }

  private static String reasonsLine(SetStats s) {
    List<String> parts = new ArrayList<>();
    s.failuresByReason.forEach((r, n) -> parts.add(r + " " + n));
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  private static void card(StringBuilder h, String label, String value, String detail) {
    h.append("<div class=\"card\"><div class=\"k\">").append(Html.text(label)).append("</div><div class=\"v\">")
        .append(Html.text(value)).append("</div><div class=\"d\">").append(Html.text(detail)).append("</div></div>\n");
  }

  private static String ratio(long raw, long image) {
    return image <= 0 ? "–" : String.format(Locale.ROOT, "%.1f×", (double) raw / image);
  }

  // ------------------------------------------------------------------ coverage

  private static void coverage(StringBuilder h, SetStats s) {
    h.append("<section id=\"coverage\"><h2>Coverage per workload</h2>\n<p class=\"muted\">Expected points are the "
        + "points of the metadata: bundled, failed (a checkpoint was found but rejected) or missing (no checkpoint "
        + "file). The thin bar is the weight covered: the sum of the bundled points' weights over the sum of the "
        + "expected points' weights.</p>\n");
    List<SetStats.Workload> ws = new ArrayList<>(s.workloads.values());
    int height = COVERAGE_TOP + COVERAGE_ROW * Math.max(1, ws.size()) + 4;
    Svg svg = new Svg(Svg.WIDTH, height, "coverage per workload");
    double lx = COVERAGE_BAR_X;
    svg.rect(lx, 8, 12, 12, "ok", null).text(lx + 16, 18, "start", "legend", "bundled");
    svg.rect(lx + 90, 8, 12, 12, "bad", null).text(lx + 106, 18, "start", "legend", "failed");
    svg.rect(lx + 170, 8, 12, 12, "miss", null).text(lx + 186, 18, "start", "legend", "missing");
    svg.rect(lx + 260, 12, 24, WEIGHT_BAR_H, "wt", null).text(lx + 290, 18, "start", "legend", "weight covered");
    if (ws.isEmpty()) {
      svg.text(Svg.WIDTH / 2.0, COVERAGE_TOP + 18, "middle", "muted", "no workloads");
    }
    for (int i = 0; i < ws.size(); i++) {
      SetStats.Workload w = ws.get(i);
      double y = COVERAGE_TOP + i * COVERAGE_ROW;
      int expected = Math.max(1, w.expected());
      double okW = COVERAGE_BAR_W * w.bundled.size() / (double) expected;
      double badW = COVERAGE_BAR_W * w.failedOnly() / (double) expected;
      double missW = COVERAGE_BAR_W * w.missingOnly() / (double) expected;
      svg.text(COVERAGE_LABEL_X, y + 12, "end", "label", w.name);
      svg.rect(COVERAGE_BAR_X, y, COVERAGE_BAR_W, POINT_BAR_H, "track", null);
      if (okW > 0) {
        svg.rect(COVERAGE_BAR_X, y, okW, POINT_BAR_H, "ok", w.name + ": " + w.bundled.size() + " point(s) bundled");
      }
      if (badW > 0) {
        svg.rect(COVERAGE_BAR_X + okW, y, badW, POINT_BAR_H, "bad", w.name + ": " + w.failedOnly() + " failed");
      }
      if (missW > 0) {
        svg.rect(COVERAGE_BAR_X + okW + badW, y, missW, POINT_BAR_H, "miss", w.name + ": " + w.missingOnly()
            + " missing");
      }
      BigDecimal ew = w.expectedWeight();
      double wf = Math.min(1, Html.fraction(w.bundledWeight, ew));
      svg.rect(COVERAGE_BAR_X, y + POINT_BAR_H + 3, COVERAGE_BAR_W, WEIGHT_BAR_H, "track", null);
      svg.rect(COVERAGE_BAR_X, y + POINT_BAR_H + 3, COVERAGE_BAR_W * wf, WEIGHT_BAR_H, "wt",
          w.name + ": weight " + Html.weight(w.bundledWeight) + " of " + Html.weight(ew));
      svg.text(COVERAGE_BAR_X + COVERAGE_BAR_W + 10, y + 12, "start", "label", w.bundled.size() + "/" + w.expected()
          + " points · weight " + Html.percent(w.bundledWeight, ew));
    }
    h.append("<div class=\"chartbox\">").append(svg.end()).append("</div>\n");
    h.append("<table class=\"sortable\"><thead><tr><th>workload</th><th class=\"n\">insts</th>"
        + "<th class=\"n\">expected</th><th class=\"n\">bundled</th><th class=\"n\">failed</th>"
        + "<th class=\"n\">missing</th><th class=\"n\">points</th><th class=\"n\">Σ weight bundled / expected</th>"
        + "<th class=\"n\">weight</th><th class=\"n\">image</th>"
        + "<th>variants</th></tr></thead>\n<tbody>\n");
    for (SetStats.Workload w : ws) {
      BigDecimal ew = w.expectedWeight();
      h.append("<tr><td>").append(Html.text(w.name)).append("</td>")
          .append(w.insts == null ? "<td class=\"n\">–</td>" : numCell(w.insts, w.insts))
          .append(numCell(w.expected())).append(numCell(w.bundled.size())).append(numCell(w.failedOnly()))
          .append(numCell(w.missingOnly()))
          .append(numCell(Html.percent(w.bundled.size(), w.expected()), ratioKey(w.bundled.size(), w.expected())))
          .append(numCell(Html.weight(w.bundledWeight) + " / " + Html.weight(ew) + (w.weightsComplete() ? "" : "+"),
              Html.weight(w.bundledWeight)))
          .append(numCell(Html.percent(w.bundledWeight, ew), Double.toString(Html.fraction(w.bundledWeight, ew))))
          .append(bytesCell(w.imageBytes))
          .append("<td class=\"nowrap\">").append(Html.text(String.join(" ", w.variants))).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n");
    if (ws.stream().anyMatch(w -> !w.weightsComplete())) {
      h.append("<p class=\"muted\">+ : some expected points have no known weight (a failed file whose name "
          + "carries none); the expected weight is a lower bound.</p>\n");
    }
    h.append("</section>\n");
  }

  private static String ratioKey(long part, long whole) {
    return whole <= 0 ? "0" : Double.toString((double) part / whole);
  }

  // ------------------------------------------------------------------ sizes

  private static void sizes(StringBuilder h, SetStats s) {
    h.append("<section id=\"sizes\"><h2>Sizes</h2>\n");
    long[] images = s.bundles.stream().mapToLong(SetReport.Bundle::imageBytes).sorted().toArray();
    long[] raws = s.bundles.stream().mapToLong(SetReport.Bundle::rawBytes).sorted().toArray();
    h.append("<table><thead><tr><th></th><th class=\"n\">total</th><th class=\"n\">smallest</th>"
        + "<th class=\"n\">median</th><th class=\"n\">largest</th></tr></thead><tbody>\n");
    long[] sources = s.bundles.stream().mapToLong(SetReport.Bundle::sourceBytes).sorted().toArray();
    sizeRow(h, "source checkpoints (compressed)", sources);
    sizeRow(h, "images, raw", raws);
    sizeRow(h, "images, compressed", images);
    h.append("</tbody></table>\n<p>Compression: ").append(ratio(s.rawBytes, s.imageBytes))
        .append(" (raw / compressed image); images are ").append(Html.percent(s.imageBytes, s.sourceBytes))
        .append(" of the sources' compressed size.</p>\n");
    h.append("<h3>Compressed image size</h3>\n<div class=\"chartbox\">")
        .append(Svg.histogram(images, HISTOGRAM_BINS, Html::bytes, "compressed image size", "bar"))
        .append("</div>\n</section>\n");
  }

  private static void sizeRow(StringBuilder h, String label, long[] sorted) {
    long total = 0;
    for (long v : sorted) {
      total += v;
    }
    h.append("<tr><td>").append(label).append("</td>").append(bytesCell(total));
    if (sorted.length == 0) {
      h.append("<td class=\"n\">–</td><td class=\"n\">–</td><td class=\"n\">–</td></tr>\n");
      return;
    }
    h.append(bytesCell(sorted[0])).append(bytesCell(sorted[sorted.length / 2]))
        .append(bytesCell(sorted[sorted.length - 1])).append("</tr>\n");
  }

  // ------------------------------------------------------------------ restorers and variants

  private static void restorers(StringBuilder h, SetStats s) {
    h.append("<section id=\"restorers\"><h2>Restorers</h2>\n<p class=\"muted\">Each distinct restorer is stored "
        + "once as restorers/&lt;sha256&gt;.bin and embedded at offset 0 of every image that uses it.</p>\n");
    List<SetStats.RestorerUse> rs = new ArrayList<>(s.restorers.values());
    rs.sort(Comparator.comparingLong(SetStats.RestorerUse::bundles).reversed()
        .thenComparing(u -> u.restorer().sha256()));
    h.append("<table class=\"sortable\"><thead><tr><th>sha256</th><th>origin</th><th class=\"n\">size</th>"
        + "<th>parameters</th><th class=\"n\">bundles</th></tr></thead><tbody>\n");
    for (SetStats.RestorerUse u : rs) {
      SetReport.Restorer r = u.restorer();
      h.append("<tr><td class=\"mono\" title=\"").append(Html.text(r.sha256())).append("\">")
          .append(Html.text(shortSha(r.sha256()))).append("</td><td>").append(Html.text(r.origin())).append("</td>")
          .append(numCell(Html.count(r.size()) + " B", Long.toString(r.size()))).append("<td class=\"params\">");
      Map<String, Object> params = r.parameters() == null ? Map.of() : new TreeMap<>(r.parameters());
      params.forEach((k, v) -> h.append("<span class=\"param\"><b>").append(Html.text(k)).append("</b> ")
          .append(Html.text(String.valueOf(v))).append("</span> "));
      h.append("</td>").append(numCell(u.bundles())).append("</tr>\n");
    }
    h.append("</tbody></table>\n</section>\n");
  }

  private static void variants(StringBuilder h, SetStats s) {
    h.append("<section id=\"variants\"><h2>Producer variants</h2>\n<table><thead><tr><th>variant</th>"
        + "<th>producer layout</th><th class=\"n\">bundles</th><th>harts per bundle</th></tr></thead><tbody>\n");
    s.variants.forEach((name, v) -> {
      List<String> harts = new ArrayList<>();
      v.harts.forEach((n, c) -> harts.add(n + " hart" + (n == 1 ? "" : "s") + " × " + c));
      h.append("<tr><td>").append(Html.text(name)).append("</td><td>").append(Html.text(producer(name)))
          .append("</td>").append(numCell(v.bundles)).append("<td>").append(Html.text(String.join(", ", harts)))
          .append("</td></tr>\n");
    });
    h.append("</tbody></table>\n</section>\n");
  }

  private static String producer(String variant) {
    for (Variant v : Variant.values()) {
      if (v.name().equals(variant)) {
        return v.producerName();
      }
    }
    return "?";
  }

  // ------------------------------------------------------------------ failures and notes

  private static void failures(StringBuilder h, SetStats s) {
    h.append("<section id=\"failures\"><h2>Failures</h2>\n");
    if (s.failures.isEmpty()) {
      h.append("<p class=\"good\">Every input became a bundle.</p>\n</section>\n");
      return;
    }
    Map<String, long[]> byReason = new TreeMap<>();
    for (SetReport.Failure f : s.failures) {
      byReason.computeIfAbsent(f.stage() + "\u0000" + f.reason(), k -> new long[1])[0]++;
    }
    h.append("<table><thead><tr><th>stage</th><th>reason</th><th class=\"n\">inputs</th></tr></thead><tbody>\n");
    byReason.forEach((k, n) -> {
      String[] sr = k.split("\u0000", 2);
      h.append("<tr><td>").append(Html.text(sr[0])).append("</td><td class=\"mono\">").append(Html.text(sr[1]))
          .append("</td>").append(numCell(n[0])).append("</tr>\n");
    });
    h.append("</tbody></table>\n<h3>Every failure</h3>\n<table class=\"sortable\"><thead><tr><th>input</th>"
        + "<th>stage</th><th>reason</th><th>message</th></tr></thead><tbody>\n");
    for (SetReport.Failure f : s.failures) {
      h.append("<tr><td class=\"mono wrap\">").append(Html.text(f.uri())).append("</td><td>")
          .append(Html.text(f.stage())).append("</td><td class=\"mono\">").append(Html.text(f.reason()))
          .append("</td><td class=\"wrap\">").append(Html.text(f.message())).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n</section>\n");
  }

  private static void notes(StringBuilder h, SetStats s) {
    h.append("<section id=\"notes\"><h2>Notes</h2>\n");
    if (s.notes.isEmpty()) {
      h.append("<p class=\"muted\">No notes: files and metadata agree.</p>\n</section>\n");
      return;
    }
    h.append("<p>");
    List<String> kinds = new ArrayList<>();
    s.notesByKind.forEach((k, n) -> kinds.add("<span class=\"tag\">" + Html.text(k) + " × " + n + "</span>"));
    h.append(String.join(" ", kinds)).append("</p>\n<table class=\"sortable\"><thead><tr><th>kind</th>"
        + "<th>workload</th><th class=\"n\">point</th><th class=\"n\">weight</th><th>detail</th></tr></thead><tbody>\n");
    for (SetReport.Note n : s.notes) {
      h.append("<tr><td class=\"mono\">").append(Html.text(n.kind())).append("</td><td>")
          .append(Html.text(n.workload())).append("</td>").append(numCell(Html.text(n.point()), n.point()))
          .append(numCell(n.weight() == null ? "–" : n.weight(), n.weight() == null ? "0" : n.weight()))
          .append("<td class=\"wrap\">").append(Html.text(n.detail())).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n</section>\n");
  }

  // ------------------------------------------------------------------ bundles

  private static void bundles(StringBuilder h, SetStats s) {
    h.append("<section id=\"bundles\"><h2>Bundles</h2>\n<table class=\"sortable\"><thead><tr><th>workload</th>"
        + "<th class=\"n\">point</th><th class=\"n\">weight</th><th>variant</th><th class=\"n\">harts</th>"
        + "<th class=\"n\">source</th><th class=\"n\">raw</th><th class=\"n\">image</th><th class=\"n\">ratio</th>"
        + "<th>restorer</th><th>image path</th></tr></thead><tbody>\n");
    for (SetReport.Bundle b : s.bundles) {
      h.append("<tr><td>").append(Html.text(b.workload())).append("</td>").append(numCell(b.point(), b.point()))
          .append(numCell(b.weight() == null ? "–" : b.weight() + weightMark(b.weightSource()),
              b.weight() == null ? "0" : b.weight()))
          .append("<td>").append(Html.text(b.variant())).append("</td>").append(numCell(b.harts()))
          .append(bytesCell(b.sourceBytes())).append(bytesCell(b.rawBytes())).append(bytesCell(b.imageBytes()))
          .append(numCell(ratio(b.rawBytes(), b.imageBytes()),
              b.imageBytes() <= 0 ? "0" : Double.toString((double) b.rawBytes() / b.imageBytes())))
          .append("<td class=\"mono\" title=\"").append(Html.text(b.restorer().sha256())).append("\">")
          .append(Html.text(shortSha(b.restorer().sha256()))).append("</td><td class=\"mono wrap\">")
          .append(Html.text(b.image()))
          .append(b.flashImage() == null ? "" : "<br>flash: " + Html.text(b.flashImage())).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n<p class=\"muted\">* weight from the file name (the metadata has none for this "
        + "point).");
    long flash = s.bundles.stream().filter(b -> b.flashImage() != null).count();
    if (flash > 0) {
      h.append(" ").append(flash).append(" flash checkpoint(s): each bundle also holds a flash image, whose restorer "
          + "runs in place from the flash at 0x10000000 (the emu's -F, NEMU's --flash-image).");
    }
    h.append("</p>\n</section>\n");
  }

  private static String weightMark(String source) {
    return "file-name".equals(source) ? "*" : "";
  }

  // ------------------------------------------------------------------ this run

  private static void run(StringBuilder h, SetStats s, SetReport.Run run) {
    h.append("<section id=\"run\" class=\"run\"><h2>This run</h2>\n<p class=\"muted\">Statuses and times of the "
        + "run that wrote this report: they differ from run to run (and between runners) while everything above "
        + "stays the same. Time per checkpoint includes reading, normalizing, compressing and writing.</p>\n");
    List<SetReport.Timing> ts = new ArrayList<>(run.timings());
    ts.sort(Comparator.comparing(SetReport.Timing::workload)
        .thenComparing(SetReport.Timing::point, dev.gcpt.core.set.PointOrder.NUMERIC));
    Map<String, Long> statuses = new TreeMap<>();
    long millis = 0;
    long rawDone = 0;
    for (SetReport.Timing t : ts) {
      statuses.merge(t.status(), 1L, Long::sum);
      millis += t.millis();
      if (!"UP_TO_DATE".equals(t.status())) {
        rawDone += t.rawBytes();
      }
    }
    h.append("<div class=\"cards\">\n");
    List<String> st = new ArrayList<>();
    statuses.forEach((k, n) -> st.add(k.toLowerCase(Locale.ROOT).replace('_', '-') + " " + n));
    card(h, "bundles this run", Html.count(ts.size()), st.isEmpty() ? "none" : String.join(", ", st));
    card(h, "checkpoint time", Html.seconds(millis), "summed over checkpoints (workers run in parallel)");
    long[] ms = ts.stream().mapToLong(SetReport.Timing::millis).sorted().toArray();
    card(h, "per checkpoint", ms.length == 0 ? "–" : Html.seconds(ms[ms.length / 2]),
        ms.length == 0 ? "" : "median; slowest " + Html.seconds(ms[ms.length - 1]));
    card(h, "throughput", Html.rate(rawDone, millis), "raw bytes built per checkpoint-second");
    h.append("</div>\n<h3>Time per checkpoint</h3>\n<div class=\"chartbox\">")
        .append(Svg.histogram(ms, HISTOGRAM_BINS, v -> Html.seconds(v), "time per checkpoint", "time"))
        .append("</div>\n");
    List<SetReport.Timing> slow = new ArrayList<>(ts);
    slow.sort(Comparator.comparingLong(SetReport.Timing::millis).reversed());
    h.append("<h3>Slowest</h3>\n<table><thead><tr><th>workload</th><th class=\"n\">point</th><th>status</th>"
        + "<th class=\"n\">time</th><th class=\"n\">raw</th><th class=\"n\">rate</th></tr></thead><tbody>\n");
    for (SetReport.Timing t : slow.subList(0, Math.min(SLOWEST_SHOWN, slow.size()))) {
      h.append("<tr><td>").append(Html.text(t.workload())).append("</td>").append(numCell(t.point(), t.point()))
          .append("<td>").append(Html.text(t.status())).append("</td>")
          .append(numCell(Html.seconds(t.millis()), Long.toString(t.millis()))).append(bytesCell(t.rawBytes()))
          .append("<td class=\"n\">").append(Html.rate(t.rawBytes(), t.millis())).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n</section>\n");
  }

  // ------------------------------------------------------------------ cells

  private static String numCell(long n) {
    return numCell(Html.count(n), Long.toString(n));
  }

  /** A right-aligned cell showing {@code shown}, sorted by {@code sortKey}. */
  private static String numCell(String shown, String sortKey) {
    return "<td class=\"n\" data-v=\"" + Html.text(sortKey) + "\">" + Html.text(shown) + "</td>";
  }

  private static String bytesCell(long n) {
    return "<td class=\"n\" data-v=\"" + n + "\" title=\"" + Html.count(n) + " bytes\">" + Html.bytes(n) + "</td>";
  }

  private static String shortSha(String sha) {
    return sha == null ? "" : sha.substring(0, Math.min(SHA_SHOWN, sha.length()));
  }

  private static final String CSS = """
      :root{--ok:#2e7d32;--bad:#c62828;--miss:#b0b7bf;--acc:#1f6feb;--wt:#e3a008;--run:#8250df;
        --fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
      *{box-sizing:border-box}
      body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
        color:var(--fg);background:var(--bg)}
      header{background:#0f2a3f;color:#fff;padding:18px 28px 10px}
      header h1{margin:0;font-size:22px;font-weight:600}
      header .sub{margin:4px 0 10px;color:#b6c6d4}
      nav a{color:#dbe7f1;text-decoration:none;margin-right:16px;font-size:13px}
      nav a:hover{text-decoration:underline}
      main{max-width:1100px;margin:0 auto;padding:16px 24px 8px}
      section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 20px;margin:14px 0}
      section.cards,div.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;background:none;border:0;padding:0}
      div.cards{margin:8px 0 12px}
      .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
      .card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
      .card .v{font-size:24px;font-weight:600;margin:2px 0}
      .card .d{color:var(--muted);font-size:12px}
      h2{font-size:18px;margin:2px 0 8px}
      h3{font-size:14px;margin:14px 0 6px;color:var(--muted)}
      p{margin:6px 0}
      .muted{color:var(--muted)}
      .good{color:var(--ok);font-weight:600}
      .mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12px}
      .wrap{word-break:break-all}
      .nowrap{white-space:nowrap}
      table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
      th,td{padding:4px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
      th{background:#f0f3f6;font-weight:600;white-space:nowrap}
      table.sortable th{cursor:pointer}
      table.sortable th[data-dir=asc]::after{content:" \\25B2";font-size:10px}
      table.sortable th[data-dir=desc]::after{content:" \\25BC";font-size:10px}
      td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
      tbody tr:nth-child(even){background:#fafbfc}
      .param{display:inline-block;margin:0 10px 2px 0;font-size:12px}
      .param b{font-weight:600;color:var(--muted)}
      .tag{display:inline-block;background:#eef1f4;border-radius:10px;padding:1px 9px;margin-right:6px;font-size:12px}
      .chartbox{overflow-x:auto}
      svg.chart{display:block;max-width:100%;height:auto}
      svg text{font-size:12px;fill:var(--fg)}
      svg text.axis{font-size:11px;fill:var(--muted)}
      svg text.legend{font-size:12px;fill:var(--muted)}
      svg text.muted{fill:var(--muted)}
      svg .ok{fill:var(--ok)} svg .bad{fill:var(--bad)} svg .miss{fill:var(--miss)} svg .wt{fill:var(--wt)}
      svg .track{fill:#eef1f4} svg .bar{fill:var(--acc)} svg .time{fill:var(--run)}
      svg .grid{stroke:#eaeef2} svg .axisline{stroke:#8c959f}
      section.run{border-left:4px solid var(--run)}
      footer{max-width:1100px;margin:0 auto;padding:4px 24px 24px;color:var(--muted);font-size:12px}
      """;

  private static final String SORT_SCRIPT = """
      document.querySelectorAll('table.sortable th').forEach(function (th) {
        th.addEventListener('click', function () {
          var table = th.closest('table'), body = table.tBodies[0], i = th.cellIndex;
          var asc = th.dataset.dir !== 'asc';
          table.querySelectorAll('th').forEach(function (x) { delete x.dataset.dir; });
          th.dataset.dir = asc ? 'asc' : 'desc';
          function key(row) { var c = row.cells[i]; return c.dataset.v !== undefined ? c.dataset.v : c.textContent; }
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
            var r = (!isNaN(nx) && !isNaN(ny) && String(nx) !== 'NaN') ? nx - ny : x.localeCompare(y);
            return asc ? r : -r;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
      """;
}
