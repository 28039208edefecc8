package dev.gcpt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The sweeps' section of benchmarks.md is replaced in place, or put before the hand-written analysis. */
class BenchSweepsTest {
  private static final String MARKER = BenchCommand.ANALYSIS_MARKER;

  @Test
  void aNewSectionGoesBeforeTheAnalysisAndAnOldOneIsReplacedInPlace() {
    String block1 = BenchSweeps.BEGIN + "\none\n" + BenchSweeps.END + "\n";
    String block2 = BenchSweeps.BEGIN + "\ntwo\n" + BenchSweeps.END + "\n";
    String doc = "# Benchmarks\n\n## 4. Memory\n\n" + MARKER + "\nanalysis\n";
    String once = BenchSweeps.splice(doc, block1, MARKER);
    assertEquals("# Benchmarks\n\n## 4. Memory\n\n" + block1 + "\n" + MARKER + "\nanalysis\n", once);
    assertEquals("# Benchmarks\n\n## 4. Memory\n\n" + block2 + "\n" + MARKER + "\nanalysis\n",
        BenchSweeps.splice(once, block2, MARKER));
    assertEquals("no marker\n\n" + block1, BenchSweeps.splice("no marker\n", block1, MARKER));
  }
}
