package dev.gcpt.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.report.SetReport;
import dev.gcpt.core.set.CheckpointName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The pipeline's records as the report's data ({@link dev.gcpt.core.report.ReportWriter}). */
final class SetReports {
  private SetReports() {}

  /**
   * @param input the set's input root as given to the pipeline (a URI or a local path)
   */
  static SetReport of(String input, List<BundleRecord> bundles, List<FailureRecord> failures, List<SetNote> notes) {
    String root = input.endsWith("/") ? input.substring(0, input.length() - 1) : input;
    String label = root.contains("://") ? root : "local:" + Path.of(root).getFileName();
    List<SetReport.Bundle> b = bundles.stream().map(r -> new SetReport.Bundle(r.workload(), r.point(), r.weight(),
        r.weightSource(), r.insts(), r.bundleDir(), r.image(), r.variant(), r.harts(),
        new SetReport.Restorer(r.restorerSha256(), r.restorerSize(), r.restorerOrigin(), parse(r.restorerParameters())),
        r.sourceBytes(), r.rawBytes(), r.imageBytes())).toList();
    List<SetReport.Failure> f = failures.stream().map(r -> {
      Optional<CheckpointName> n = CheckpointName.parse(relative(root, r.uri()));
      return new SetReport.Failure(r.uri(), r.stage(), r.reason(), r.message(),
          n.map(CheckpointName::workload).orElse(null), n.map(CheckpointName::point).orElse(null),
          n.flatMap(CheckpointName::weight).orElse(null));
    }).toList();
    List<SetReport.Note> n = notes.stream().map(r -> new SetReport.Note(r.kind(), r.workload(), r.point(), r.weight(),
        r.detail())).toList();
    List<SetReport.Timing> t = bundles.stream().map(r -> new SetReport.Timing(r.workload(), r.point(), r.status(),
        r.millis(), r.rawBytes())).toList();
    return new SetReport(label, b, f, n, new SetReport.Run(t));
  }

  /** {@code uri} below {@code root} (local roots may be relative; Beam reports absolute paths). */
  static String relative(String root, String uri) {
    if (uri.startsWith(root + "/")) {
      return uri.substring(root.length() + 1);
    }
    if (!root.contains("://")) {
      String abs = Path.of(root).toAbsolutePath().normalize() + "/";
      if (uri.startsWith(abs)) {
        return uri.substring(abs.length());
      }
    }
    return uri;
  }

  private static Map<String, Object> parse(String json) {
    try {
      return json == null ? Map.of() : Json.mapper().readValue(json, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException("restorer parameters do not parse: " + json, e);
    }
  }
}
