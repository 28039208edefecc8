package dev.gcpt.cli;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.io.Store;
import dev.gcpt.core.io.Uris;
import dev.gcpt.core.set.CheckpointName;
import dev.gcpt.core.set.RunSummary;
import dev.gcpt.core.set.SetManifest;
import dev.gcpt.core.set.SetScan;
import dev.gcpt.pipeline.RecordedPaths;
import dev.gcpt.pipeline.io.Storage;
import dev.gcpt.pipeline.io.S3Listing;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptions;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides, before any pipeline starts, that a {@code gcpt run} has nothing to do: from the set's
 * listing (names, sizes, modification times), its metadata, the previous run's {@code set.json}
 * and each bundle's {@code bundle.json}, reading no image and no checkpoint body. Starting Beam
 * costs seconds before the first checkpoint (its options machinery, the job's construction, the
 * runner's bookkeeping per element): a rerun of 1,000 small, up-to-date checkpoints took 14 s
 * through the pipeline.
 *
 * <p>Every check is conservative: anything it does not recognize as "the same set, the same
 * options, every bundle up to date, set files that say what this run's would" sends the run
 * through the job, which decides per checkpoint as before. The scan is the job's own
 * ({@link SetScan}). The same checks run on S3: one listing of the input, one of the output (the
 * set files, the images), and one GET per {@code bundle.json}, {@value #REMOTE_READS} at a time.
 */
final class UpToDateRun {
  private UpToDateRun() {}

  /** Manifests read at once from a remote store (each is one small GET; the answer is latency-bound). */
  static final int REMOTE_READS = 16;

  /**
   * The number of bundles when every checkpoint of {@code input} has an up-to-date bundle in
   * {@code output} and {@code output}'s set files describe exactly this set; -1 otherwise (then
   * run the job).
   *
   * @param s3 the S3 settings as options when {@code input} or {@code output} is on S3 (file
   *     systems already configured with them), else null
   */
  static int check(String input, String output, BundleBuilder builder, Codec codec, PipelineOptions s3)
      throws IOException, InterruptedException {
    boolean local = Uris.isLocal(input) && Uris.isLocal(output);
    if (!local && s3 == null) {
      return -1;
    }
    Store store = Storage.store(s3);
    String outRoot = Storage.directory(output);
    // one listing of the output answers every "is it there" (set files, journals, images)
    Map<String, Store.Entry> outputs = new TreeMap<>();
    for (Store.Entry e : store.list(outRoot)) {
      if (e.uri().startsWith(outRoot + "/")) {
        outputs.put(e.uri().substring(outRoot.length() + 1), e);
      }
    }
    Store.Entry setEntry = outputs.get(SetManifest.FILE);
    Store.Entry runEntry = outputs.get(RunSummary.FILE);
    if (setEntry == null || runEntry == null) {
      return -1;
    }
    long written = Math.min(setEntry.lastModifiedMillis(), runEntry.lastModifiedMillis());
    SetManifest set;
    try (InputStream in = store.open(setEntry.uri())) {
      set = SetManifest.read(in);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    SetManifest.Counts counts = set.counts();
    if (counts == null || counts.failures() != 0 || counts.metadataErrors() != 0 || counts.unaccounted() != null
        || !set.notes().isEmpty() || counts.inputs() != counts.bundles()
        || !SetManifest.inputLabel(input).equals(set.input())) {
      return -1;
    }
    String root = Storage.directory(input) + "/";
    Map<String, Store.Entry> byRel = new TreeMap<>();
    TreeMap<String, SetScan.Listed> listing = new TreeMap<>();
    for (Store.Entry f : store.list(input)) {
      // a file changed (or put in) after the last run wrote its set files: the job looks. Only a
      // shortcut: what decides is below (the scan against set.json, each bundle's recipe of its
      // source's fingerprint). Strictly after: S3 times are whole seconds, and inputs uploaded in
      // the second a run ended would otherwise send every rerun through the job
      if (f.problem() != null || !f.uri().startsWith(root) || f.lastModifiedMillis() > written) {
        return -1;
      }
      String rel = f.uri().substring(root.length());
      byRel.put(rel, f);
      listing.put(rel, new SetScan.Listed(f.uri(), null));
    }
    SetScan.Result scan = SetScan.scan(listing, codec, store::open);
    if (!scan.failures().isEmpty() || !scan.notes().isEmpty() || scan.tasks().size() != counts.bundles()) {
      return -1;
    }
    RecordedPaths paths = RecordedPaths.of(input, output);
    List<Callable<Boolean>> checks = new ArrayList<>();
    try (ListedOutput out = new ListedOutput(outRoot, outputs, s3)) {
      for (SetScan.Task t : scan.tasks()) {
        CheckpointName n = t.name();
        SetManifest.Workload w = set.workloads().get(n.workload());
        SetManifest.Point p = w == null ? null : w.points().get(n.point());
        // the set files say what this run's would: the same bundle, weight and instruction count
        // a flash pair's recipe covers its flash file too: the job decides those
        if (t.flash() != null || p == null || n.isUniform() || p.uniform() != null || !t.bundleDir().equals(p.bundle())
            || !java.util.Objects.equals(t.weight(), p.weight()) || !t.weightSource().equals(p.weightSource())
            || !java.util.Objects.equals(t.insts(), w.insts())) {
          return -1;
        }
        Store.Entry f = byRel.get(n.relativePath());
        BundleBuilder.Source source = new BundleBuilder.Source(paths.input(f.uri(), n.relativePath()),
            f.fingerprint());
        BundleBuilder.Target target = new BundleBuilder.Target(t.bundleDir(), t.imageFileName(),
            new BundleManifest.SimPoint(n.workload(), n.point(), t.weight(), t.insts(), null));
        checks.add(() -> builder.upToDate(source, target, out).isPresent());
      }
      if (!allTrue(checks, local ? 1 : REMOTE_READS)) {
        return -1;
      }
    }
    return scan.tasks().size();
  }

  /** Whether every check holds; on {@code threads} threads, stopping at the first that does not. */
  private static boolean allTrue(List<Callable<Boolean>> checks, int threads)
      throws IOException, InterruptedException {
    if (threads <= 1) {
      for (Callable<Boolean> c : checks) {
        if (!call(c)) {
          return false;
        }
      }
      return true;
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "gcpt-up-to-date");
      t.setDaemon(true);
      return t;
    });
    try {
      java.util.concurrent.CompletionService<Boolean> done = new java.util.concurrent.ExecutorCompletionService<>(pool);
      checks.forEach(done::submit);
      for (int i = 0; i < checks.size(); i++) {
        try {
          if (!done.take().get()) {
            return false;
          }
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof IOException io) {
            throw io;
          }
          throw new IOException(e.getCause());
        }
      }
      return true;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The output as its listing shows it, for reading manifests: {@code exists} and {@code size}
   * from the listing, {@code open} one GET on S3 (Beam's channel would add a HEAD). Writes nothing.
   */
  static final class ListedOutput implements dev.gcpt.core.bundle.OutputFiles, AutoCloseable {
    private final String root;
    private final Map<String, Store.Entry> listed;
    private final S3Listing.Getter client;

    ListedOutput(String root, Map<String, Store.Entry> listed, PipelineOptions s3) {
      this.root = root;
      this.listed = listed;
      this.client = root.startsWith("s3://") ? new S3Listing.Getter(s3) : null;
    }

    @Override
    public boolean exists(String rel) {
      return listed.containsKey(rel);
    }

    @Override
    public long size(String rel) throws IOException {
      Store.Entry e = listed.get(rel);
      if (e == null) {
        throw new java.io.FileNotFoundException(describe(rel));
      }
      return e.size();
    }

    @Override
    public InputStream open(String rel) throws IOException {
      return client != null ? client.get(describe(rel)) : Storage.open(describe(rel));
    }

    @Override
    public String describe(String rel) {
      return root + "/" + rel;
    }

    @Override
    public boolean canOverwrite() {
      // as the store's own: a bundle on a local disk may hold an in-place swap's journal (the output's
      // disk, whatever the input's)
      return Uris.isLocal(root);
    }

    @Override
    public java.io.OutputStream create(String rel) {
      throw new UnsupportedOperationException("read-only: " + rel);
    }

    @Override
    public void commit(String fromRel, String toRel) {
      throw new UnsupportedOperationException("read-only: " + toRel);
    }

    @Override
    public void delete(String rel) {
      throw new UnsupportedOperationException("read-only: " + rel);
    }

    @Override
    public void close() {
      if (client != null) {
        client.close();
      }
    }
  }

  private static boolean call(Callable<Boolean> c) throws IOException {
    try {
      return c.call();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }
}
