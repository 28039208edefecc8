package dev.gcpt.pipeline;

import dev.gcpt.core.io.Uris;
import java.io.Serializable;

/**
 * How input and output locations appear in what a run records ({@code failures.jsonl}, {@code
 * bundle.json}): never as absolute paths of the machine that ran the job.
 *
 * <ul>
 *   <li>object-store sets ({@code s3://…}) keep full URIs: they name the same object anywhere;</li>
 *   <li>local sets record paths relative to the set root ({@code gcc/31/_31_0.1_memory_.zstd}),
 *       as bundle manifests already do; messages have the absolute set root removed and the
 *       absolute output root replaced by {@value #OUTPUT_PLACEHOLDER}.</li>
 * </ul>
 */
public final class RecordedPaths implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Stands for a local output root in recorded messages. */
  public static final String OUTPUT_PLACEHOLDER = "$OUTPUT";

  /** Absolute local set root with a trailing '/', or null for an object-store set. */
  private final String localInputPrefix;
  /** The set root as given (may be relative), with a trailing '/', or null. */
  private final String givenInputPrefix;
  /** Absolute local output root (no trailing '/'), or null for an object-store output. */
  private final String localOutput;

  private RecordedPaths(String localInputPrefix, String givenInputPrefix, String localOutput) {
    this.localInputPrefix = localInputPrefix;
    this.givenInputPrefix = givenInputPrefix;
    this.localOutput = localOutput;
  }

  /** For a run from {@code input} to {@code output} (local paths or URIs). */
  public static RecordedPaths of(String input, String output) {
    String in = null;
    String given = null;
    if (isLocal(input)) {
      in = withSlash(Uris.localPath(stripSlash(input)).toAbsolutePath().normalize().toString());
      given = withSlash(stripSlash(input));
    }
    String out = isLocal(output) ? Uris.localPath(stripSlash(output)).toAbsolutePath().normalize().toString() : null;
    return new RecordedPaths(in, given, out);
  }

  static boolean isLocal(String uri) {
    return Uris.isLocal(uri);
  }

  /** Whether the set is local (its files are recorded by set-relative path). */
  public boolean localInput() {
    return localInputPrefix != null;
  }

  /**
   * How an input file is recorded: its set-relative path for a local set, its URI otherwise.
   *
   * @param uri the file's URI or absolute path as listed
   * @param relativePath its path relative to the set root
   */
  public String input(String uri, String relativePath) {
    return localInput() ? relativePath : uri;
  }

  /** {@code message} without absolute local roots (null stays null). */
  public String scrub(String message) {
    if (message == null) {
      return null;
    }
    String m = message;
    // the more specific (longer) root first, so an output inside the set (or the reverse) is
    // recognized as what it is
    boolean inputFirst = localInputPrefix != null && (localOutput == null || localInputPrefix.length() > localOutput.length());
    if (inputFirst) {
      m = scrubInput(m);
    }
    if (localOutput != null) {
      m = m.replace(localOutput, OUTPUT_PLACEHOLDER);
    }
    if (!inputFirst && localInputPrefix != null) {
      m = scrubInput(m);
    }
    return m;
  }

  private String scrubInput(String m) {
    String r = m.replace(localInputPrefix, "");
    return givenInputPrefix.startsWith("/") ? r.replace(givenInputPrefix, "") : r;
  }

  private static String stripSlash(String s) {
    return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static String withSlash(String s) {
    return s.endsWith("/") ? s : s + "/";
  }
}
