package dev.gcpt.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.report.ReportWriter;
import dev.gcpt.core.set.RunSummary;
import dev.gcpt.core.set.SetFiles;
import dev.gcpt.core.set.SetManifest;
import dev.gcpt.core.set.SetMetadata;
import dev.gcpt.core.set.SetNote;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 * Writes the set's files once every bundle is done: {@code set.json} ({@link SetManifest},
 * deterministic: the same inputs give the same bytes), {@code run.json} ({@link RunSummary}: what
 * this run did), {@code
 * json/checkpoints_all.json} and {@code checkpoint.lst} (the formats existing runners read) and
 * {@code failures.jsonl} (every rejected input) and {@code report.html} (what a person looks at
 * first: {@link ReportWriter}).
 */
public final class WriteSetFiles extends PTransform<PCollection<BundleRecord>, PDone> {
  public static final String SET_JSON = SetManifest.FILE;
  public static final String RUN_JSON = RunSummary.FILE;
  public static final String FAILURES_JSONL = "failures.jsonl";

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

  private static final Logger LOG = LoggerFactory.getLogger(WriteSetFiles.class);

  static final class WriteFn extends DoFn<String, Void> {
    private final String output;
    private final String input;
    private final PCollectionView<List<BundleRecord>> bundles;
    private final PCollectionView<List<FailureRecord>> failures;
    private final PCollectionView<List<SetNote>> notes;
    private final PCollectionView<Long> tasks;

    WriteFn(String output, String input, PCollectionView<List<BundleRecord>> bundles,
        PCollectionView<List<FailureRecord>> failures, PCollectionView<List<SetNote>> notes,
        PCollectionView<Long> tasks) {
      this.output = output;
      this.input = input;
      this.bundles = bundles;
      this.failures = failures;
      this.notes = notes;
      this.tasks = tasks;
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      write(output, input, c.sideInput(bundles), c.sideInput(failures), c.sideInput(notes), c.sideInput(tasks));
    }
  }

  /**
   * Writes the set's files under {@code output} from every bundle, failure and note of the run
   * (in any order: they are sorted here) and the number of checkpoints handed to conversion: what
   * {@link WriteFn} does once the pipeline is done, and what {@link LocalExecutor} does.
   *
   * @return false when no input was found (nothing is written: a mistyped input must not replace
   *     an existing set's files with empty ones)
   */
  public static boolean write(String output, String input, List<BundleRecord> bundles, List<FailureRecord> failures,
      List<SetNote> notes, long tasks) throws IOException {
    String out = output.endsWith("/") ? output.substring(0, output.length() - 1) : output;
    List<BundleRecord> b = new ArrayList<>(bundles);
    b.sort(Comparator.comparing(BundleRecord::workload).thenComparing(BundleRecord::point)
        .thenComparing(BundleRecord::relativePath));
    List<FailureRecord> f = new ArrayList<>(failures);
    f.sort(Comparator.comparing(FailureRecord::uri).thenComparing(FailureRecord::stage));
    List<SetNote> n = new ArrayList<>(notes);
    n.sort(Comparator.comparing(SetNote::workload).thenComparing(SetNote::point).thenComparing(SetNote::kind));
    long inputs = tasks + f.stream().filter(x -> FailureRecord.STAGE_MATCH.equals(x.stage())).count();
    if (inputs == 0) {
      LOG.warn("no checkpoints found under {}: no set files written to {}", input, out);
      return false;
    }
    SetManifest set = setManifest(input, b, f, n, inputs);
    write(out, SET_JSON, set.toJson(), "application/octet-stream");
    write(out, RUN_JSON, runSummary(b, f).toJson(), "application/octet-stream");
    StringBuilder lines = new StringBuilder();
    for (FailureRecord r : f) {
      lines.append(Json.line(r)).append('\n');
    }
    write(out, FAILURES_JSONL, lines.toString());
    SetMetadata meta = set.runnerMetadata();
    write(out, SetFiles.CHECKPOINTS_ALL_JSON, new String(SetFiles.checkpointsJson(meta), StandardCharsets.UTF_8));
    write(out, SetFiles.CHECKPOINT_LST, new String(SetFiles.checkpointList(meta), StandardCharsets.UTF_8));
    write(out, ReportWriter.FILE_NAME, ReportWriter.write(SetReports.of(input, b, f, n)), ReportWriter.CONTENT_TYPE);
    long inputFailures = f.stream().filter(x -> !FailureRecord.STAGE_METADATA.equals(x.stage())).count();
    if (inputs != b.size() + inputFailures) {
      LOG.error("set written to {}: {} inputs but {} bundles + {} failures: {} unaccounted for", out, inputs,
          b.size(), inputFailures, inputs - b.size() - inputFailures);
    } else {
      LOG.info("set written to {}: {} bundles, {} failures", out, b.size(), inputFailures);
    }
    return true;
  }

  private static void write(String output, String rel, String content) throws IOException {
    write(output, rel, content.getBytes(StandardCharsets.UTF_8), "application/octet-stream");
  }

  private static void write(String output, String rel, byte[] content, String mimeType) throws IOException {
    try (PendingFile p = Storage.createAtomic(output + "/" + rel, mimeType)) {
      p.stream().write(content);
      p.commit();
    }
  }

  /** The set's index ({@link SetManifest}: counts, workloads, restorers, failures by reason, notes). */
  private static SetManifest setManifest(String input, List<BundleRecord> b, List<FailureRecord> f, List<SetNote> n,
      long inputs) {
    return SetManifest.of(input, inputs, b.stream().map(r -> new SetManifest.Bundle(r.workload(), r.point(),
        r.weight(), r.weightSource(), r.insts(), r.bundleDir(), r.image(), r.variant(), r.harts(),
        r.restorerSha256(), r.restorerSize(), r.restorerOrigin(), parse(r.restorerParameters()), r.rawBytes(),
        r.imageBytes(), r.actualInsts(), r.flashImage() == null ? null
            : new SetManifest.Flash(r.flashImage(), r.flashRestorerSha256()))).toList(),
        f.stream().map(r -> new SetManifest.Failure(r.stage(), r.reason())).toList(), n);
  }

  private static Map<String, Object> parse(String json) {
    try {
      return Json.mapper().readValue(json, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RunSummary runSummary(List<BundleRecord> b, List<FailureRecord> f) {
    return RunSummary.of(b.stream().map(r -> new RunSummary.Bundle(r.status(), r.sourceBytes(), r.rawBytes(),
        r.imageBytes(), r.millis())).toList(), f.size());
  }
}
