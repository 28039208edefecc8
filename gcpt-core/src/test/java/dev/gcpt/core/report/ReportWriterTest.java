package dev.gcpt.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReportWriterTest {
  static final String HTML = ReportWriter.html(ReportSamples.sample());

  /** The text of the element with this id, up to its closing section tag. */
  static String section(String html, String id) {
    int start = html.indexOf("<section id=\"" + id + "\"");
    assertTrue(start >= 0, "section " + id);
    return html.substring(start, html.indexOf("</section>", start));
  }

  /** The table row whose first cell is {@code first}, as the list of its cells' text. */
  static List<String> row(String html, String first) {
    Matcher m = Pattern.compile("<tr><td[^>]*>" + Pattern.quote(first) + "</td>(.*?)</tr>").matcher(html);
    assertTrue(m.find(), "row " + first);
    List<String> cells = new ArrayList<>();
    cells.add(first);
    Matcher c = Pattern.compile("<td[^>]*>(.*?)</td>").matcher(m.group(1));
    while (c.find()) {
      cells.add(c.group(1));
    }
    return cells;
  }

  @Test
  void totalsCountInputsBundlesFailuresAndWeight() {
    String totals = section(HTML, "totals");
    assertTrue(totals.contains("<div class=\"k\">inputs</div><div class=\"v\">6</div>"), totals);
    assertTrue(totals.contains("<div class=\"k\">bundles</div><div class=\"v\">5</div>"), totals);
    assertTrue(totals.contains("<div class=\"k\">failures</div><div class=\"v\">1</div><div class=\"d\">1 metadata"),
        totals);
    assertTrue(totals.contains("<div class=\"v\">3</div><div class=\"d\">5 of 7 points bundled</div>"), totals);
    // (0.5 + 0.25 + 0.125) + 0.6 + 0.3 = 1.775 of 1.0 + 1.0 + 0.3
    assertTrue(totals.contains("<div class=\"k\">weight covered</div><div class=\"v\">77.2%</div>"), totals);
    assertTrue(totals.contains("<div class=\"k\">restorers</div><div class=\"v\">2</div>"), totals);
  }

  @Test
  void coverageTableHasPointsAndWeightsPerWorkload() {
    String cov = section(HTML, "coverage");
    assertEquals(List.of("gcc", "1000000", "4", "3", "0", "1", "75.0%", "0.875000 / 1.000000", "87.5%", "12.0 MiB", "V1 V3"), row(cov, "gcc"));
    assertEquals(List.of("mcf", "1000000", "2", "1", "1", "0", "50.0%", "0.600000 / 1.000000", "60.0%", "9.0 MiB", "V2"), row(cov, "mcf"));
    assertEquals(List.of("lbm", "–", "1", "1", "0", "0", "100.0%", "0.300000 / 0.300000", "100.0%", "2.0 MiB", "V0"), row(cov, "lbm"));
    assertTrue(cov.contains("<svg class=\"chart\""), cov);
    assertTrue(cov.contains("3/4 points · weight 87.5%"), cov);
    assertTrue(cov.contains("<title>gcc: 1 missing</title>"), cov);
    assertTrue(cov.contains("<title>mcf: 1 failed</title>"), cov);
  }

  @Test
  void restorersVariantsFailuresAndNotes() {
    String rs = section(HTML, "restorers");
    List<String> a = row(rs, "aaaaaaaaaaaa");
    assertEquals("generated", a.get(1));
    assertEquals("2,344 B", a.get(2));
    assertTrue(a.get(3).contains("<b>harts</b> 1") && a.get(3).contains("<b>platform</b> xiangshan"), a.get(3));
    assertEquals("4", a.get(4));
    assertEquals("1", row(rs, "bbbbbbbbbbbb").get(4));
    assertTrue(rs.indexOf("aaaaaaaaaaaa") < rs.indexOf("bbbbbbbbbbbb"), "most used first");

    String vs = section(HTML, "variants");
    assertEquals(List.of("V1", "rvgcvh", "2", "1 hart × 2"), row(vs, "V1"));
    assertEquals(List.of("V2", "qemu-multicore", "1", "2 harts × 1"), row(vs, "V2"));

    String fs = section(HTML, "failures");
    assertEquals(List.of("read", "truncated-stream", "1"), row(fs, "read"));
    assertEquals(List.of("metadata", "bad-metadata", "1"), row(fs, "metadata"));
    assertTrue(fs.contains("not JSON &lt;here&gt; &amp; there"), fs);
    assertTrue(fs.contains("s3:&#47;&#47;set/mcf/9/_9_0.4_memory_.zstd"), fs);

    String ns = section(HTML, "notes");
    assertEquals(List.of("missing-checkpoint", "gcc", "11", "0.125",
        "the metadata lists this point (weight 0.125) but no checkpoint file was found"), row(ns, "missing-checkpoint"));
  }

  @Test
  void bundlesInNumericPointOrderWithSizes() {
    String bs = section(HTML, "bundles");
    int p1 = bs.indexOf("gcc/1/_1_");
    int p2 = bs.indexOf("gcc/2/_2_");
    int p10 = bs.indexOf("gcc/10/_10_");
    assertTrue(p1 > 0 && p1 < p2 && p2 < p10, "points 1, 2, 10 in that order");
    List<String> mcf = row(bs, "mcf");
    assertEquals(List.of("mcf", "7", "0.6", "V2", "2", "9.0 MiB", "64.0 MiB", "9.0 MiB", "7.1×", "bbbbbbbbbbbb",
        "mcf/7/_7_0.6_memory_.zstd"), mcf);
    assertEquals("0.3*", row(bs, "lbm").get(2), "file-name weight marked");
  }

  @Test
  void runSectionHasStatusesTimesAndTheSlowest() {
    String run = section(HTML, "run");
    assertTrue(run.contains("<div class=\"v\">5</div><div class=\"d\">built 3, regenerated 1, up-to-date 1</div>"), run);
    assertTrue(run.contains("<div class=\"k\">checkpoint time</div><div class=\"v\">5.9 s</div>"), run);
    assertTrue(run.contains("<div class=\"k\">per checkpoint</div><div class=\"v\">1.2 s</div>"), run);
    assertEquals(List.of("gcc", "2", "BUILT", "2.5 s", "64.0 MiB", "25.6 MiB/s"), row(run, "gcc"));
    assertTrue(run.contains("<svg class=\"chart\""), run);
    assertTrue(HTML.indexOf(ReportWriter.RUN_BEGIN) < HTML.indexOf("<section id=\"run\""));
    assertTrue(HTML.indexOf(ReportWriter.RUN_END) > HTML.indexOf("<section id=\"run\""));
  }

  @Test
  void selfContainedStaticPage() {
    assertEquals(3, count(HTML, "<svg class=\"chart\""), "coverage, image size and time charts");
    assertFalse(HTML.contains("http://"), "no http URL");
    assertFalse(HTML.contains("https://"), "no https URL");
    assertFalse(HTML.contains("://"), "no URL of any scheme in the raw text");
    assertFalse(Pattern.compile("\\b(src|srcset|action|xlink:href)\\s*=", Pattern.CASE_INSENSITIVE).matcher(HTML).find(),
        "no resource attributes");
    Matcher href = Pattern.compile("href=\"([^\"]*)\"").matcher(HTML);
    while (href.find()) {
      assertTrue(href.group(1).startsWith("#"), "in-page links only: " + href.group(1));
    }
    assertFalse(HTML.toLowerCase().contains("@import") || HTML.toLowerCase().contains("url("), "no CSS fetch");
    assertTrue(HTML.startsWith("<!DOCTYPE html>"));
    assertTrue(HTML.endsWith("</html>\n"));
  }

  @Test
  void sameSetSameBytesWhateverTheOrder() {
    SetReport s = ReportSamples.sample();
    List<SetReport.Bundle> b = new ArrayList<>(s.bundles());
    List<SetReport.Failure> f = new ArrayList<>(s.failures());
    List<SetReport.Timing> t = new ArrayList<>(s.run().timings());
    Collections.shuffle(b, new Random(1));
    Collections.reverse(f);
    Collections.shuffle(t, new Random(2));
    SetReport shuffled = new SetReport(s.input(), b, f, s.notes(), new SetReport.Run(t));
    assertEquals(HTML, new String(ReportWriter.write(shuffled), StandardCharsets.UTF_8));
  }

  @Test
  void anotherRunDiffersOnlyInTheRunSection() {
    SetReport s = ReportSamples.sample();
    List<SetReport.Timing> rerun = s.run().timings().stream()
        .map(x -> new SetReport.Timing(x.workload(), x.point(), "UP_TO_DATE", 3, x.rawBytes())).toList();
    String again = ReportWriter.html(new SetReport(s.input(), s.bundles(), s.failures(), s.notes(),
        new SetReport.Run(rerun)));
    assertNotEquals(HTML, again);
    assertEquals(ReportWriter.withoutRunSection(HTML), ReportWriter.withoutRunSection(again));
    assertFalse(ReportWriter.withoutRunSection(HTML).contains("id=\"run\""));
  }

  @Test
  void emptySetStillRenders() {
    String html = ReportWriter.html(new SetReport("local:empty", List.of(), List.of(), List.of(),
        new SetReport.Run(List.of())));
    assertTrue(html.contains("<div class=\"k\">inputs</div><div class=\"v\">0</div>"), html);
    assertTrue(html.contains("Every input became a bundle."));
    assertEquals(3, count(html, "<svg class=\"chart\""));
    assertTrue(html.contains(">no data<"));
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
