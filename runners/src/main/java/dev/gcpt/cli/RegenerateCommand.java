package dev.gcpt.cli;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.bundle.BundlePool;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.bundle.OutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.io.Store;
import dev.gcpt.core.io.Uris;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.set.SetManifest;
import dev.gcpt.pipeline.WriteSetFiles;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.Storage;
import dev.gcpt.pipeline.io.StorageOutputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gcpt regenerate DIR --restorer …}: pairs every bundle under DIR (a set root or one
 * bundle's directory) with a new restorer by rewriting only the head frame; the body frames'
 * compressed bytes are copied unchanged. Needs only the bundles, not the sources. Bundles already
 * carrying that restorer are left alone. Updates {@code set.json} when DIR is a set root.
 */
@Command(name = "regenerate", description = "Swap the restorer of existing bundles (head frames only).")
public final class RegenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Set root or bundle directory (local or s3://).")
  String root;

  @Mixin BundleOptions bundle;
  @Mixin StorageOptions storage;

  @Option(names = "--parallelism", defaultValue = "0",
      description = "Bundles regenerated at once (threads). 0 = number of cores.")
  int parallelism;

  /** A worker thread's builders, by image options and VLEN (each keeps its restorer cache). */
  private static final class Builders extends LinkedHashMap<String, BundleBuilder> implements AutoCloseable {
    @Override
    public void close() {
      values().forEach(BundleBuilder::close);
    }
  }

  /** What became of one bundle: its result, or the line that says why it failed. */
  private record Outcome(BundleManifest before, BundleBuilder.Result result, String error, boolean unknownRestorers,
      long millis) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    org.apache.beam.sdk.options.PipelineOptions s3Options = null;
    if (!Uris.isLocal(root)) {
      s3Options = storage.s3Setup().configureFileSystems(); // Beam's options machinery costs seconds: only when needed
    }
    // spelled as the listing spells its files (a local DIR: absolute), so that a listed manifest's
    // URI minus the base is its path below DIR, however DIR was written (relative, ./, ../, file:)
    String base = Storage.directory(root);
    // a local set through java.nio directly (Beam's local file system stats a path 4 times per question)
    StorageOutputFiles remote = Uris.isLocal(base) ? null : new StorageOutputFiles(base, s3Options);
    OutputFiles files = remote != null ? remote : new LocalOutputFiles(java.nio.file.Path.of(base));
    java.util.TreeSet<String> manifests = new java.util.TreeSet<>();
    // the one listing (Storage.store, as FindCheckpoints lists a set): Beam's match drops local names
    // that are not valid UTF-8
    for (Store.Entry f : storage.list(base)) {
      if (f.problem() != null) {
        continue;
      }
      if (f.uri().endsWith("/" + BundleBuilder.MANIFEST)) {
        manifests.add(f.uri());
      } else if (f.uri().endsWith("/" + BundleBuilder.JOURNAL)) {
        // an in-place swap a killed run left half done: finish it first (it writes bundle.json)
        String dir = f.uri().substring(base.length() + 1, f.uri().length() - BundleBuilder.JOURNAL.length() - 1);
        BundleBuilder.recover(files, dir);
        if (files.exists(dir + "/" + BundleBuilder.MANIFEST)) {
          manifests.add(base + "/" + dir + "/" + BundleBuilder.MANIFEST);
        }
      }
    }
    if (manifests.isEmpty()) {
      err.println("gcpt regenerate: no bundle.json under " + root);
      if (remote != null) {
        remote.close();
      }
      return 1;
    }
    List<String> rels = new ArrayList<>();
    for (String uri : manifests) {
      String rel = uri.substring(base.length() + 1);
      if (!rel.contains("/")) {
        err.println("gcpt regenerate: give the set root or the directory above the bundle, not " + uri);
        if (remote != null) {
          remote.close();
        }
        return 2;
      }
      rels.add(rel);
    }
    String setRoot = files.exists(SetManifest.FILE) ? base : null;
    // bundles on a small pool: each worker its own builders (the restorer cache, the image writer);
    // outcomes are kept by position and reported in the listing's order, as one thread would
    Outcome[] outcomes = new Outcome[rels.size()];
    try {
      BundlePool.run(outcomes.length, Runners.workers(parallelism), "gcpt-regenerate", Builders::new,
          (builders, i) -> outcomes[i] = regenerateOne(files, base, rels.get(i), builders));
    } finally {
      if (remote != null) {
        remote.close();
      }
    }
    Map<String, Integer> statuses = new TreeMap<>();
    Map<String, BundleManifest> after = new TreeMap<>();
    List<dev.gcpt.core.report.SetReport.Timing> timings = new ArrayList<>();
    int failed = 0;
    // the restorers some manifest refers to after this run; null once one cannot be told
    java.util.Set<String> referenced = new java.util.TreeSet<>();
    for (Outcome o : outcomes) {
      if (o.error() != null) {
        err.println(o.error());
        failed++;
        if (o.unknownRestorers()) {
          referenced = null;
        } else if (referenced != null) {
          referenced.add(o.before().restorer().file()); // unchanged: still its old restorer
          if (o.before().flash() != null) {
            referenced.add(o.before().flash().restorer().file());
          }
        }
        continue;
      }
      BundleBuilder.Result r = o.result();
      statuses.merge(r.status().name(), 1, Integer::sum);
      after.put(r.dir(), r.manifest());
      if (referenced != null) {
        referenced.add(r.manifest().restorer().file());
        if (r.manifest().flash() != null) {
          referenced.add(r.manifest().flash().restorer().file());
        }
      }
      timings.add(new dev.gcpt.core.report.SetReport.Timing(o.before().simpoint().workload(),
          o.before().simpoint().point(), r.status().name(), o.millis(), o.before().image().rawLength()));
    }
    if (setRoot != null) {
      SetManifest set = updateSetJson(setRoot, after);
      writeReport(setRoot, set, after, timings);
      if (referenced != null) {
        int removed = removeUnusedRestorers(setRoot, referenced);
        if (removed > 0) {
          out.printf(Locale.ROOT, "removed %d restorer file(s) no bundle uses any more%n", removed);
        }
      }
    }
    List<String> counts = new ArrayList<>();
    statuses.forEach((k, v) -> counts.add(RunCommand.Summary.count(k, v)));
    out.printf(Locale.ROOT, "%d bundle(s): %s%s%n", manifests.size(), String.join(", ", counts),
        failed > 0 ? ", " + failed + " failed" : "");
    return failed == 0 ? 0 : 1;
  }

  /**
   * Regenerates the bundle whose manifest is {@code rel} (below {@code base}) with a builder of
   * {@code builders} for its image options (made on first use).
   */
  private Outcome regenerateOne(OutputFiles files, String base, String rel, Builders builders) throws IOException {
    String dir = rel.substring(0, rel.lastIndexOf('/'));
    Optional<BundleManifest> read = BundleBuilder.readManifest(files, rel);
    if (read.isEmpty()) {
      return new Outcome(null, null, "gcpt regenerate: " + base + "/" + rel + ": unreadable manifest", true, 0);
    }
    BundleManifest m = read.get();
    // a single-frame image records no body frame size: it was written with the default
    long frame = m.image().singleFrame() ? ImageOptions.DEFAULT_BODY_FRAME_RAW_SIZE : m.image().bodyFrameRawLength();
    ImageOptions image = ImageOptions.of(Codec.fromCliName(m.image().codec()), m.image().level(),
        (int) (Math.max(frame, ImageOptions.MIB) >> 20), 2, m.image().singleFrame());
    String key = image + "|" + m.vlen();
    BundleBuilder b = builders.get(key);
    if (b == null) {
      BundleBuilder.Options options;
      synchronized (bundle) { // the options are the command's, with this bundle's VLEN
        bundle.vlen = m.vlen();
        options = bundle.toOptions(storage, image);
      }
      b = new BundleBuilder(options);
      builders.put(key, b);
    }
    long started = System.nanoTime();
    try {
      // a flash checkpoint: both images carry a restorer (regenerated from the bundle's own images)
      BundleBuilder.FlashInput flash = m.flash() == null ? null : new BundleBuilder.FlashInput(
          m.flash().source().uri(), m.flash().source().fingerprint(), () -> storage.open(m.flash().source().uri()));
      BundleBuilder.Result r = b.build(new BundleBuilder.Source(m.source().uri(), m.source().fingerprint()),
          () -> storage.open(m.source().uri()), flash, new BundleBuilder.Target(dir, m.image().file(), m.simpoint()),
          files, read);
      return new Outcome(m, r, null, false, (System.nanoTime() - started) / 1_000_000);
    } catch (CheckpointException e) {
      return new Outcome(m, null, "gcpt regenerate: " + dir + ": " + e.getMessage() + " [" + e.reason().code() + "]",
          false, 0);
    }
  }

  /**
   * Deletes the set's {@code restorers/*.bin} that no manifest refers to (the restorers the bundles
   * had before this regeneration). Only for a whole set, and only when every manifest was read.
   */
  private static int removeUnusedRestorers(String base, java.util.Set<String> referenced) throws IOException {
    int n = 0;
    for (Storage.StoredFile f : Storage.list(base + "/" + BundleBuilder.RESTORERS_DIR)) {
      String rel = f.uri().substring(base.length() + 1);
      if (rel.endsWith(".bin") && !rel.substring(BundleBuilder.RESTORERS_DIR.length()).contains("/")
          && !referenced.contains(rel)) {
        Storage.delete(f.uri());
        n++;
      }
    }
    return n;
  }

  /** Rewrites report.html from the updated set.json and failures.jsonl (its run section: this regeneration). */
  private static void writeReport(String base, SetManifest set, Map<String, BundleManifest> manifests,
      List<dev.gcpt.core.report.SetReport.Timing> timings) throws IOException {
    List<dev.gcpt.pipeline.FailureRecord> failures = new ArrayList<>();
    String failuresUri = base + "/" + WriteSetFiles.FAILURES_JSONL;
    if (Storage.exists(failuresUri)) {
      try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
          Storage.open(failuresUri), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (!line.isBlank()) {
            failures.add(Json.mapper().readValue(line, dev.gcpt.pipeline.FailureRecord.class));
          }
        }
      }
    }
    byte[] html = dev.gcpt.core.report.ReportWriter.write(
        dev.gcpt.pipeline.SetReports.fromSetFiles(set, failures, manifests, timings));
    try (PendingFile f = Storage.createAtomic(base + "/" + dev.gcpt.core.report.ReportWriter.FILE_NAME,
        dev.gcpt.core.report.ReportWriter.CONTENT_TYPE)) {
      f.stream().write(html);
      f.commit();
    }
  }

  /** Points set.json at the regenerated bundles' restorers ({@link SetManifest#regenerated}). */
  private static SetManifest updateSetJson(String base, Map<String, BundleManifest> manifests) throws IOException {
    SetManifest set;
    try (InputStream in = Storage.open(base + "/" + SetManifest.FILE)) {
      set = SetManifest.read(in).regenerated(manifests);
    }
    try (PendingFile f = Storage.createAtomic(base + "/" + SetManifest.FILE, "application/json")) {
      f.stream().write(set.toJson());
      f.commit();
    }
    return set;
  }

}
