package dev.gcpt.pipeline;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.set.CheckpointName;
import dev.gcpt.core.set.SafePaths;
import dev.gcpt.core.set.SetIndex;
import dev.gcpt.core.set.SetMetadata;
import dev.gcpt.core.set.UnsafePathException;
import dev.gcpt.pipeline.io.S3Listing;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
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
 * Lists a set root, recognizes checkpoint files by every naming convention
 * ({@link CheckpointName}), reads the set's SimPoint metadata and joins them ({@link SetIndex}).
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
        .apply("Join", ParDo.of(new JoinFn(root, outputCodec, paths))
            .withOutputTags(TASKS, TupleTagList.of(FAILURES).and(NOTES)));
  }

  /**
   * A listed object. {@code etag} is the object store's content tag (null for local files).
   */
  public record FoundFile(String uri, long size, long lastModifiedMillis, String etag, String problem)
      implements Serializable {
    public FoundFile(String uri, long size, long lastModifiedMillis, String etag) {
      this(uri, size, lastModifiedMillis, etag, null);
    }

    /**
     * An entry the listing met but could not take as a file: what it is and why ({@code
     * directory}: a directory that could not be listed, whatever its name).
     */
    static FoundFile unusable(String uri, String problem) {
      return new FoundFile(uri, -1, 0, null, problem);
    }

    /**
     * A cheap identity of the content, recorded in the bundle so that a rerun rebuilds a
     * replaced input: size, modification time and, where the store has one, the ETag.
     */
    public String fingerprint() {
      return "size=" + size + ",mtime=" + lastModifiedMillis + (etag == null ? "" : ",etag=" + etag);
    }
  }

  /**
   * One file as {@link #list} would find it (for commands given a single input): a local path by
   * its attributes, an {@code s3://} object by a HEAD request, anything else with Beam's match.
   *
   * @param options the S3 settings (used for {@code s3://} only; may be null for other URIs)
   * @throws java.io.FileNotFoundException it does not exist
   */
  public static FoundFile stat(String uri, PipelineOptions options) throws IOException {
    if (uri.startsWith("s3://")) {
      S3Listing.Listed l = S3Listing.head(uri, options);
      return new FoundFile(l.uri(), l.size(), l.lastModifiedMillis(), l.etag());
    }
    if (RecordedPaths.isLocal(uri)) {
      Path p = Path.of(uri);
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(p, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        throw new java.io.FileNotFoundException("no such file: " + uri);
      }
      if (!a.isRegularFile()) {
        throw new java.io.FileNotFoundException("not a file: " + uri);
      }
      return new FoundFile(p.toString(), a.size(), a.lastModifiedTime().toMillis(), null);
    }
    MatchResult.Metadata m = FileSystems.matchSingleFileSpec(uri);
    return new FoundFile(m.resourceId().toString(), m.sizeBytes(), m.lastModifiedMillis(), m.checksum());
  }

  /**
   * Every file under {@code root}: an {@code s3://} prefix with {@link S3Listing} (no request per
   * object), a local directory by walking it (Beam's local match goes through name strings and
   * silently drops a file whose name is not valid UTF-8; the walk keeps it, and its name, decoded
   * with U+FFFD, is then refused as unsafe), anything else with Beam's match.
   */
  static List<FoundFile> list(String root, PipelineOptions options) throws IOException {
    List<FoundFile> out = new ArrayList<>();
    if (root.startsWith("s3://")) {
      for (S3Listing.Listed l : S3Listing.list(root, options)) {
        out.add(new FoundFile(l.uri(), l.size(), l.lastModifiedMillis(), l.etag()));
      }
    } else if (RecordedPaths.isLocal(root)) {
      Path base = Path.of(root).toAbsolutePath().normalize();
      if (!Files.isDirectory(base)) {
        return out;
      }
      walkLocal(base, out);
    } else {
      MatchResult r = FileSystems.match(root + "/**", EmptyMatchTreatment.ALLOW);
      for (MatchResult.Metadata m : r.metadata()) {
        out.add(new FoundFile(m.resourceId().toString(), m.sizeBytes(), m.lastModifiedMillis(), m.checksum()));
      }
    }
    return out;
  }

  /**
   * Walks a local set, following symbolic links (a loop is detected, not followed). Nothing is
   * dropped without a word: an entry that is not a readable regular file (a FIFO, a device, a
   * dangling link or one in a loop, a directory that cannot be listed) comes back as {@link
   * FoundFile#unusable}, and the join makes a failure line of it when it could be a checkpoint.
   */
  private static void walkLocal(Path base, List<FoundFile> out) throws IOException {
    Files.walkFileTree(base, java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
        new java.nio.file.SimpleFileVisitor<>() {
          @Override
          public java.nio.file.FileVisitResult visitFile(Path p, BasicFileAttributes a) {
            if (a.isRegularFile()) {
              out.add(new FoundFile(p.toString(), a.size(), a.lastModifiedTime().toMillis(), null));
            } else if (a.isSymbolicLink()) {
              // following it failed: the walk hands over the link itself
              out.add(FoundFile.unusable(p.toString(), "a symbolic link that does not resolve (to "
                  + linkTarget(p) + ")"));
            } else if (!a.isDirectory()) {
              out.add(FoundFile.unusable(p.toString(), "not a regular file (" + (Files.isSymbolicLink(p)
                  ? "a symbolic link to " + linkTarget(p) + ", " : "") + "a FIFO, socket or device)"));
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) {
            if (e instanceof NoSuchFileException) {
              return java.nio.file.FileVisitResult.CONTINUE; // deleted while the set was walked
            }
            out.add(FoundFile.unusable(p.toString(), (Files.isDirectory(p) ? "directory: " : "") + describe(e)));
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e) {
            if (e != null) {
              out.add(FoundFile.unusable(dir.toString(), "directory: " + describe(e)));
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }
        });
  }

  private static String linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "?";
    }
  }

  private static String describe(IOException e) {
    if (e instanceof java.nio.file.FileSystemLoopException) {
      return "a symbolic link loop (it leads back to a directory above it)";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
        : e.getMessage();
    return "cannot be read: " + reason;
  }

  /** Lists the set and joins the listing with the metadata; runs once per set. */
  static final class JoinFn extends DoFn<String, CheckpointTask> {
    private static final Pattern CLUSTER_JSON = Pattern.compile("(^|.*/)cluster-[0-9]+-[0-9]+\\.json");
    private static final Pattern SIMPOINTS = Pattern.compile("(^|.*/)cluster/([^/]+)/simpoints0");
    /** File names a checkpoint can have (every convention ends in a compression suffix). */
    private static final Pattern CHECKPOINT_SUFFIX = Pattern.compile(".*\\.(gz|zstd|zst)");
    /**
     * A workload or point name may not hold what checkpoint.lst's space-separated fields or a
     * shell command line cannot carry as it is: white space, quotes, $, `, ;, |, &, globs, …
     */
    private static final Pattern UNSUPPORTED_NAME_CHAR = Pattern.compile("[^A-Za-z0-9._+,=@%-]");

    private final Counter found = Metrics.counter(JoinFn.class, "checkpointsFound");
    /** Checkpoint-named inputs refused while matching (each one a failures.jsonl line). */
    private final Counter matchFailures = Metrics.counter(JoinFn.class, "matchFailures");
    private final String root;
    private final Codec outputCodec;
    private final RecordedPaths paths;

    JoinFn(String root, Codec outputCodec, RecordedPaths paths) {
      this.root = root;
      this.outputCodec = outputCodec;
      this.paths = paths;
    }

    @ProcessElement
    public void process(@Element String setRoot, MultiOutputReceiver out, PipelineOptions options)
        throws IOException {
      Map<String, FoundFile> byRel = new TreeMap<>();
      for (FoundFile f : list(setRoot, options)) {
        byRel.put(relative(f.uri()), f);
      }
      for (Map.Entry<String, FoundFile> e : new ArrayList<>(byRel.entrySet())) {
        String rel = e.getKey();
        String problem = e.getValue().problem();
        if (problem != null) {
          byRel.remove(rel);
          // an unlistable directory may hide checkpoints: always a line; other entries when named so
          if (problem.startsWith("directory: ") || CHECKPOINT_SUFFIX.matcher(rel).matches()) {
            fail(out, e.getValue().uri(), rel, FailureRecord.STAGE_MATCH, "unreadable-entry", rel + ": " + problem);
          }
        }
      }
      SetMetadata meta = readMetadata(byRel, out);
      List<CheckpointName> names = new ArrayList<>();
      for (Map.Entry<String, FoundFile> e : byRel.entrySet()) {
        String rel = e.getKey();
        if (CHECKPOINT_SUFFIX.matcher(rel).matches()) {
          // a key that could not name an output safely is refused before anything reads it
          try {
            SafePaths.relativeOutputPath(rel);
          } catch (UnsafePathException u) {
            fail(out, e.getValue().uri(), rel, FailureRecord.STAGE_MATCH, "unsafe-path", u.getMessage());
            continue;
          }
        }
        Optional<CheckpointName> name = CheckpointName.parse(rel);
        if (name.isPresent()) {
          names.add(name.get());
        } else {
          // a checkpoint-named file that cannot be joined is reported, never skipped silently
          CheckpointName.unjoinable(rel).ifPresent(why ->
              fail(out, e.getValue().uri(), rel, FailureRecord.STAGE_MATCH, "unjoinable-name", rel + ": " + why));
        }
      }
      SetIndex index = SetIndex.join(names, meta);
      Map<String, CheckpointName> byPath = new TreeMap<>();
      names.forEach(n -> byPath.put(n.relativePath(), n));
      for (SetIndex.Entry e : index.entries()) {
        emitTask(out, byRel.get(e.path()), e.checkpoint(), e.weight().text(), "metadata", e.insts().orElse(null),
            flashOf(e.flash().orElse(null), byRel));
      }
      for (SetIndex.Problem p : index.problems()) {
        switch (p.kind()) {
          case MISSING_WEIGHT -> {
            CheckpointName flash = p.paths().stream().map(byPath::get)
                .filter(n -> n.kind() == CheckpointName.Kind.FLASH).findFirst().orElse(null);
            boolean memory = p.paths().stream().anyMatch(path -> byPath.get(path).kind() == CheckpointName.Kind.MEMORY);
            for (String path : p.paths()) {
              CheckpointName n = byPath.get(path);
              if (n.kind() == CheckpointName.Kind.MEMORY) {
                Optional<String> w = n.weight();
                emitTask(out, byRel.get(path), n, w.orElse(null), w.isPresent() ? "file-name" : "none", null,
                    flashOf(flash, byRel));
              } else if (!memory) {
                flashNote(out, p.workload(), p.point(), n, null);
              }
            }
            note(out, p, meta);
          }
          case AMBIGUOUS_CHECKPOINT, FLASH_WITHOUT_MEMORY -> {
            for (String path : p.paths()) {
              fail(out, byRel.get(path).uri(), path, FailureRecord.STAGE_MATCH,
                  p.kind() == SetIndex.ProblemKind.AMBIGUOUS_CHECKPOINT ? "ambiguous-point" : "flash-without-memory",
                  p.detail() + " (" + p.workload() + "/" + p.point() + ": " + String.join(", ", p.paths()) + ")");
            }
          }
          default -> note(out, p, meta);
        }
      }
    }

    private void fail(MultiOutputReceiver out, String uri, String rel, String stage, String reason, String message) {
      if (FailureRecord.STAGE_MATCH.equals(stage)) {
        matchFailures.inc();
      }
      out.get(FAILURES).output(new FailureRecord(paths.input(uri, rel), stage, reason, paths.scrub(message)));
    }

    /** The task's part for a flash file joined to its memory image (null: none). */
    private static CheckpointTask.Flash flashOf(CheckpointName flash, Map<String, FoundFile> byRel) {
      if (flash == null) {
        return null;
      }
      FoundFile f = byRel.get(flash.relativePath());
      return new CheckpointTask.Flash(f.uri(), flash.relativePath(), f.fingerprint());
    }

    private void emitTask(MultiOutputReceiver out, FoundFile f, CheckpointName n, String weight, String weightSource,
        String insts, CheckpointTask.Flash flash) {
      for (String name : new String[] {n.workload(), n.point()}) {
        Matcher odd = UNSUPPORTED_NAME_CHAR.matcher(name);
        if (odd.find()) {
          fail(out, f.uri(), n.relativePath(), FailureRecord.STAGE_MATCH, "unsupported-name", "'" + name
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
        fail(out, f.uri(), n.relativePath(), FailureRecord.STAGE_MATCH, "unsafe-path", e.getMessage());
        return;
      }
      found.inc();
      out.get(TASKS).output(new CheckpointTask(f.uri(), n.relativePath(), n.workload(), n.point(), weight,
          weightSource, insts, dir, image, f.fingerprint(), n.actualInstructions().orElse(null), flash));
    }

    /** A flash image that no memory image's task took along: said, never dropped silently. */
    private static void flashNote(MultiOutputReceiver out, String workload, String point, CheckpointName flash,
        String weight) {
      out.get(NOTES).output(new SetNote("flash-not-bundled", workload, point, List.of(flash.relativePath()),
          "the flash image " + flash.fileName() + " was not bundled: no memory image of the point was", weight));
    }

    private static String describeChar(String c) {
      int cp = c.codePointAt(0);
      return Character.isWhitespace(cp) ? "white space (U+" + String.format("%04X", cp) + ")" : "'" + c + "'";
    }

    private static void note(MultiOutputReceiver out, SetIndex.Problem p, SetMetadata meta) {
      String weight = p.workload() == null || p.point() == null ? null
          : meta.weight(p.workload(), p.point()).map(dev.gcpt.core.set.Weight::text).orElse(null);
      out.get(NOTES).output(new SetNote(p.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
          p.workload(), p.point(), p.paths(), p.detail(), weight));
    }

    private String relative(String uri) {
      String prefix = root + "/";
      if (uri.startsWith(prefix)) {
        return uri.substring(prefix.length());
      }
      // local roots may be given relative or with a trailing separator; Beam reports absolute paths
      String abs = Path.of(root).toAbsolutePath().normalize() + "/";
      return uri.startsWith(abs) ? uri.substring(abs.length()) : uri;
    }

    /**
     * The set's metadata, in order of preference: {@code json/checkpoints_all.json}, {@code
     * cluster-*.json}, {@code cluster/<workload>/simpoints0 + weights0}; none → empty (weights
     * then come from file names). A metadata file that does not parse is reported and skipped.
     */
    private SetMetadata readMetadata(Map<String, FoundFile> byRel, MultiOutputReceiver out) {
      List<String> json = byRel.keySet().stream().filter(r -> r.endsWith("json/checkpoints_all.json"))
          .sorted(Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder())).toList();
      if (json.isEmpty()) {
        json = byRel.keySet().stream().filter(r -> CLUSTER_JSON.matcher(r).matches())
            .sorted(Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder())).toList();
      }
      for (String rel : json) {
        String uri = byRel.get(rel).uri();
        try (InputStream in = Storage.open(uri)) {
          return SetMetadata.readJson(rel, in);
        } catch (IOException e) {
          fail(out, uri, rel, FailureRecord.STAGE_METADATA, "bad-metadata", e.getMessage());
        }
      }
      List<SetMetadata.Workload> workloads = new ArrayList<>();
      for (String rel : byRel.keySet()) {
        Matcher m = SIMPOINTS.matcher(rel);
        if (!m.matches()) {
          continue;
        }
        String weightsRel = rel.substring(0, rel.length() - "simpoints0".length()) + "weights0";
        FoundFile weights = byRel.get(weightsRel);
        if (weights == null) {
          fail(out, byRel.get(rel).uri(), rel, FailureRecord.STAGE_METADATA, "bad-metadata",
              rel + " has no " + weightsRel + " beside it");
          continue;
        }
        try (Reader s = new InputStreamReader(Storage.open(byRel.get(rel).uri()), StandardCharsets.UTF_8);
            Reader w = new InputStreamReader(Storage.open(weights.uri()), StandardCharsets.UTF_8)) {
          workloads.add(SetMetadata.readSimpoints(m.group(2), rel, s, weightsRel, w));
        } catch (IOException e) {
          fail(out, byRel.get(rel).uri(), rel, FailureRecord.STAGE_METADATA, "bad-metadata", e.getMessage());
        }
      }
      return SetMetadata.of(workloads.isEmpty() ? "(no metadata)" : "cluster/*/simpoints0", workloads);
    }
  }

}
