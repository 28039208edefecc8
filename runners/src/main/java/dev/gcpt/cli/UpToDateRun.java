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
import dev.gcpt.pipeline.io.StorageOutputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * through the pipeline, which decides per checkpoint as before. The scan is the pipeline's own
 * ({@link SetScan}); local sets and outputs only (on S3 the pipeline decides).
 */
final class UpToDateRun {
  private UpToDateRun() {}

  /**
   * The number of bundles when every checkpoint of {@code input} has an up-to-date bundle in
   * {@code output} and {@code output}'s set files describe exactly this set; -1 otherwise (then
   * run the pipeline).
   */
  static int check(String input, String output, BundleBuilder builder, Codec codec) throws IOException {
    if (!Uris.isLocal(input) || !Uris.isLocal(output)) {
      return -1;
    }
    Path setJson = Uris.localPath(output).resolve(SetManifest.FILE);
    Path runJson = Uris.localPath(output).resolve(RunSummary.FILE);
    if (!Files.isRegularFile(setJson) || !Files.isRegularFile(runJson)) {
      return -1;
    }
    long written = Math.min(Files.getLastModifiedTime(setJson).toMillis(),
        Files.getLastModifiedTime(runJson).toMillis());
    SetManifest set;
    try (InputStream in = Files.newInputStream(setJson)) {
      set = SetManifest.read(in);
    } catch (IOException e) {
      return -1;
    }
    SetManifest.Counts counts = set.counts();
    if (counts == null || counts.failures() != 0 || counts.metadataErrors() != 0 || counts.unaccounted() != null
        || !set.notes().isEmpty() || counts.inputs() != counts.bundles()
        || !SetManifest.inputLabel(input).equals(set.input())) {
      return -1;
    }
    Store store = Store.local();
    String root = Storage.directory(input) + "/";
    Map<String, Store.Entry> byRel = new TreeMap<>();
    TreeMap<String, SetScan.Listed> listing = new TreeMap<>();
    for (Store.Entry f : store.list(input)) {
      // a file changed (or put in) since the last run wrote its set files: the pipeline looks
      if (f.problem() != null || !f.uri().startsWith(root) || f.lastModifiedMillis() >= written) {
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
    try (StorageOutputFiles out = new StorageOutputFiles(Storage.directory(output), null)) {
      for (SetScan.Task t : scan.tasks()) {
        CheckpointName n = t.name();
        SetManifest.Workload w = set.workloads().get(n.workload());
        SetManifest.Point p = w == null ? null : w.points().get(n.point());
        // the set files say what this run's would: the same bundle, weight and instruction count
        // a flash pair's recipe covers its flash file too: the pipeline decides those
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
        if (builder.upToDate(source, target, out).isEmpty()) {
          return -1;
        }
      }
    }
    return scan.tasks().size();
  }
}
