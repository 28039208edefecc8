package dev.gcpt.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.UUID;

/**
 * Where sets and bundles are read from, by URI: the one storage entry point, with its rules in one
 * place ({@link Uris#isLocal}: what is local; {@link #temporary}: the temporary-name scheme).
 * Plain Java so that core ({@code BundleVerifier}) reads through it: {@link #local()} is the
 * local disk; the pipeline's {@code Storage.store(options)} adds {@code s3://} and any Beam
 * filesystem, and the command line's {@code StorageOptions} is the store its options configure.
 */
public interface Store {
  /** Name prefix of every temporary file gcpt writes: a hidden sibling of the final name. */
  String TEMP_PREFIX = ".gcpt-tmp-";
  /** What temporaries of versions before the one scheme carried ({@code <name>.partial-<uuid>}): still swept. */
  String LEGACY_PARTIAL_MARKER = ".partial-";

  /** Opens a file for streaming reads (not buffered: read in large blocks). */
  InputStream open(String uri) throws IOException;

  /** Whether {@code uri} names an existing regular file. */
  boolean exists(String uri) throws IOException;

  /**
   * Every entry under the directory or prefix {@code root}, sorted by URI: its files (with size,
   * modification time and, on an object store, ETag), and, as {@link Entry#unusable} with a reason,
   * what could not be taken as a file (a FIFO, a dangling link, a directory that cannot be read).
   * Nothing is dropped: a local name that is not valid UTF-8 is kept (decoded with U+FFFD, for
   * the caller to refuse). An absent root lists nothing.
   */
  List<Entry> list(String root) throws IOException;

  /**
   * One file as {@link #list} would find it.
   *
   * @throws java.io.FileNotFoundException it does not exist or is not a file
   */
  Entry stat(String uri) throws IOException;

  /** The local disk: paths, and {@code file:} URIs. */
  static Store local() {
    return LocalStore.INSTANCE;
  }

  /**
   * A listed file. {@code etag} is the object store's content tag (null for local files);
   * {@code problem} is null for a readable file (see {@link #unusable}).
   */
  record Entry(String uri, long size, long lastModifiedMillis, String etag, String problem) {
    public Entry(String uri, long size, long lastModifiedMillis, String etag) {
      this(uri, size, lastModifiedMillis, etag, null);
    }

    /**
     * An entry the listing met but could not take as a file: what it is and why ({@code
     * directory: …}: a directory that could not be listed, whatever its name).
     */
    public static Entry unusable(String uri, String problem) {
      return new Entry(uri, -1, 0, null, problem);
    }

    /**
     * A cheap identity of the content, recorded in the bundle so that a rerun rebuilds a
     * replaced input: size, modification time and, where the store has one, the ETag.
     */
    public String fingerprint() {
      return SIZE_KEY + size + ",mtime=" + lastModifiedMillis + (etag == null ? "" : ",etag=" + etag);
    }

    /** The size a {@link #fingerprint()} records, or 0 for a fingerprint of another form (or null). */
    public static long sizeOf(String fingerprint) {
      if (fingerprint == null || !fingerprint.startsWith(SIZE_KEY)) {
        return 0;
      }
      int end = fingerprint.indexOf(',');
      try {
        return Long.parseLong(fingerprint.substring(SIZE_KEY.length(), end < 0 ? fingerprint.length() : end));
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    private static final String SIZE_KEY = "size=";
  }

  /**
   * The temporary sibling a file is written under until it is committed (renamed onto {@code
   * path}): {@code dir/.gcpt-tmp-<name>.<uuid>}. Hidden, never a final name, and it still says
   * what it was to become.
   */
  static String temporary(String path) {
    int slash = path.lastIndexOf('/');
    return path.substring(0, slash + 1) + TEMP_PREFIX + path.substring(slash + 1) + "." + UUID.randomUUID();
  }

  /**
   * Whether the file {@code path} (a name, path or URI) is a temporary: one of {@link #temporary},
   * or of the schemes of earlier versions ({@code .gcpt-tmp-<uuid>}, {@code <name>.partial-<uuid>}),
   * so that an interrupted run of an older version is cleaned up too.
   */
  static boolean isTemporary(String path) {
    String last = path.substring(path.lastIndexOf('/') + 1);
    return last.startsWith(TEMP_PREFIX) || last.contains(LEGACY_PARTIAL_MARKER);
  }
}
