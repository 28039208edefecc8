package dev.gcpt.pipeline;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.set.CheckpointName;
import dev.gcpt.core.set.SetNote;
import dev.gcpt.core.set.SetScan;
import dev.gcpt.pipeline.io.S3Listing;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

  /** Lists the set and joins the listing with the metadata ({@link SetScan}); runs once per set. */
  static final class JoinFn extends DoFn<String, CheckpointTask> {
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
      TreeMap<String, SetScan.Listed> listing = new TreeMap<>();
      byRel.forEach((rel, f) -> listing.put(rel, new SetScan.Listed(f.uri(), f.problem())));
      SetScan.Result scan = SetScan.scan(listing, outputCodec, Storage::open);
      for (SetScan.Failure f : scan.failures()) {
        if (SetScan.STAGE_MATCH.equals(f.stage())) {
          matchFailures.inc();
        }
        out.get(FAILURES).output(new FailureRecord(paths.input(f.uri(), f.relativePath()), f.stage(), f.reason(),
            paths.scrub(f.message())));
      }
      for (SetScan.Task t : scan.tasks()) {
        found.inc();
        CheckpointName n = t.name();
        out.get(TASKS).output(new CheckpointTask(t.uri(), n.relativePath(), n.workload(), n.point(), t.weight(),
            t.weightSource(), t.insts(), t.bundleDir(), t.imageFileName(), byRel.get(n.relativePath()).fingerprint(),
            n.actualInstructions().orElse(null)));
      }
      scan.notes().forEach(out.get(NOTES)::output);
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
  }

}
