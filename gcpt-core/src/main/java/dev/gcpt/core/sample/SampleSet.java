package dev.gcpt.core.sample;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A deterministic sample SimPoint set: workloads with points of mixed variants, hart counts and
 * codecs in NEMU's and QEMU's naming conventions, plus a couple of broken inputs, so the demo and
 * the end-to-end tests exercise every path.
 */
public final class SampleSet {
  /** One file of the set: its relative path and how to produce its bytes. */
  public record Entry(String path, String workload, String point, String weight, Codec codec,
      SyntheticCheckpoint checkpoint, Broken broken) {}

  /** Ways a sample input is deliberately broken. */
  public enum Broken { NONE, TRUNCATED, NOT_A_CHECKPOINT }

  private SampleSet() {}

  /**
   * {@code json/checkpoints_all.json} for the entries, plus one point of the first workload that
   * has no checkpoint (so the demo shows how a missing point is reported).
   */
  public static String metadataJson(List<Entry> entries) {
    java.util.Map<String, java.util.Map<String, String>> points = new java.util.TreeMap<>();
    for (Entry e : entries) {
      points.computeIfAbsent(e.workload(), k -> new java.util.TreeMap<>()).put(e.point(), e.weight());
    }
    points.get(entries.get(0).workload()).put("999", "0.001000"); // a real workload's, not a broken input's
    StringBuilder b = new StringBuilder("{\n");
    int w = 0;
    for (var we : points.entrySet()) {
      b.append(w++ > 0 ? ",\n" : "").append("  \"").append(we.getKey()).append("\": {\"insts\": \"")
          .append(1_000_000_000L + 7919L * we.getKey().hashCode() % 100_000_000L).append("\", \"points\": {");
      int p = 0;
      for (var pe : we.getValue().entrySet()) {
        b.append(p++ > 0 ? ", " : "").append('"').append(pe.getKey()).append("\": \"").append(pe.getValue()).append('"');
      }
      b.append("}}");
    }
    return b.append("\n}\n").toString();
  }

  /**
   * Builds the entries: {@code workloads} workloads × {@code pointsPerWorkload} points, the last
   * two entries broken (a truncated zstd and random bytes).
   */
  public static List<Entry> entries(int workloads, int pointsPerWorkload, long imageLength, long seed) {
    String[] names = {"gcc_166", "mcf", "bzip2_source", "omnetpp", "xalancbmk", "lbm", "namd", "povray"};
    SplittableRandom r = new SplittableRandom(seed);
    List<Entry> out = new ArrayList<>();
    int n = 0;
    for (int w = 0; w < workloads; w++) {
      String workload = names[w % names.length] + (w >= names.length ? "_" + w : "");
      for (int p = 0; p < pointsPerWorkload; p++, n++) {
        int point = 1 + r.nextInt(400);
        String weight = String.format(Locale.ROOT, "%.6f", 0.01 + r.nextDouble() * 0.3);
        Variant v = Variant.values()[n % 4];
        Codec codec = (n % 3 == 0) ? Codec.GZIP : Codec.ZSTD;
        SyntheticCheckpoint.Builder b = SyntheticCheckpoint.builder().variant(v).seed(seed * 1000 + n)
            .harts(v == Variant.V2 ? 2 : 1).modes(n % 2 == 0 ? 1 : 0).vectorState(v == Variant.V1 && n % 2 == 0)
            .nemuStyle(v != Variant.V2);
        if (v != Variant.V2) {
          b.imageLength(imageLength);
        }
        SyntheticCheckpoint cp = b.build();
        String path;
        if (v == Variant.V2 || codec == Codec.GZIP && v == Variant.V1) {
          // XiangShan QEMU fork: zstd content in a *.gz name, weight as SimPoint printed it
          path = "spec06_rv64gcb_o2_20m/" + workload + "/" + point + "/_" + point + "_" + weight + ".gz";
          codec = Codec.ZSTD;
        } else {
          path = "spec06_rv64gcb_o2_20m/" + workload + "/" + point + "/_" + point + "_" + weight + "_memory_"
              + codec.suffix();
        }
        out.add(new Entry(path, workload, Integer.toString(point), weight, codec, cp, Broken.NONE));
      }
    }
    SyntheticCheckpoint good = SyntheticCheckpoint.builder().seed(seed).imageLength(imageLength).build();
    out.add(new Entry("spec06_rv64gcb_o2_20m/broken_trunc/7/_7_0.100000_memory_.zstd", "broken_trunc", "7",
        "0.100000", Codec.ZSTD, good, Broken.TRUNCATED));
    out.add(new Entry("spec06_rv64gcb_o2_20m/broken_random/9/_9_0.200000_memory_.zstd", "broken_random", "9",
        "0.200000", Codec.ZSTD, good, Broken.NOT_A_CHECKPOINT));
    return out;
  }
}
