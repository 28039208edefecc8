package dev.gcpt.pipeline;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.set.SetNote;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * The main job: a SimPoint set in, ready-to-run bundles and the set's files out.
 *
 * <pre>
 * FindCheckpoints ─► Distribute (Reshuffle) ─► NormalizeCheckpoints ─► WriteSetFiles
 *        │                                          │
 *        └── failures / notes ──────────────────────┴──► failures.jsonl, set.json
 * </pre>
 */
public final class GcptPipeline {
  private GcptPipeline() {}

  public static void main(String[] args) {
    GcptOptions options = PipelineOptionsFactory.fromArgs(args).withValidation().as(GcptOptions.class);
    run(options).waitUntilFinish();
  }

  /** Builds and starts the pipeline. */
  public static PipelineResult run(GcptOptions options) {
    skipRegionLookupWhenLocal(options);
    FileSystems.setDefaultPipelineOptions(options);
    Pipeline p = Pipeline.create(options);
    build(p, options);
    return p.run();
  }

  /**
   * A job that touches no s3:// URI still registers Beam's S3 file system, whose configuration
   * asks the AWS SDK for a region; without one configured, the SDK's chain ends by probing the EC2
   * instance metadata service (two sleeps of 250 and 500 ms and connection timeouts, measured
   * at about 0.8 s per pipeline run, twice per run on the DirectRunner). The region means nothing
   * to such a job, so it gets a fixed one and the probe never happens.
   */
  public static void skipRegionLookupWhenLocal(GcptOptions options) {
    for (String uri : new String[] {options.getInput(), options.getOutput(), options.getRestorer()}) {
      if (uri != null && uri.regionMatches(true, 0, "s3://", 0, 5)) {
        return;
      }
    }
    options.as(org.apache.beam.sdk.io.aws2.options.AwsOptions.class)
        .setAwsRegion(software.amazon.awssdk.regions.Region.US_EAST_1);
  }

  /** The job's main outputs (for tests and callers that add steps). */
  public record Outputs(PCollection<BundleRecord> bundles, PCollection<FailureRecord> failures) {}

  /** Adds the job's transforms to {@code p}. */
  public static Outputs build(Pipeline p, GcptOptions options) {
    PCollectionTuple found = p.apply("FindCheckpoints",
        new FindCheckpoints(options.getInput(), Codec.fromCliName(options.getCodec()),
            RecordedPaths.of(options.getInput(), options.getOutput())));
    found.get(FindCheckpoints.TASKS).setCoder(SerializableCoder.of(CheckpointTask.class));
    found.get(FindCheckpoints.FAILURES).setCoder(SerializableCoder.of(FailureRecord.class));
    found.get(FindCheckpoints.NOTES).setCoder(SerializableCoder.of(SetNote.class));
    PCollectionTuple made = found.get(FindCheckpoints.TASKS)
        .apply("Distribute", Reshuffle.viaRandomKey())
        .apply("NormalizeCheckpoints", new NormalizeCheckpoints(NormalizeCheckpoints.Config.of(options)));
    PCollection<FailureRecord> failures = PCollectionList.of(found.get(FindCheckpoints.FAILURES))
        .and(made.get(NormalizeCheckpoints.FAILURES))
        .apply("AllFailures", Flatten.pCollections());
    // counted apart from what NormalizeCheckpoints emits, so that set.json can prove nothing was lost
    PCollection<Long> tasks = found.get(FindCheckpoints.TASKS).apply("CountTasks", Count.globally());
    PCollection<SetNote> notes = PCollectionList.of(found.get(FindCheckpoints.NOTES))
        .and(made.get(NormalizeCheckpoints.NOTES))
        .apply("AllNotes", Flatten.pCollections());
    made.get(NormalizeCheckpoints.BUNDLES).apply("WriteSetFiles",
        new WriteSetFiles(options.getOutput(), options.getInput(), failures, notes, tasks));
    return new Outputs(made.get(NormalizeCheckpoints.BUNDLES), failures);
  }
}
