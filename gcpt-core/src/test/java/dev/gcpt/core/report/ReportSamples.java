package dev.gcpt.core.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small, fixed {@link SetReport} with every kind of row (also used by the e2e render test). */
public final class ReportSamples {
  public static final String SHA_A = "a".repeat(64);
  public static final String SHA_B = "b".repeat(64);
  private static final long MIB = 1L << 20;

  private ReportSamples() {}

  static Map<String, Object> params(int harts, String platform) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("harts", harts);
    p.put("platform", platform);
    p.put("vlen", 128);
    p.put("float", true);
    p.put("vector", harts == 1);
    return p;
  }

  public static final SetReport.Restorer ONE_HART = new SetReport.Restorer(SHA_A, 2344, "generated", params(1, "xiangshan"));
  public static final SetReport.Restorer TWO_HARTS = new SetReport.Restorer(SHA_B, 2600, "generated", params(2, "xiangshan"));

  static SetReport.Bundle bundle(String workload, String point, String weight, String variant, int harts,
      long imageMib) {
    return new SetReport.Bundle(workload, point, weight, "metadata", "1000000", workload + "/" + point,
        workload + "/" + point + "/_" + point + "_" + weight + "_memory_.zstd", variant, harts,
        harts == 1 ? ONE_HART : TWO_HARTS, imageMib * MIB, 64 * MIB, imageMib * MIB);
  }

  /**
   * gcc: points 1, 2, 10 bundled (weights 0.5, 0.25, 0.125) and 11 missing (0.125);
   * mcf: point 7 bundled (0.6), point 9 failed (0.4, truncated); lbm: point 3 bundled (weight
   * from the file name). One metadata error besides.
   */
  public static SetReport sample() {
    List<SetReport.Bundle> b = new ArrayList<>();
    b.add(bundle("gcc", "10", "0.125", "V1", 1, 3));
    b.add(bundle("gcc", "2", "0.25", "V3", 1, 5));
    b.add(bundle("gcc", "1", "0.5", "V1", 1, 4));
    b.add(bundle("mcf", "7", "0.6", "V2", 2, 9));
    b.add(new SetReport.Bundle("lbm", "3", "0.3", "file-name", null, "lbm/3", "lbm/3/_3_0.3_memory_.zstd", "V0", 1,
        ONE_HART, 2 * MIB, 32 * MIB, 2 * MIB));
    List<SetReport.Failure> f = List.of(
        new SetReport.Failure("s3://set/mcf/9/_9_0.4_memory_.zstd", "read", "truncated-stream",
            "s3://set/mcf/9/_9_0.4_memory_.zstd: truncated zstd stream at decompressed offset 0x200000", "mcf", "9",
            "0.4"),
        new SetReport.Failure("s3://set/cluster-0-0.json", "metadata", "bad-metadata",
            "cluster-0-0.json: not JSON <here> & there", null, null, null));
    List<SetReport.Note> n = List.of(new SetReport.Note("missing-checkpoint", "gcc", "11", "0.125",
        "the metadata lists this point (weight 0.125) but no checkpoint file was found"));
    SetReport.Run run = new SetReport.Run(List.of(
        new SetReport.Timing("gcc", "1", "BUILT", 1500, 64 * MIB),
        new SetReport.Timing("gcc", "2", "BUILT", 2500, 64 * MIB),
        new SetReport.Timing("gcc", "10", "UP_TO_DATE", 20, 64 * MIB),
        new SetReport.Timing("mcf", "7", "REGENERATED", 700, 64 * MIB),
        new SetReport.Timing("lbm", "3", "BUILT", 1200, 32 * MIB)));
    return new SetReport("s3://set", b, f, n, run);
  }
}
