package dev.gcpt.pipeline;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.set.SetNote;
import dev.gcpt.pipeline.io.Storage;
import dev.gcpt.pipeline.io.StorageOutputFiles;
import java.io.IOException;
import java.util.List;
import java.io.InputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each {@link CheckpointTask} into a bundle with core's {@link BundleBuilder} (one
 * checkpoint at a time, streaming), or into a {@link FailureRecord}. Never swallows an input:
 * storage errors are retried with exponential backoff, then recorded as failures.
 */
public final class NormalizeCheckpoints extends PTransform<PCollection<CheckpointTask>, PCollectionTuple> {
  public static final TupleTag<BundleRecord> BUNDLES = new TupleTag<>() {};
  public static final TupleTag<FailureRecord> FAILURES = new TupleTag<>() {};
  /** What a bundle's manifest notes that the set's reader must see (a resume pc outside DRAM). */
  public static final TupleTag<SetNote> NOTES = new TupleTag<>() {};
  /** The set.json note kind of {@link BundleBuilder#RESUME_PC_OUTSIDE_DRAM}. */
  static final String RESUME_PC_NOTE = "resume-pc-outside-dram";

  private final Config config;

  public NormalizeCheckpoints(Config config) {
    this.config = config;
  }

  /** What every worker needs, serialized with the DoFn (no secrets: S3 comes from the options). */
  public record Config(String output, RecordedPaths paths, String platform, String restorer, String codec, int level,
      int frameMib, int imageThreads, boolean singleFrame, int vlen, long maxImageGib, int ioAttempts)
      implements Serializable {

    public static Config of(GcptOptions o) {
      return new Config(o.getOutput(), RecordedPaths.of(o.getInput(), o.getOutput()), o.getPlatform(), o.getRestorer(),
          o.getCodec(), o.getLevel(), o.getFrameMib(), o.getImageThreads(), o.getSingleFrame(), o.getVlen(),
          o.getMaxImageGib(), o.getIoAttempts());
    }

    /** Storage attempts per checkpoint when a command line gives none. */
    public static final int DEFAULT_IO_ATTEMPTS = 3;

    /** Sets these settings on {@code o} (the inverse of {@link #of}; input and output excepted). */
    public GcptOptions applyTo(GcptOptions o) {
      o.setPlatform(platform);
      o.setRestorer(restorer);
      o.setCodec(codec);
      o.setLevel(level);
      o.setFrameMib(frameMib);
      o.setImageThreads(imageThreads);
      o.setSingleFrame(singleFrame);
      o.setVlen(vlen);
      o.setMaxImageGib(maxImageGib);
      o.setIoAttempts(ioAttempts);
      return o;
    }

    ImageOptions image() {
      return ImageOptions.of(Codec.fromCliName(codec), level, frameMib, imageThreads, singleFrame);
    }
  }

  @Override
  public PCollectionTuple expand(PCollection<CheckpointTask> tasks) {
    PCollectionTuple out = tasks.apply("Build", ParDo.of(new NormalizeFn(config))
        .withOutputTags(BUNDLES, TupleTagList.of(FAILURES).and(NOTES)));
    out.get(BUNDLES).setCoder(SerializableCoder.of(BundleRecord.class));
    out.get(FAILURES).setCoder(SerializableCoder.of(FailureRecord.class));
    out.get(NOTES).setCoder(SerializableCoder.of(SetNote.class));
    return out;
  }

  /**
   * What one checkpoint became: a bundle (with its build status and the notes its manifest
   * raised for the set) or a failure; and how many storage retries it took.
   */
  public record Outcome(BundleRecord bundle, List<SetNote> notes, FailureRecord failure, int retries) {
    /** The bundle's build status; null for a failure. */
    public BundleBuilder.Status status() {
      return bundle == null ? null : BundleBuilder.Status.valueOf(bundle.status());
    }
  }

  /**
   * Builds bundles one checkpoint at a time with core's {@link BundleBuilder}: the work of
   * {@link NormalizeFn}, and of {@link LocalExecutor}'s threads (one worker each; not
   * thread-safe). Never swallows an input: storage errors are retried with exponential backoff,
   * then become failures; a bad input becomes a failure at once.
   */
  public static final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final long FIRST_BACKOFF_MILLIS = 500;

    private final Config config;
    private final BundleBuilder builder;
    private final StorageOutputFiles out;

    /** @param options the job's options (regenerations on S3 copy image bodies inside the store); may be null */
    public Worker(Config config, org.apache.beam.sdk.options.PipelineOptions options) throws IOException {
      this.config = config;
      BundleBuilder.RestorerChoice choice;
      if ("builtin".equals(config.restorer())) {
        choice = new BundleBuilder.Builtin();
      } else {
        try (InputStream in = Storage.open(config.restorer())) {
          choice = BundleBuilder.External.load(config.restorer(),
              dev.gcpt.core.restorer.RestorerFiles.read(in, config.restorer()));
        }
      }
      this.builder = new BundleBuilder(new BundleBuilder.Options(PlatformProfile.resolve(config.platform()), choice,
          config.image(), config.vlen(), config.maxImageGib() << 30));
      this.out = new StorageOutputFiles(config.output(), options);
    }

    /** One checkpoint in, one bundle or one failure out. */
    public Outcome process(CheckpointTask t) throws InterruptedException {
      long start = System.nanoTime();
      String recordedUri = config.paths().input(t.uri(), t.relativePath());
      BundleBuilder.Target target = new BundleBuilder.Target(t.bundleDir(), t.imageFileName(),
          new BundleManifest.SimPoint(t.workload(), t.point(), t.weight(), t.insts(),
              t.uniform() ? new BundleManifest.Uniform(t.point(), t.actualInsts()) : null));
      long backoff = FIRST_BACKOFF_MILLIS;
      for (int attempt = 1; ; attempt++) {
        try {
          BundleBuilder.FlashInput flash = null;
          if (t.flash() != null) {
            String recordedFlash = config.paths().input(t.flash().uri(), t.flash().relativePath());
            flash = new BundleBuilder.FlashInput(recordedFlash, t.flash().fingerprint(),
                () -> SourceStream.open(t.flash().uri(), recordedFlash));
          }
          BundleBuilder.Result r = builder.build(new BundleBuilder.Source(recordedUri, t.fingerprint()),
              () -> SourceStream.open(t.uri(), recordedUri), flash, target, out);
          return built(t, r, (System.nanoTime() - start) / 1_000_000, attempt - 1);
        } catch (IOException | RuntimeException e) {
          StorageError error = StorageError.classify(e);
          if (error == null) {
            // the input itself is bad (or the code is): retrying cannot help
            if (e instanceof CheckpointException ce) {
              return failed(recordedUri, stage(ce), ce.reason().code(), e.getMessage(), attempt - 1);
            }
            return failed(recordedUri, FailureRecord.STAGE_NORMALIZE, "internal-error", recordedUri + ": " + e,
                attempt - 1);
          }
          if (error.missing() || attempt >= config.ioAttempts()) {
            return failed(recordedUri, error.stage(), error.reason(), error.describe(recordedUri, attempt),
                attempt - 1);
          }
          LOG.warn("{}: attempt {} of {} failed, retrying in {} ms: {}", recordedUri, attempt, config.ioAttempts(),
              backoff, config.paths().scrub(String.valueOf(error.cause())));
        }
        Thread.sleep(backoff);
        backoff *= 2;
      }
    }

    private static String stage(CheckpointException e) {
      return switch (e.reason()) {
        case BAD_RESTORER, INCONSISTENT -> FailureRecord.STAGE_NORMALIZE;
        default -> FailureRecord.STAGE_READ;
      };
    }

    private Outcome failed(String recordedUri, String stage, String reason, String message, int retries) {
      return new Outcome(null, List.of(), new FailureRecord(recordedUri, stage, reason, config.paths().scrub(message)),
          retries);
    }

    private static Outcome built(CheckpointTask t, BundleBuilder.Result r, long ms, int retries) {
      BundleManifest m = r.manifest();
      List<SetNote> notes = new java.util.ArrayList<>();
      for (String note : m.notes()) {
        if (note.startsWith(BundleBuilder.RESUME_PC_OUTSIDE_DRAM)) {
          notes.add(new SetNote(RESUME_PC_NOTE, t.workload(), t.point(), List.of(t.relativePath()),
              note.substring(BundleBuilder.RESUME_PC_OUTSIDE_DRAM.length()), t.weight()));
        }
      }
      BundleRecord b = new BundleRecord(t.relativePath(), t.workload(), t.point(), t.weight(),
          t.weightSource(), t.insts(), r.status().name(), r.dir(), r.dir() + "/" + m.image().file(), m.variant(),
          m.harts(), m.restorer().sha256(), m.restorer().size(), m.restorer().origin(),
          Json.line(m.restorer().parameters()), m.source().compressedLength(), m.image().rawLength(),
          m.image().compressedLength(), ms, t.actualInsts(),
          m.flash() == null ? null : r.dir() + "/" + m.flash().image().file(),
          m.flash() == null ? null : m.flash().restorer().sha256());
      return new Outcome(b, List.copyOf(notes), null, retries);
    }

    @Override
    public void close() {
      builder.close();
      out.close();
    }
  }

  /** One checkpoint in, one bundle or one failure out ({@link Worker}), counted in metrics. */
  static final class NormalizeFn extends DoFn<CheckpointTask, BundleRecord> {
    private final Counter built = Metrics.counter(NormalizeFn.class, "bundlesBuilt");
    private final Counter regenerated = Metrics.counter(NormalizeFn.class, "bundlesRegenerated");
    private final Counter upToDate = Metrics.counter(NormalizeFn.class, "bundlesUpToDate");
    private final Counter failed = Metrics.counter(NormalizeFn.class, "failures");
    private final Counter retries = Metrics.counter(NormalizeFn.class, "storageRetries");
    private final Counter bytesIn = Metrics.counter(NormalizeFn.class, "sourceBytes");
    private final Counter rawBytes = Metrics.counter(NormalizeFn.class, "rawBytes");
    private final Counter bytesOut = Metrics.counter(NormalizeFn.class, "imageBytes");
    private final Distribution millis = Metrics.distribution(NormalizeFn.class, "millisPerCheckpoint");

    private final Config config;
    private transient Worker worker;

    NormalizeFn(Config config) {
      this.config = config;
    }

    @StartBundle
    public void startBundle(StartBundleContext c) throws IOException {
      if (worker == null) {
        worker = new Worker(config, c.getPipelineOptions());
      }
    }

    @Teardown
    public void teardown() {
      if (worker != null) {
        worker.close();
      }
    }

    @ProcessElement
    public void process(@Element CheckpointTask t, MultiOutputReceiver receiver) throws InterruptedException {
      Outcome o = worker.process(t);
      retries.inc(o.retries());
      if (o.failure() != null) {
        failed.inc();
        Metrics.counter(NormalizeFn.class, "failures_" + o.failure().reason()).inc();
        receiver.get(FAILURES).output(o.failure());
        return;
      }
      BundleRecord b = o.bundle();
      switch (o.status()) {
        case BUILT -> built.inc();
        case REGENERATED -> regenerated.inc();
        case UP_TO_DATE -> upToDate.inc();
      }
      if (o.status() != BundleBuilder.Status.UP_TO_DATE) {
        bytesIn.inc(b.sourceBytes());
        rawBytes.inc(b.rawBytes());
        bytesOut.inc(b.imageBytes());
      }
      millis.update(b.millis());
      o.notes().forEach(receiver.get(NOTES)::output);
      receiver.get(BUNDLES).output(b);
    }
  }
}
