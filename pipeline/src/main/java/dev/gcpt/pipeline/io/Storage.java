package dev.gcpt.pipeline.io;

import dev.gcpt.core.io.Store;
import dev.gcpt.core.io.Uris;
import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Files by URI over Beam's {@link FileSystems}: local paths (with or without {@code file://}) and
 * {@code s3://bucket/key} alike, streaming, never whole files in memory.
 *
 * <p>{@code FileSystems} is process-wide: configure it once per JVM ({@link S3Setup#configureFileSystems()};
 * inside a pipeline the runner does it from the pipeline's options).
 *
 * <p>Sets and bundles are listed and read through {@link #store}, the one {@link Store}; this
 * class's own {@link #list} is a glob match over gcpt's outputs (names it wrote).
 *
 * <p>Atomic outputs: {@link #createAtomic} writes to a hidden temporary sibling
 * ({@link Store#temporary}: {@value #TEMP_PREFIX}{@code <name>.<uuid>}) and {@link PendingFile#commit()} renames it onto the
 * final name. Locally the rename is one atomic {@code rename(2)} that replaces an existing file
 * (Beam's {@code LocalFileSystem} uses {@code ATOMIC_MOVE}). On S3 there is no rename: it is a
 * server-side copy then a delete of the temporary object. The final object still appears whole
 * or not at all (S3 publishes an object only when its upload or copy completes), but the copy
 * costs time proportional to the size and a crash between copy and delete leaves a temporary
 * object behind. The temporary name matters on S3 because Beam completes the multipart upload on
 * {@code close()} even after a failed write, which would publish a truncated object under the
 * final key.
 */
public final class Storage {
  /** Name prefix of temporary files ({@link Store#temporary}); listings of our outputs ignore such names. */
  public static final String TEMP_PREFIX = Store.TEMP_PREFIX;
  /** Default MIME type for binary outputs. */
  public static final String BINARY = MimeTypes.BINARY;
  /** Output stream buffer: few enough writes for local files; S3 channels buffer parts themselves. */
  private static final int OUTPUT_BUFFER_BYTES = 1 << 16;
  private static final String FILE_SCHEME = "file:";

  private Storage() {}

  /** A file found by {@link #list}: its URI and size in bytes. */
  public record StoredFile(String uri, long size) {}

  /**
   * Whether the file {@code name} (or path) is one of the temporaries a commit renames or drops,
   * of this version or an earlier one ({@link Store#isTemporary}).
   */
  public static boolean isTemporary(String name) {
    return Store.isTemporary(name);
  }

  /**
   * The store for sets and bundles on any of gcpt's storages: the local disk ({@link Uris#isLocal}:
   * a walk that keeps every name), {@code s3://} ({@link S3Listing}: one ListObjectsV2 and no request
   * per object; a HEAD for one object), anything else through Beam's match. Reads go through
   * Beam's {@link FileSystems} (configured for S3 from {@code options}).
   *
   * @param options the S3 settings (used for {@code s3://} listings and stats only; may be null
   *     where there are none)
   */
  public static Store store(PipelineOptions options) {
    return new Store() {
      @Override
      public InputStream open(String uri) throws IOException {
        return Uris.isLocal(uri) ? Store.local().open(uri) : Storage.open(uri);
      }

      @Override
      public boolean exists(String uri) throws IOException {
        return Uris.isLocal(uri) ? Store.local().exists(uri) : Storage.exists(uri);
      }

      @Override
      public List<Entry> list(String root) throws IOException {
        if (Uris.isLocal(root)) {
          return Store.local().list(root);
        }
        List<Entry> out = new ArrayList<>();
        if (root.startsWith("s3://")) {
          for (S3Listing.Listed l : S3Listing.list(root, options)) {
            out.add(new Entry(l.uri(), l.size(), l.lastModifiedMillis(), l.etag()));
          }
        } else {
          String r = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
          for (MatchResult.Metadata m : FileSystems.match(r + "/**", EmptyMatchTreatment.ALLOW).metadata()) {
            out.add(new Entry(m.resourceId().toString(), m.sizeBytes(), m.lastModifiedMillis(), m.checksum()));
          }
        }
        out.sort(Comparator.comparing(Entry::uri));
        return out;
      }

      @Override
      public Entry stat(String uri) throws IOException {
        if (Uris.isLocal(uri)) {
          return Store.local().stat(uri);
        }
        if (uri.startsWith("s3://")) {
          S3Listing.Listed l = S3Listing.head(uri, options);
          return new Entry(l.uri(), l.size(), l.lastModifiedMillis(), l.etag());
        }
        MatchResult.Metadata m = FileSystems.matchSingleFileSpec(uri);
        return new Entry(m.resourceId().toString(), m.sizeBytes(), m.lastModifiedMillis(), m.checksum());
      }
    };
  }

  /**
   * The resource for a file URI: {@code s3://bucket/key}, {@code file:///abs/path}, or a local
   * path without scheme (absolute or relative to the working directory).
   *
   * @throws IllegalArgumentException for a directory URI (ending in {@code /})
   */
  public static ResourceId resource(String uri) {
    if (uri.endsWith("/")) {
      throw new IllegalArgumentException("not a file URI (ends with '/'): " + uri);
    }
    return FileSystems.matchNewResource(withoutFileScheme(uri), false);
  }

  /**
   * {@code file:} URIs as plain paths: Beam's local file system takes {@code file:///tmp/x} for
   * the relative path {@code file:/tmp/x}. Globs keep their characters (no percent-decoding).
   */
  private static String withoutFileScheme(String uri) {
    if (!uri.regionMatches(true, 0, FILE_SCHEME, 0, FILE_SCHEME.length())) {
      return uri;
    }
    if (FileSystems.hasGlobWildcard(uri)) {
      String path = uri.substring(FILE_SCHEME.length());
      return path.startsWith("///") ? path.substring(2) : path;
    }
    return Path.of(URI.create(uri)).toString();
  }

  /**
   * A directory as {@link #list} spells the files under it, without a trailing {@code /}: an
   * object-store prefix as given; a local directory (a path relative to the working directory, with
   * {@code .} or {@code ..}, or a {@code file:} URI) as its absolute, normalized path, because the
   * local file system lists absolute paths. So {@code listed.substring(directory(root).length() + 1)}
   * is a listed file's path below {@code root} whatever way the user wrote it.
   */
  public static String directory(String uri) {
    String u = uri;
    while (u.length() > 1 && u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    if (!Uris.isLocal(u)) {
      return u;
    }
    return Path.of(withoutFileScheme(u)).toAbsolutePath().normalize().toString();
  }

  /** The local path of a file URI on the local file system; empty for other schemes (s3://). */
  public static Optional<Path> localPath(String uri) {
    ResourceId r = resource(uri);
    return "file".equals(r.getScheme()) ? Optional.of(Path.of(r.toString())) : Optional.empty();
  }

  /**
   * Opens a file for streaming reads (the stream is not buffered: read in large blocks). A skip
   * seeks where the channel can, and never to the end itself: Beam's S3 channel refuses a position
   * equal to the object's length ("new position too high"), which is where skipping a bundle's
   * head slot lands when the image is all head.
   */
  public static InputStream open(String uri) throws IOException {
    ReadableByteChannel ch = openChannel(uri);
    InputStream in = Channels.newInputStream(ch);
    if (!(ch instanceof java.nio.channels.SeekableByteChannel sbc)) {
      return in;
    }
    return new java.io.FilterInputStream(in) {
      private boolean atEnd;

      @Override
      public int read() throws IOException {
        return atEnd ? -1 : super.read();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return atEnd ? -1 : super.read(b, off, len);
      }

      @Override
      public long skip(long n) throws IOException {
        if (n <= 0 || atEnd) {
          return 0;
        }
        long pos = sbc.position();
        long size = sbc.size();
        if (pos + n < size) {
          sbc.position(pos + n);
          return n;
        }
        atEnd = true;
        return Math.max(0, size - pos);
      }
    };
  }

  /** Opens a file as a channel. */
  public static ReadableByteChannel openChannel(String uri) throws IOException {
    return FileSystems.open(resource(uri));
  }

  /**
   * Creates (or replaces) a file and returns a buffered stream to it. Local parent directories are
   * created. Not atomic: see {@link #createAtomic}.
   */
  public static OutputStream create(String uri, String mimeType) throws IOException {
    return buffered(createChannel(uri, mimeType));
  }

  /** Creates (or replaces) a file as a channel. */
  public static WritableByteChannel createChannel(String uri, String mimeType) throws IOException {
    return FileSystems.create(resource(uri), mimeType);
  }

  /**
   * Starts an atomic output: bytes go to a temporary sibling until {@link PendingFile#commit()};
   * closing without commit deletes them. Use as
   * {@code try (PendingFile f = Storage.createAtomic(uri, mime)) { write(f.stream()); f.commit(); }}.
   */
  public static PendingFile createAtomic(String uri, String mimeType) throws IOException {
    ResourceId target = resource(uri);
    ResourceId temp = target.getCurrentDirectory()
        .resolve(Store.temporary(target.getFilename()), StandardResolveOptions.RESOLVE_FILE);
    return new PendingFile(temp, target, buffered(FileSystems.create(temp, mimeType)));
  }

  private static OutputStream buffered(WritableByteChannel channel) {
    return new BufferedOutputStream(Channels.newOutputStream(channel), OUTPUT_BUFFER_BYTES);
  }

  /** Whether the file exists. The URI is literal: glob characters are refused. */
  public static boolean exists(String uri) throws IOException {
    return matchLiteral(uri) != null;
  }

  /**
   * The file's size in bytes.
   *
   * @throws FileNotFoundException if it does not exist
   */
  public static long size(String uri) throws IOException {
    MatchResult.Metadata m = matchLiteral(uri);
    if (m == null) {
      throw new FileNotFoundException("no such file: " + uri);
    }
    return m.sizeBytes();
  }

  private static MatchResult.Metadata matchLiteral(String uri) throws IOException {
    if (FileSystems.hasGlobWildcard(uri)) {
      throw new IllegalArgumentException("glob characters (*?[]{}) in a file URI: " + uri);
    }
    MatchResult r = FileSystems.match(resource(uri).toString());
    if (r.status() == MatchResult.Status.NOT_FOUND) {
      return null;
    }
    // metadata() throws the underlying IOException on ERROR; a local directory is no file
    return r.metadata().stream().filter(m -> !m.resourceId().isDirectory()).findFirst().orElse(null);
  }

  /**
   * The files matching a glob ({@code s3://bucket/set/**}, {@code /data/set/*}{@code /*.zstd};
   * {@code *} stays within a directory, {@code **} crosses directories), or, for a URI without
   * glob characters, every file under that directory. Directories themselves are left out; the
   * result is sorted by URI. No match is an empty list.
   */
  public static List<StoredFile> list(String prefixOrGlob) throws IOException {
    String spec = withoutFileScheme(prefixOrGlob);
    if (!FileSystems.hasGlobWildcard(spec)) {
      spec = spec.endsWith("/") ? spec + "**" : spec + "/**";
    }
    MatchResult r = FileSystems.match(spec);
    if (r.status() == MatchResult.Status.NOT_FOUND) {
      return List.of();
    }
    List<StoredFile> files = new ArrayList<>();
    for (MatchResult.Metadata m : r.metadata()) {
      if (!m.resourceId().isDirectory()) {
        files.add(new StoredFile(m.resourceId().toString(), m.sizeBytes()));
      }
    }
    files.sort(Comparator.comparing(StoredFile::uri));
    return files;
  }

  /**
   * Copies a file, replacing the target. Same scheme: the file system's copy (server-side on S3);
   * across schemes (local ↔ S3): streamed through this JVM.
   */
  public static void copy(String from, String to) throws IOException {
    ResourceId src = resource(from);
    ResourceId dst = resource(to);
    if (src.getScheme().equals(dst.getScheme())) {
      FileSystems.copy(List.of(src), List.of(dst));
      return;
    }
    try (InputStream in = open(from); OutputStream out = create(to, BINARY)) {
      in.transferTo(out);
    }
  }

  /**
   * Moves a file onto {@code to}, replacing it. Locally an atomic rename; on S3 a copy then a
   * delete (see the class comment); across schemes a streamed copy then a delete.
   */
  public static void rename(String from, String to) throws IOException {
    rename(resource(from), resource(to));
  }

  static void rename(ResourceId src, ResourceId dst) throws IOException {
    if (src.getScheme().equals(dst.getScheme())) {
      FileSystems.rename(List.of(src), List.of(dst));
      return;
    }
    copy(src.toString(), dst.toString());
    delete(src);
  }

  /** Deletes a file; a missing file is not an error. */
  public static void delete(String uri) throws IOException {
    delete(resource(uri));
  }

  static void delete(ResourceId resource) throws IOException {
    FileSystems.delete(List.of(resource), StandardMoveOptions.IGNORE_MISSING_FILES);
  }
}
