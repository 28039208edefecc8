package dev.gcpt.pipeline;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.io.Store;
import dev.gcpt.core.set.CheckpointName;
import dev.gcpt.core.set.SetNote;
import dev.gcpt.core.set.SetScan;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Lists a set root and hands the listing to {@link SetScan} (core), which recognizes checkpoint
 * files by every naming convention, reads the set's SimPoint metadata and joins them.
 * Emits one {@link CheckpointTask} per checkpoint to convert, a {@link FailureRecord} per
 * checkpoint that cannot be (e.g. two files for one point), and {@link SetNote}s.
 */
public final class FindCheckpoints extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<CheckpointTask> TASKS = new TupleTag<>() {};
  public static final TupleTag<FailureRecord> FAILURES = new TupleTag<>() {};
  public static final TupleTag<SetNote> NOTES = new TupleTag<>() {};

  private final String root;
  private final Codec outputCodec;
  private final RecordedPaths paths;

  public FindCheckpoints(String root, Codec outputCodec, RecordedPaths paths) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    this.outputCodec = outputCodec;
    this.paths = paths;
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    return begin
        .apply("Root", Create.of(root))
        .apply("Join", ParDo.of(new JoinFn(outputCodec, paths))
            .withOutputTags(TASKS, TupleTagList.of(FAILURES).and(NOTES)));
  }

  /** Lists the set and joins the listing with the metadata ({@link SetScan}); runs once per set. */
  static final class JoinFn extends DoFn<String, CheckpointTask> {
    private final Counter found = Metrics.counter(JoinFn.class, "checkpointsFound");
    /** Checkpoint-named inputs refused while matching (each one a failures.jsonl line). */
    private final Counter matchFailures = Metrics.counter(JoinFn.class, "matchFailures");
    private final Codec outputCodec;
    private final RecordedPaths paths;

    JoinFn(Codec outputCodec, RecordedPaths paths) {
      this.outputCodec = outputCodec;
      this.paths = paths;
    }

    @ProcessElement
    public void process(@Element String setRoot, MultiOutputReceiver out, PipelineOptions options)
        throws IOException {
      // the one listing (Storage.store): an S3 ListObjectsV2, or a local walk that keeps every name
      Found f = scan(Storage.store(options), setRoot, outputCodec, paths);
      matchFailures.inc(f.matchFailures());
      found.inc(f.tasks().size());
      f.failures().forEach(out.get(FAILURES)::output);
      f.tasks().forEach(out.get(TASKS)::output);
      f.notes().forEach(out.get(NOTES)::output);
    }
  }

  /**
   * A set's listing joined with its metadata: the checkpoints to convert, the inputs refused
   * (of which {@code matchFailures} were refused while matching names) and the notes.
   */
  public record Found(List<CheckpointTask> tasks, List<FailureRecord> failures, List<SetNote> notes,
      int matchFailures) {}

  /**
   * Lists {@code root} in {@code store} and joins the listing with the metadata ({@link SetScan}):
   * what {@link JoinFn} emits, and what {@link LocalExecutor} runs.
   */
  public static Found scan(Store store, String root, Codec outputCodec, RecordedPaths paths) throws IOException {
    String r = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    Map<String, Store.Entry> byRel = new TreeMap<>();
    for (Store.Entry f : store.list(r)) {
      byRel.put(relative(r, f.uri()), f);
    }
    TreeMap<String, SetScan.Listed> listing = new TreeMap<>();
    byRel.forEach((rel, f) -> listing.put(rel, new SetScan.Listed(f.uri(), f.problem())));
    SetScan.Result scan = SetScan.scan(listing, outputCodec, store::open);
    List<FailureRecord> failures = new ArrayList<>();
    int matchFailures = 0;
    for (SetScan.Failure f : scan.failures()) {
      if (SetScan.STAGE_MATCH.equals(f.stage())) {
        matchFailures++;
      }
      failures.add(new FailureRecord(paths.input(f.uri(), f.relativePath()), f.stage(), f.reason(),
          paths.scrub(f.message())));
    }
    List<CheckpointTask> tasks = new ArrayList<>();
    for (SetScan.Task t : scan.tasks()) {
      CheckpointName n = t.name();
      CheckpointTask.Flash flash = t.flash() == null ? null : new CheckpointTask.Flash(t.flash().uri(),
          t.flash().name().relativePath(), byRel.get(t.flash().name().relativePath()).fingerprint());
      tasks.add(new CheckpointTask(t.uri(), n.relativePath(), n.workload(), n.point(), t.weight(),
          t.weightSource(), t.insts(), t.bundleDir(), t.imageFileName(), byRel.get(n.relativePath()).fingerprint(),
          n.actualInstructions().orElse(null), flash));
    }
    return new Found(List.copyOf(tasks), List.copyOf(failures), List.copyOf(scan.notes()), matchFailures);
  }

  private static String relative(String root, String uri) {
    String prefix = root + "/";
    if (uri.startsWith(prefix)) {
      return uri.substring(prefix.length());
    }
    // local roots may be given relative, with a trailing separator or as file: URIs; the listing
    // names local files by absolute path
    String abs = Storage.directory(root) + "/";
    return uri.startsWith(abs) ? uri.substring(abs.length()) : uri;
  }
}
