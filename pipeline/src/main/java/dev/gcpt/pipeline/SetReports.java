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

  /**
   * The report of a set from {@code set.json}, its {@code failures.jsonl} records and the
   * bundles' manifests by bundle directory, which give the source size and the image's current
   * compressed size (a bundle without one counts 0 source bytes and set.json's image size);
   * {@code timings} is the run section.
   */
  public static SetReport fromSetFiles(com.fasterxml.jackson.databind.JsonNode set, List<FailureRecord> failures,
      Map<String, dev.gcpt.core.bundle.BundleManifest> manifests, List<SetReport.Timing> timings) {
    List<SetReport.Bundle> b = new java.util.ArrayList<>();
    com.fasterxml.jackson.databind.JsonNode restorers = set.path("restorers");
    set.path("workloads").fields().forEachRemaining(w -> {
      String insts = w.getValue().hasNonNull("insts") ? w.getValue().get("insts").asText() : null;
      w.getValue().path("points").fields().forEachRemaining(e -> {
        com.fasterxml.jackson.databind.JsonNode p = e.getValue();
        String sha = p.path("restorer").asText();
        com.fasterxml.jackson.databind.JsonNode r = restorers.path(sha);
        Map<String, Object> params = Json.mapper().convertValue(r.path("parameters"),
            new TypeReference<Map<String, Object>>() {});
        dev.gcpt.core.bundle.BundleManifest m = manifests.get(p.path("bundle").asText());
        b.add(new SetReport.Bundle(w.getKey(), e.getKey(), text(p, "weight"), text(p, "weightSource"), insts,
            p.path("bundle").asText(), p.path("image").asText(), p.path("variant").asText(), p.path("harts").asInt(),
            new SetReport.Restorer(sha, r.path("size").asLong(), r.path("origin").asText(),
                params == null ? Map.of() : params),
            m == null ? 0 : m.source().compressedLength(), p.path("rawBytes").asLong(),
            m == null ? p.path("imageBytes").asLong() : m.image().compressedLength()));
      });
    });
    List<SetReport.Note> n = new java.util.ArrayList<>();
    set.path("notes").forEach(x -> n.add(new SetReport.Note(text(x, "kind"), text(x, "workload"), text(x, "point"),
        text(x, "weight"), text(x, "detail"))));
    List<SetReport.Failure> f = failures.stream().map(r -> {
      Optional<CheckpointName> c = CheckpointName.parse(r.uri());
      return new SetReport.Failure(r.uri(), r.stage(), r.reason(), r.message(),
          c.map(CheckpointName::workload).orElse(null), c.map(CheckpointName::point).orElse(null),
          c.flatMap(CheckpointName::weight).orElse(null));
    }).toList();
    return new SetReport(set.path("input").asText(), b, f, n, new SetReport.Run(timings));
  }

  private static String text(com.fasterxml.jackson.databind.JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asText() : null;
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
