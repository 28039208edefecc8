package dev.gcpt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.set.CheckpointName;
import dev.gcpt.core.set.SafePaths;
import dev.gcpt.core.set.SetIndex;
import dev.gcpt.core.set.SetMetadata;
import dev.gcpt.pipeline.FindCheckpoints;
import dev.gcpt.pipeline.RecordedPaths;
import dev.gcpt.pipeline.WriteSetFiles;
import dev.gcpt.pipeline.io.StorageOutputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Decides, before any pipeline starts, that a {@code gcpt run} has nothing to do: from the set's
 * listing (names, sizes, modification times), its {@code json/checkpoints_all.json}, the previous
 * run's {@code set.json} and each bundle's {@code bundle.json}, reading no image and no checkpoint
 * body. Starting Beam costs seconds before the first checkpoint (its options machinery, the job's
 * construction, the runner's bookkeeping per element): a rerun of 1,000 small, up-to-date
 * checkpoints took 14 s through the pipeline.
 *
 * <p>Every check is conservative: anything it does not recognize as "the same set, the same
 * options, every bundle up to date" sends the run through the pipeline, which decides per
 * checkpoint as before. Local sets with a {@code json/checkpoints_all.json} only (S3 and the other
 * metadata forms take the pipeline).
 */
final class UpToDateRun {
  /** File names a checkpoint can have (as {@code FindCheckpoints} recognizes them). */
  private static final Pattern CHECKPOINT_SUFFIX = Pattern.compile(".*\\.(gz|zstd|zst)");
  private static final String METADATA = "json/checkpoints_all.json";

  private UpToDateRun() {}

  /**
   * The number of bundles when every checkpoint of {@code input} has an up-to-date bundle in
   * {@code output} and {@code output}'s set files describe exactly this set; -1 otherwise (then
   * run the pipeline).
   */
  static int check(String input, String output, BundleBuilder builder, Codec codec) throws IOException {
    if (input.contains("://") || output.contains("://")) {
      return -1;
    }
    Path setJson = Path.of(output, WriteSetFiles.SET_JSON);
    Path runJson = Path.of(output, WriteSetFiles.RUN_JSON);
    if (!Files.isRegularFile(setJson) || !Files.isRegularFile(runJson)) {
      return -1;
    }
    long written = Math.min(Files.getLastModifiedTime(setJson).toMillis(), Files.getLastModifiedTime(runJson)
        .toMillis());
    JsonNode set = RunCommand.Summary.read(setJson.toString());
    JsonNode counts = set.get("counts");
    if (counts == null || counts.path("failures").asLong(-1) != 0 || counts.path("metadataErrors").asLong(-1) != 0
        || set.path("notes").size() != 0 || counts.path("inputs").asLong(-1) != counts.path("bundles").asLong(-2)) {
      return -1;
    }
    String root = Path.of(input).toAbsolutePath().normalize().toString();
    Map<String, FindCheckpoints.FoundFile> byRel = new TreeMap<>();
    for (FindCheckpoints.FoundFile f : FindCheckpoints.list(input, null)) {
      // a file changed (or put in) after the last run wrote its set files: let the pipeline look
      if (f.problem() != null || !f.uri().startsWith(root + "/") || f.lastModifiedMillis() >= written) {
        return -1;
      }
      byRel.put(f.uri().substring(root.length() + 1), f);
    }
    FindCheckpoints.FoundFile meta = byRel.get(METADATA);
    if (meta == null) {
      return -1;
    }
    SetMetadata metadata;
    try (InputStream in = Files.newInputStream(Path.of(meta.uri()))) {
      metadata = SetMetadata.readJson(METADATA, in);
    } catch (IOException e) {
      return -1;
    }
    List<CheckpointName> names = new ArrayList<>();
    for (String rel : byRel.keySet()) {
      if (!CHECKPOINT_SUFFIX.matcher(rel).matches()) {
        continue;
      }
      CheckpointName n = CheckpointName.parse(rel).orElse(null);
      if (n == null || n.kind() != CheckpointName.Kind.MEMORY || n.isUniform()) {
        return -1;
      }
      names.add(n);
    }
    SetIndex index = SetIndex.join(names, metadata);
    if (!index.problems().isEmpty() || index.entries().size() != names.size()
        || index.entries().size() != counts.path("bundles").asLong(-1)) {
      return -1;
    }
    RecordedPaths paths = RecordedPaths.of(input, output);
    JsonNode workloads = set.path("workloads");
    try (StorageOutputFiles out = new StorageOutputFiles(Path.of(output).toAbsolutePath().normalize().toString(),
        null)) {
      for (SetIndex.Entry e : index.entries()) {
        if (e.flash().isPresent()) {
          return -1;
        }
        JsonNode w = workloads.path(e.workload());
        JsonNode p = w.path("points").path(e.point());
        String dir = SafePaths.relativeOutputPath(e.workload() + "/" + e.point());
        // the set files say what this run's would: same bundle, weight and instruction count
        if (!dir.equals(p.path("bundle").asText(null)) || !e.weight().text().equals(p.path("weight").asText(null))
            || !"metadata".equals(p.path("weightSource").asText(null))
            || !e.insts().orElse("").equals(w.path("insts").asText(""))) {
          return -1;
        }
        FindCheckpoints.FoundFile f = byRel.get(e.path());
        BundleBuilder.Source source = new BundleBuilder.Source(paths.input(f.uri(), e.path()), f.fingerprint());
        BundleBuilder.Target target = new BundleBuilder.Target(dir,
            SafePaths.relativeOutputPath(e.checkpoint().outputFileName(codec)),
            new BundleManifest.SimPoint(e.workload(), e.point(), e.weight().text(), e.insts().orElse(null)));
        if (builder.upToDate(source, target, out).isEmpty()) {
          return -1;
        }
      }
    } catch (dev.gcpt.core.set.UnsafePathException e) {
      return -1;
    }
    return index.entries().size();
  }
}
