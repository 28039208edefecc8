package dev.gcpt.core.set;

import dev.gcpt.core.codec.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A set's listing in; the checkpoints to convert, the failures and the notes out. Recognizes
 * checkpoint files by every naming convention ({@link CheckpointName}), finds and reads the set's
 * SimPoint metadata ({@link SetMetadata}) and joins them ({@link SetIndex}). Plain Java: the
 * pipeline's {@code FindCheckpoints} lists the set and hands the result on.
 */
public final class SetScan {
  /** Stage of a failure found while matching the listing (a rejected input). */
  public static final String STAGE_MATCH = "match";

  private static final Pattern CLUSTER_JSON = Pattern.compile("(^|.*/)cluster-[0-9]+-[0-9]+\\.json");
  private static final Pattern SIMPOINTS = Pattern.compile("(^|.*/)cluster/([^/]+)/simpoints0");
  /** File names a checkpoint can have (every convention ends in a compression suffix). */
  private static final Pattern CHECKPOINT_SUFFIX = Pattern.compile(".*\\.(gz|zstd|zst)");
  /**
   * A workload or point name may not hold what checkpoint.lst's space-separated fields or a
   * shell command line cannot carry as it is: white space, quotes, $, `, ;, |, &, globs, …
   */
  private static final Pattern UNSUPPORTED_NAME_CHAR = Pattern.compile("[^A-Za-z0-9._+,=@%-]");

  private SetScan() {}

  /**
   * A listed entry.
   *
   * @param uri where it is (for reading metadata and for failure lines)
   * @param problem null for a readable file; else what the listing met instead and why ({@code
   *     directory: …}: a directory that could not be listed, whatever its name)
   */
  public record Listed(String uri, String problem) {}

  /** Opens a listed file by its URI. */
  @FunctionalInterface
  public interface Opener {
    InputStream open(String uri) throws IOException;
  }

  /**
   * One checkpoint to convert.
   *
   * @param name the memory image's name (path below the set root, workload, point, …)
   * @param weightSource {@value SetManifest#WEIGHT_FROM_METADATA}, {@value
   *     SetManifest#WEIGHT_FROM_FILE_NAME} or {@value SetManifest#WEIGHT_NONE}
   * @param bundleDir the bundle's directory below the output root
   * @param imageFileName the image's file name in it
   * @param flash the point's {@code _flash_} file (a flash checkpoint: bundled with it), else null
   */
  public record Task(String uri, CheckpointName name, String weight, String weightSource, String insts,
      String bundleDir, String imageFileName, Flash flash) {

    /** A task without a flash file. */
    public Task(String uri, CheckpointName name, String weight, String weightSource, String insts, String bundleDir,
        String imageFileName) {
      this(uri, name, weight, weightSource, insts, bundleDir, imageFileName, null);
    }
  }

  /** A flash checkpoint's flash file, joined to its memory image: its URI and name. */
  public record Flash(String uri, CheckpointName name) {}

  /**
   * An input (stage {@value #STAGE_MATCH}) or a metadata file (stage {@value
   * SetManifest#METADATA_STAGE}) refused.
   *
   * @param relativePath its path below the set root
   * @param reason a stable code ({@code ambiguous-point}, {@code unsafe-path}, {@code bad-metadata}, …)
   */
  public record Failure(String uri, String relativePath, String stage, String reason, String message) {}

  /** What a scan found; each list in the order found. */
  public record Result(List<Task> tasks, List<Failure> failures, List<SetNote> notes) {}

  /**
   * Scans a set.
   *
   * @param listing every entry under the set root, by path below it
   * @param outputCodec the images' codec (it names their files)
   * @param opener reads the metadata files
   */
  public static Result scan(SortedMap<String, Listed> listing, Codec outputCodec, Opener opener) {
    Scan s = new Scan(outputCodec, opener);
    s.run(new TreeMap<>(listing));
    return new Result(List.copyOf(s.tasks), List.copyOf(s.failures), List.copyOf(s.notes));
  }

  private static final class Scan {
    private final Codec outputCodec;
    private final Opener opener;
    private final List<Task> tasks = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private final List<SetNote> notes = new ArrayList<>();

    Scan(Codec outputCodec, Opener opener) {
      this.outputCodec = outputCodec;
      this.opener = opener;
    }

    void run(Map<String, Listed> byRel) {
      for (Map.Entry<String, Listed> e : new ArrayList<>(byRel.entrySet())) {
        String rel = e.getKey();
        String problem = e.getValue().problem();
        if (problem != null) {
          byRel.remove(rel);
          // an unlistable directory may hide checkpoints: always a line; other entries when named so
          if (problem.startsWith("directory: ") || CHECKPOINT_SUFFIX.matcher(rel).matches()) {
            fail(e.getValue().uri(), rel, STAGE_MATCH, "unreadable-entry", rel + ": " + problem);
          }
        }
      }
      SetMetadata meta = readMetadata(byRel);
      List<CheckpointName> names = new ArrayList<>();
      for (Map.Entry<String, Listed> e : byRel.entrySet()) {
        String rel = e.getKey();
        if (CHECKPOINT_SUFFIX.matcher(rel).matches()) {
          // a key that could not name an output safely is refused before anything reads it
          try {
            SafePaths.relativeOutputPath(rel);
          } catch (UnsafePathException u) {
            fail(e.getValue().uri(), rel, STAGE_MATCH, "unsafe-path", u.getMessage());
            continue;
          }
        }
        Optional<CheckpointName> name = CheckpointName.parse(rel);
        if (name.isPresent()) {
          names.add(name.get());
        } else {
          // a checkpoint-named file that cannot be joined is reported, never skipped silently
          CheckpointName.unjoinable(rel).ifPresent(why ->
              fail(e.getValue().uri(), rel, STAGE_MATCH, "unjoinable-name", rel + ": " + why));
        }
      }
      SetIndex index = SetIndex.join(names, meta);
      Map<String, CheckpointName> byPath = new TreeMap<>();
      names.forEach(n -> byPath.put(n.relativePath(), n));
      for (SetIndex.Entry e : index.entries()) {
        task(byRel.get(e.path()), e.checkpoint(), e.weight().text(), SetManifest.WEIGHT_FROM_METADATA,
            e.insts().orElse(null), flash(e.flash().orElse(null), byRel));
      }
      for (SetIndex.Problem p : index.problems()) {
        switch (p.kind()) {
          case MISSING_WEIGHT -> {
            // a flash file goes with the point's memory image (flash checkpoints)
            CheckpointName flash = p.paths().stream().map(byPath::get)
                .filter(n -> n.kind() == CheckpointName.Kind.FLASH).findFirst().orElse(null);
            boolean memory = p.paths().stream().anyMatch(x -> byPath.get(x).kind() == CheckpointName.Kind.MEMORY);
            for (String path : p.paths()) {
              CheckpointName n = byPath.get(path);
              if (n.kind() == CheckpointName.Kind.MEMORY) {
                Optional<String> w = n.weight();
                task(byRel.get(path), n, w.orElse(null),
                    w.isPresent() ? SetManifest.WEIGHT_FROM_FILE_NAME : SetManifest.WEIGHT_NONE, null,
                    flash(flash, byRel));
              } else if (!memory) {
                flashNote(p.workload(), p.point(), n, null);
              }
            }
            note(p, meta);
          }
          case AMBIGUOUS_CHECKPOINT, FLASH_WITHOUT_MEMORY -> {
            for (String path : p.paths()) {
              fail(byRel.get(path).uri(), path, STAGE_MATCH,
                  p.kind() == SetIndex.ProblemKind.AMBIGUOUS_CHECKPOINT ? "ambiguous-point" : "flash-without-memory",
                  p.detail() + " (" + p.workload() + "/" + p.point() + ": " + String.join(", ", p.paths()) + ")");
            }
          }
          default -> note(p, meta);
        }
      }
    }

    private void fail(String uri, String rel, String stage, String reason, String message) {
      failures.add(new Failure(uri, rel, stage, reason, message));
    }

    /** The task's part for a flash file joined to its memory image (null: none). */
    private static Flash flash(CheckpointName flash, Map<String, Listed> byRel) {
      return flash == null ? null : new Flash(byRel.get(flash.relativePath()).uri(), flash);
    }

    private void task(Listed f, CheckpointName n, String weight, String weightSource, String insts, Flash flash) {
      for (String name : new String[] {n.workload(), n.point()}) {
        Matcher odd = UNSUPPORTED_NAME_CHAR.matcher(name);
        if (odd.find()) {
          fail(f.uri(), n.relativePath(), STAGE_MATCH, "unsupported-name", "'" + name
              + "' holds " + describeChar(odd.group()) + " at index " + odd.start() + ": checkpoint.lst separates its"
              + " fields with spaces and the runners' scripts paste names into shell commands; rename it (letters,"
              + " digits and . _ + - , = @ are fine)");
          return;
        }
      }
      String dir;
      String image;
      try {
        dir = SafePaths.relativeOutputPath(n.workload() + "/" + n.point());
        image = SafePaths.relativeOutputPath(n.outputFileName(outputCodec));
      } catch (UnsafePathException e) {
        fail(f.uri(), n.relativePath(), STAGE_MATCH, "unsafe-path", e.getMessage());
        return;
      }
      tasks.add(new Task(f.uri(), n, weight, weightSource, insts, dir, image, flash));
    }

    /** A flash image that no memory image's task took along: said, never dropped silently. */
    private void flashNote(String workload, String point, CheckpointName flash, String weight) {
      notes.add(new SetNote("flash-not-bundled", workload, point, List.of(flash.relativePath()),
          "the flash image " + flash.fileName() + " was not bundled: no memory image of the point was", weight));
    }

    private static String describeChar(String c) {
      int cp = c.codePointAt(0);
      return Character.isWhitespace(cp) ? "white space (U+" + String.format("%04X", cp) + ")" : "'" + c + "'";
    }

    private void note(SetIndex.Problem p, SetMetadata meta) {
      String weight = p.workload() == null || p.point() == null ? null
          : meta.weight(p.workload(), p.point()).map(Weight::text).orElse(null);
      notes.add(new SetNote(p.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
          p.workload(), p.point(), p.paths(), p.detail(), weight));
    }

    /**
     * The set's metadata, in order of preference: {@code json/checkpoints_all.json}, {@code
     * cluster-*.json}, {@code cluster/<workload>/simpoints0 + weights0}; none → empty (weights
     * then come from file names). A metadata file that does not parse is reported and skipped.
     */
    private SetMetadata readMetadata(Map<String, Listed> byRel) {
      List<String> json = byRel.keySet().stream().filter(r -> r.endsWith("json/checkpoints_all.json"))
          .sorted(Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder())).toList();
      if (json.isEmpty()) {
        json = byRel.keySet().stream().filter(r -> CLUSTER_JSON.matcher(r).matches())
            .sorted(Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder())).toList();
      }
      for (String rel : json) {
        String uri = byRel.get(rel).uri();
        try (InputStream in = opener.open(uri)) {
          return SetMetadata.readJson(rel, in);
        } catch (IOException e) {
          fail(uri, rel, SetManifest.METADATA_STAGE, "bad-metadata", e.getMessage());
        }
      }
      List<SetMetadata.Workload> workloads = new ArrayList<>();
      for (String rel : byRel.keySet()) {
        Matcher m = SIMPOINTS.matcher(rel);
        if (!m.matches()) {
          continue;
        }
        String weightsRel = rel.substring(0, rel.length() - "simpoints0".length()) + "weights0";
        Listed weights = byRel.get(weightsRel);
        if (weights == null) {
          fail(byRel.get(rel).uri(), rel, SetManifest.METADATA_STAGE, "bad-metadata",
              rel + " has no " + weightsRel + " beside it");
          continue;
        }
        try (Reader s = new InputStreamReader(opener.open(byRel.get(rel).uri()), StandardCharsets.UTF_8);
            Reader w = new InputStreamReader(opener.open(weights.uri()), StandardCharsets.UTF_8)) {
          workloads.add(SetMetadata.readSimpoints(m.group(2), rel, s, weightsRel, w));
        } catch (IOException e) {
          fail(byRel.get(rel).uri(), rel, SetManifest.METADATA_STAGE, "bad-metadata", e.getMessage());
        }
      }
      return SetMetadata.of(workloads.isEmpty() ? "(no metadata)" : "cluster/*/simpoints0", workloads);
    }
  }
}
