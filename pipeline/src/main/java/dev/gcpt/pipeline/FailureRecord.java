package dev.gcpt.pipeline;

import java.io.Serializable;

/**
 * An input that did not become a bundle: one line of {@code failures.jsonl}. Keeps where the
 * input is (never its bytes), the stage that refused it, a stable reason code and the message.
 *
 * @param uri the input's URI for an object-store set, its set-relative path for a local set (no
 *     absolute path of the machine that ran the job: see {@link RecordedPaths})
 * @param stage {@value #STAGE_MATCH}, {@value #STAGE_READ}, {@value #STAGE_NORMALIZE}, {@value
 *     #STAGE_WRITE}, or {@value #STAGE_METADATA} (a metadata file, not an input: not counted)
 */
public record FailureRecord(String uri, String stage, String reason, String message) implements Serializable {
  public static final String STAGE_MATCH = dev.gcpt.core.set.SetScan.STAGE_MATCH;
  public static final String STAGE_READ = "read";
  public static final String STAGE_NORMALIZE = "normalize";
  public static final String STAGE_WRITE = "write";
  public static final String STAGE_METADATA = dev.gcpt.core.set.SetManifest.METADATA_STAGE;
}
