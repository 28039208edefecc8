package dev.gcpt.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.report.ReportWriter;
import dev.gcpt.core.set.SetFiles;
import dev.gcpt.core.set.SetMetadata;
import dev.gcpt.core.set.Weight;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.PDone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the set's files once every bundle is done: {@code set.json} (deterministic: the same
 * inputs give the same bytes), {@code run.json} (what this run did), {@code
 * json/checkpoints_all.json} and {@code checkpoint.lst} (the formats existing runners read) and
 * {@code failures.jsonl} (every rejected input) and {@code report.html} (what a person looks at
 * first: {@link ReportWriter}).
 */
public final class WriteSetFiles extends PTransform<PCollection<BundleRecord>, PDone> {
  public static final String SET_JSON = "set.json";
  public static final String RUN_JSON = "run.json";
  public static final String FAILURES_JSONL = "failures.jsonl";
  /** {@code weightSource} of a weight the set's SimPoint metadata gave. */
  static final String METADATA_WEIGHT = "metadata";

  private final String output;
  private final String input;
  private final PCollection<FailureRecord> failures;
  private final PCollection<SetNote> notes;
  private final PCollection<Long> tasks;

  /**
   * @param tasks the number of checkpoints handed to conversion (one element), counted apart from
   *     the bundles and failures so that {@code set.json} can show that every input is accounted
   *     for
   */
  public WriteSetFiles(String output, String input, PCollection<FailureRecord> failures, PCollection<SetNote> notes,
      PCollection<Long> tasks) {
    this.output = output;
    this.input = input;
    this.failures = failures;
    this.notes = notes;
    this.tasks = tasks;
  }

  @Override
  public PDone expand(PCollection<BundleRecord> bundles) {
    PCollectionView<List<BundleRecord>> b = bundles.apply("BundlesView", View.asList());
    PCollectionView<List<FailureRecord>> f = failures.apply("FailuresView", View.asList());
    PCollectionView<List<SetNote>> n = notes.apply("NotesView", View.asList());
    PCollectionView<Long> t = tasks.apply("TasksView", View.asSingleton());
    bundles.getPipeline().apply("Once", Create.of("set"))
        .apply("Write", ParDo.of(new WriteFn(output, input, b, f, n, t)).withSideInputs(b, f, n, t));
    return PDone.in(bundles.getPipeline());
  }

  static final class WriteFn extends DoFn<String, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(WriteFn.class);
    private final String output;
    private final String input;
    private final PCollectionView<List<BundleRecord>> bundles;
    private final PCollectionView<List<FailureRecord>> failures;
    private final PCollectionView<List<SetNote>> notes;
    private final PCollectionView<Long> tasks;

    WriteFn(String output, String input, PCollectionView<List<BundleRecord>> bundles,
        PCollectionView<List<FailureRecord>> failures, PCollectionView<List<SetNote>> notes,
        PCollectionView<Long> tasks) {
      this.output = output.endsWith("/") ? output.substring(0, output.length() - 1) : output;
      this.input = input;
      this.bundles = bundles;
      this.failures = failures;
      this.notes = notes;
      this.tasks = tasks;
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      List<BundleRecord> b = new ArrayList<>(c.sideInput(bundles));
      b.sort(Comparator.comparing(BundleRecord::workload).thenComparing(BundleRecord::point)
          .thenComparing(BundleRecord::relativePath));
      List<FailureRecord> f = new ArrayList<>(c.sideInput(failures));
      f.sort(Comparator.comparing(FailureRecord::uri).thenComparing(FailureRecord::stage));
      List<SetNote> n = new ArrayList<>(c.sideInput(notes));
      n.sort(Comparator.comparing(SetNote::workload).thenComparing(SetNote::point).thenComparing(SetNote::kind));
      long inputs = c.sideInput(tasks) + f.stream().filter(x -> FailureRecord.STAGE_MATCH.equals(x.stage())).count();
      if (inputs == 0) {
        // a mistyped input must not replace an existing set's files with empty ones
        LOG.warn("no checkpoints found under {}: no set files written to {}", input, output);
        return;
      }
      write(SET_JSON, Json.pretty(setJson(b, f, n, inputs)));
      write(RUN_JSON, Json.pretty(runJson(b, f)));
      StringBuilder lines = new StringBuilder();
      for (FailureRecord r : f) {
        lines.append(Json.line(r)).append('\n');
      }
      write(FAILURES_JSONL, lines.toString());
      SetMetadata meta = metadata(b);
      write(SetFiles.CHECKPOINTS_ALL_JSON, new String(SetFiles.checkpointsJson(meta), StandardCharsets.UTF_8));
      write(SetFiles.CHECKPOINT_LST, new String(SetFiles.checkpointList(meta), StandardCharsets.UTF_8));
      write(ReportWriter.FILE_NAME, ReportWriter.write(SetReports.of(input, b, f, n)), ReportWriter.CONTENT_TYPE);
      long inputFailures = f.stream().filter(x -> !FailureRecord.STAGE_METADATA.equals(x.stage())).count();
      if (inputs != b.size() + inputFailures) {
        LOG.error("set written to {}: {} inputs but {} bundles + {} failures: {} unaccounted for", output, inputs,
            b.size(), inputFailures, inputs - b.size() - inputFailures);
      } else {
        LOG.info("set written to {}: {} bundles, {} failures", output, b.size(), inputFailures);
      }
    }

    private void write(String rel, String content) throws IOException {
      write(rel, content.getBytes(StandardCharsets.UTF_8), "application/octet-stream");
    }

    private void write(String rel, byte[] content, String mimeType) throws IOException {
      try (PendingFile p = Storage.createAtomic(output + "/" + rel, mimeType)) {
        p.stream().write(content);
        p.commit();
      }
    }

    /**
     * {@code counts.inputs} is what was found (checkpoints handed to conversion plus those refused
     * while matching), counted independently of the outcomes; {@code bundles + failures} equals it
     * unless an input was lost, which {@code unaccounted} then shows.
     */
    private Map<String, Object> setJson(List<BundleRecord> b, List<FailureRecord> f, List<SetNote> n, long inputs) {
      long inputFailures = f.stream().filter(x -> !FailureRecord.STAGE_METADATA.equals(x.stage())).count();
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("schema", "gcpt.set/1");
      root.put("input", input.contains("://") ? input : "local:" + java.nio.file.Path.of(input).getFileName());
      Map<String, Object> counts = new LinkedHashMap<>();
      counts.put("inputs", inputs);
      counts.put("bundles", b.size());
      counts.put("failures", inputFailures);
      counts.put("metadataErrors", f.size() - inputFailures);
      if (inputs != b.size() + inputFailures) {
        counts.put("unaccounted", inputs - b.size() - inputFailures);
      }
      root.put("counts", counts);
      Map<String, Map<String, Object>> workloads = new TreeMap<>();
      Map<String, Map<String, Object>> restorers = new TreeMap<>();
      for (BundleRecord r : b) {
        Map<String, Object> w = workloads.computeIfAbsent(r.workload(), k -> new LinkedHashMap<>());
        if (r.insts() != null) {
          w.put("insts", r.insts());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> points = (Map<String, Object>) w.computeIfAbsent("points", k -> new TreeMap<>());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("weight", r.weight());
        p.put("weightSource", r.weightSource());
        if (r.actualInsts() != null) {
          // uniform: the point is the directory's scheduled count, the file was taken at actualInsts
          Map<String, Object> u = new LinkedHashMap<>();
          u.put("scheduledInsts", r.point());
          u.put("actualInsts", r.actualInsts());
          p.put("uniform", u);
        }
        p.put("bundle", r.bundleDir());
        p.put("image", r.image());
        p.put("variant", r.variant());
        p.put("harts", r.harts());
        p.put("restorer", r.restorerSha256());
        p.put("rawBytes", r.rawBytes());
        p.put("imageBytes", r.imageBytes());
        if (r.flashImage() != null) { // a flash checkpoint: its flash image and execute-in-place restorer
          p.put("flash", Map.of("image", r.flashImage(), "restorer", r.flashRestorerSha256()));
        }
        points.put(r.point(), p);
        Map<String, Object> rs = restorers.computeIfAbsent(r.restorerSha256(), k -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("file", "restorers/" + k + ".bin");
          m.put("size", r.restorerSize());
          m.put("origin", r.restorerOrigin());
          m.put("parameters", parse(r.restorerParameters()));
          m.put("bundles", 0L);
          return m;
        });
        rs.put("bundles", (Long) rs.get("bundles") + 1);
      }
      root.put("workloads", workloads);
      root.put("restorers", restorers);
      Map<String, Long> byReason = new TreeMap<>();
      for (FailureRecord r : f) {
        byReason.merge(r.reason(), 1L, Long::sum);
      }
      root.put("failuresByReason", byReason);
      root.put("notes", n);
      return root;
    }

    private static Map<String, Object> parse(String json) {
      try {
        return Json.mapper().readValue(json, new TypeReference<Map<String, Object>>() {});
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    private static Map<String, Object> runJson(List<BundleRecord> b, List<FailureRecord> f) {
      Map<String, Object> root = new LinkedHashMap<>();
      Map<String, Long> statuses = new TreeMap<>();
      long source = 0;
      long raw = 0;
      long image = 0;
      long millis = 0;
      for (BundleRecord r : b) {
        statuses.merge(r.status(), 1L, Long::sum);
        if (!"UP_TO_DATE".equals(r.status())) {
          source += r.sourceBytes();
          raw += r.rawBytes();
          image += r.imageBytes();
        }
        millis += r.millis();
      }
      root.put("statuses", statuses);
      root.put("failures", f.size());
      root.put("sourceBytesRead", source);
      root.put("rawBytesProcessed", raw);
      root.put("imageBytesWritten", image);
      root.put("checkpointMillisTotal", millis);
      return root;
    }

    /**
     * The output's checkpoints_all.json: the weights runners score with. When the set has SimPoint
     * metadata, only its weights: a point it does not list keeps its bundle, but a weight taken
     * from a file name would change the scores (noted in set.json as missing-weight). A set
     * without metadata has only its file names' weights, and those are written.
     */
    private static SetMetadata metadata(List<BundleRecord> b) {
      Map<String, TreeMap<String, Weight>> points = new TreeMap<>();
      Map<String, Optional<String>> insts = new TreeMap<>();
      boolean hasMetadata = b.stream().anyMatch(r -> METADATA_WEIGHT.equals(r.weightSource()));
      for (BundleRecord r : b) {
        if (r.weight() == null || hasMetadata && !METADATA_WEIGHT.equals(r.weightSource())) {
          continue;
        }
        points.computeIfAbsent(r.workload(), k -> new TreeMap<>(dev.gcpt.core.set.PointOrder.NUMERIC))
            .put(r.point(), Weight.parse(r.weight()));
        insts.put(r.workload(), Optional.ofNullable(r.insts()));
      }
      List<SetMetadata.Workload> ws = new ArrayList<>();
      points.forEach((w, p) -> ws.add(new SetMetadata.Workload(w, insts.get(w), p)));
      return SetMetadata.of("bundles", ws);
    }
  }
}
