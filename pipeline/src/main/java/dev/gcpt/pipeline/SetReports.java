package dev.gcpt.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.report.SetReport;
import dev.gcpt.core.set.CheckpointName;
import dev.gcpt.core.set.SetManifest;
import dev.gcpt.core.set.SetNote;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pipeline's records as the report's data ({@link dev.gcpt.core.report.ReportWriter}); or a
 * set's files, for commands that change a set after its run ({@code gcpt regenerate}).
 */
public final class SetReports {
  private SetReports() {}

  /**
   * @param input the set's input root as given to the pipeline (a URI or a local path)
   */
  static SetReport of(String input, List<BundleRecord> bundles, List<FailureRecord> failures, List<SetNote> notes) {
    String root = input.endsWith("/") ? input.substring(0, input.length() - 1) : input;
    String label = SetManifest.inputLabel(root);
    List<SetReport.Bundle> b = bundles.stream().map(r -> new SetReport.Bundle(r.workload(), r.point(), r.weight(),
        r.weightSource(), r.insts(), r.bundleDir(), r.image(), r.variant(), r.harts(),
        new SetReport.Restorer(r.restorerSha256(), r.restorerSize(), r.restorerOrigin(), parse(r.restorerParameters())),
        r.sourceBytes(), r.rawBytes(), r.imageBytes(), r.flashImage())).toList();
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

  /**
   * The report of a set from its {@code set.json}, its {@code failures.jsonl} records and the
   * bundles' manifests by bundle directory, which give the source size and the image's current
   * compressed size (a bundle without one counts 0 source bytes and set.json's image size);
   * {@code timings} is the run section.
   */
  public static SetReport fromSetFiles(SetManifest set, List<FailureRecord> failures,
      Map<String, dev.gcpt.core.bundle.BundleManifest> manifests, List<SetReport.Timing> timings) {
    List<SetReport.Bundle> b = new java.util.ArrayList<>();
    set.workloads().forEach((workload, w) -> w.points().forEach((point, p) -> {
      SetManifest.Restorer r = set.restorers().get(p.restorer());
      dev.gcpt.core.bundle.BundleManifest m = manifests.get(p.bundle());
      b.add(new SetReport.Bundle(workload, point, p.weight(), p.weightSource(), w.insts(), p.bundle(), p.image(),
          p.variant(), p.harts(), new SetReport.Restorer(p.restorer(), r == null ? 0 : r.size(),
              r == null ? "" : r.origin(), r == null || r.parameters() == null ? Map.of() : r.parameters()),
          m == null ? 0 : m.source().compressedLength(), p.rawBytes(),
          m == null ? (p.imageBytes() == null ? 0 : p.imageBytes()) : m.image().compressedLength(),
          p.flash() == null ? null : p.flash().image()));
    }));
    List<SetReport.Note> n = set.notes().stream().map(x -> new SetReport.Note(x.kind(), x.workload(), x.point(),
        x.weight(), x.detail())).toList();
    List<SetReport.Failure> f = failures.stream().map(r -> {
      Optional<CheckpointName> c = CheckpointName.parse(r.uri());
      return new SetReport.Failure(r.uri(), r.stage(), r.reason(), r.message(),
          c.map(CheckpointName::workload).orElse(null), c.map(CheckpointName::point).orElse(null),
          c.flatMap(CheckpointName::weight).orElse(null));
    }).toList();
    return new SetReport(set.input(), b, f, n, new SetReport.Run(timings));
  }

  /** {@code uri} below {@code root} (local roots may be relative; Beam reports absolute paths). */
  static String relative(String root, String uri) {
    if (uri.startsWith(root + "/")) {
      return uri.substring(root.length() + 1);
    }
    String abs = dev.gcpt.pipeline.io.Storage.directory(root) + "/";
    return uri.startsWith(abs) ? uri.substring(abs.length()) : uri;
  }

  private static Map<String, Object> parse(String json) {
    try {
      return json == null ? Map.of() : Json.mapper().readValue(json, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException("restorer parameters do not parse: " + json, e);
    }
  }
}
