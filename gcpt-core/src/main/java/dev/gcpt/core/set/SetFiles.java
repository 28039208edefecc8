package dev.gcpt.core.set;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes the set files existing runners read, with byte-identical output for the same metadata
 * (sorted keys, fixed layout, {@code \n} line ends, UTF-8, no timestamps).
 */
public final class SetFiles {
  /** Path of the JSON file under a set's output root. */
  public static final String CHECKPOINTS_ALL_JSON = "json/checkpoints_all.json";
  /** Path of the list file under a set's output root. */
  public static final String CHECKPOINT_LST = "checkpoint.lst";

  /** {@code checkpoint.lst} column 3: instructions to skip before anything else. */
  static final int LST_SKIP_INSTS = 0;
  /** {@code checkpoint.lst} column 4: functional warmup instructions. */
  static final int LST_FUNCTIONAL_WARMUP_INSTS = 0;
  /** {@code checkpoint.lst} column 5: detailed warmup, in millions of instructions. */
  static final int LST_DETAILED_WARMUP_MINSTS = 20;
  /** {@code checkpoint.lst} column 6: measured (sampled) instructions, in millions. */
  static final int LST_SAMPLE_MINSTS = 20;

  private static final String INDENT = "  ";

  private SetFiles() {}

  /**
   * {@code json/checkpoints_all.json}: {@code {"<workload>": {"insts": "<n>", "points": {"<point>":
   * "<weight>"}}}}, all values strings, workloads in string order, points in numeric order,
   * two-space indent and a final newline. {@code insts} is left out for a workload whose count is
   * unknown (metadata read from {@code simpoints0}).
   */
  public static byte[] checkpointsJson(SetMetadata meta) {
    StringBuilder b = new StringBuilder();
    b.append('{');
    String workloadSep = "\n";
    for (SetMetadata.Workload w : meta.workloads().values()) {
      b.append(workloadSep).append(INDENT).append(quote(w.name())).append(": {\n");
      workloadSep = ",\n";
      w.insts().ifPresent(insts -> b.append(INDENT).append(INDENT).append(quote(SetMetadata.INSTS_FIELD))
          .append(": ").append(quote(insts)).append(",\n"));
      b.append(INDENT).append(INDENT).append(quote(SetMetadata.POINTS_FIELD)).append(": {");
      String pointSep = "\n";
      for (Map.Entry<String, Weight> p : w.points().entrySet()) {
        b.append(pointSep).append(INDENT).append(INDENT).append(INDENT)
            .append(quote(p.getKey())).append(": ").append(quote(p.getValue().text()));
        pointSep = ",\n";
      }
      b.append(w.points().isEmpty() ? "}\n" : "\n" + INDENT + INDENT + "}\n");
      b.append(INDENT).append('}');
    }
    b.append(meta.workloads().isEmpty() ? "}\n" : "\n}\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code checkpoint.lst}: one line {@code <workload>_<point> <workload>/<point> 0 0 20 20} per
   * point (name, checkpoint directory, skip, functional warmup, detailed warmup in M, sample in M),
   * workloads in string order, points in numeric order.
   */
  public static byte[] checkpointList(SetMetadata meta) {
    StringBuilder b = new StringBuilder();
    for (SetMetadata.Workload w : meta.workloads().values()) {
      for (String point : w.points().keySet()) {
        b.append(w.name()).append('_').append(point).append(' ')
            .append(w.name()).append('/').append(point).append(' ')
            .append(LST_SKIP_INSTS).append(' ').append(LST_FUNCTIONAL_WARMUP_INSTS).append(' ')
            .append(LST_DETAILED_WARMUP_MINSTS).append(' ').append(LST_SAMPLE_MINSTS).append('\n');
      }
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON string literal (Jackson's escaping: quotes, backslashes, control characters). */
  static String quote(String s) {
    return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
  }
}
