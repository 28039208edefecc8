package dev.gcpt.core.report;

import dev.gcpt.core.set.PointOrder;
import dev.gcpt.core.set.Weight;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The numbers {@link ReportWriter} shows, computed once from a {@link SetReport}. Everything is
 * sorted (workloads by name, points numerically), so the same set gives the same numbers in the
 * same order.
 */
final class SetStats {
  /** One workload: which points were bundled, failed or missing, and their weights. */
  static final class Workload {
    final String name;
    String insts;
    final SortedSet<String> bundled = new TreeSet<>(PointOrder.NUMERIC);
    final SortedSet<String> failed = new TreeSet<>(PointOrder.NUMERIC);
    final SortedSet<String> missing = new TreeSet<>(PointOrder.NUMERIC);
    /** Weight of every expected point whose weight is known, by point. */
    final Map<String, BigDecimal> weights = new TreeMap<>(PointOrder.NUMERIC);
    BigDecimal bundledWeight = BigDecimal.ZERO;
    long sourceBytes;
    long rawBytes;
    long imageBytes;
    final SortedSet<String> variants = new TreeSet<>();

    Workload(String name) {
      this.name = name;
    }

    /** Bundled, failed and missing points together (a point counts once). */
    int expected() {
      SortedSet<String> all = new TreeSet<>(PointOrder.NUMERIC);
      all.addAll(bundled);
      all.addAll(failed);
      all.addAll(missing);
      return all.size();
    }

    /** Failed points that were not also bundled (a point bundled from another file is covered). */
    int failedOnly() {
      SortedSet<String> f = new TreeSet<>(failed);
      f.removeAll(bundled);
      return f.size();
    }

    int missingOnly() {
      SortedSet<String> m = new TreeSet<>(missing);
      m.removeAll(bundled);
      m.removeAll(failed);
      return m.size();
    }

    BigDecimal expectedWeight() {
      return weights.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** Whether every expected point's weight is known (else the expected weight is a lower bound). */
    boolean weightsComplete() {
      return weights.size() == expected();
    }
  }

  /** A restorer and how many bundles use it. */
  record RestorerUse(SetReport.Restorer restorer, long bundles) {}

  /** A producer variant and how many bundles (and harts per bundle) came from it. */
  static final class VariantUse {
    long bundles;
    final Map<Integer, Long> harts = new TreeMap<>();
  }

  final Map<String, Workload> workloads = new TreeMap<>();
  final Map<String, Long> failuresByReason = new TreeMap<>();
  final Map<String, Long> failuresByStage = new TreeMap<>();
  final Map<String, Long> notesByKind = new TreeMap<>();
  final Map<String, RestorerUse> restorers = new TreeMap<>();
  final Map<String, VariantUse> variants = new TreeMap<>();
  final List<SetReport.Bundle> bundles;
  final List<SetReport.Failure> failures;
  final List<SetReport.Note> notes;
  long inputFailures;
  long metadataErrors;
  long sourceBytes;
  long rawBytes;
  long imageBytes;

  SetStats(SetReport r) {
    bundles = new ArrayList<>(r.bundles());
    bundles.sort(Comparator.comparing(SetReport.Bundle::workload)
        .thenComparing(SetReport.Bundle::point, PointOrder.NUMERIC).thenComparing(SetReport.Bundle::bundleDir));
    failures = new ArrayList<>(r.failures());
    failures.sort(Comparator.comparing(SetReport.Failure::uri).thenComparing(SetReport.Failure::stage)
        .thenComparing(SetReport.Failure::reason));
    notes = new ArrayList<>(r.notes());
    notes.sort(Comparator.comparing((SetReport.Note n) -> String.valueOf(n.workload()))
        .thenComparing(n -> String.valueOf(n.point()), PointOrder.NUMERIC).thenComparing(SetReport.Note::kind)
        .thenComparing(n -> String.valueOf(n.detail())));
    for (SetReport.Bundle b : bundles) {
      Workload w = workload(b.workload());
      w.bundled.add(b.point());
      if (b.insts() != null) {
        w.insts = b.insts();
      }
      weight(b.weight()).ifPresent(v -> {
        w.weights.put(b.point(), v);
        w.bundledWeight = w.bundledWeight.add(v);
      });
      w.sourceBytes += b.sourceBytes();
      w.rawBytes += b.rawBytes();
      w.imageBytes += b.imageBytes();
      w.variants.add(b.variant());
      sourceBytes += b.sourceBytes();
      rawBytes += b.rawBytes();
      imageBytes += b.imageBytes();
      restorers.merge(b.restorer().sha256(), new RestorerUse(b.restorer(), 1),
          (a, c) -> new RestorerUse(a.restorer(), a.bundles() + 1));
      VariantUse v = variants.computeIfAbsent(b.variant(), k -> new VariantUse());
      v.bundles++;
      v.harts.merge(b.harts(), 1L, Long::sum);
    }
    for (SetReport.Failure f : failures) {
      failuresByReason.merge(f.reason(), 1L, Long::sum);
      failuresByStage.merge(f.stage(), 1L, Long::sum);
      if (SetReport.METADATA_STAGE.equals(f.stage())) {
        metadataErrors++;
        continue;
      }
      inputFailures++;
      if (f.workload() != null && f.point() != null) {
        Workload w = workload(f.workload());
        w.failed.add(f.point());
        weight(f.weight()).ifPresent(v -> w.weights.putIfAbsent(f.point(), v));
      }
    }
    for (SetReport.Note n : notes) {
      notesByKind.merge(n.kind(), 1L, Long::sum);
      if (SetReport.MISSING_CHECKPOINT.equals(n.kind()) && n.workload() != null && n.point() != null) {
        Workload w = workload(n.workload());
        w.missing.add(n.point());
        weight(n.weight()).ifPresent(v -> w.weights.putIfAbsent(n.point(), v));
      }
    }
  }

  private Workload workload(String name) {
    return workloads.computeIfAbsent(name, Workload::new);
  }

  private static java.util.Optional<BigDecimal> weight(String text) {
    if (text == null) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(Weight.parse(text).value());
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty(); // a weight that does not parse counts as unknown
    }
  }

  long inputs() {
    return bundles.size() + inputFailures;
  }

  long expectedPoints() {
    return workloads.values().stream().mapToLong(Workload::expected).sum();
  }

  long bundledPoints() {
    return workloads.values().stream().mapToLong(w -> w.bundled.size()).sum();
  }
}
