package dev.gcpt.pipeline;

import java.io.Serializable;

/**
 * An input that did not become a bundle: one line of {@code failures.jsonl}. Keeps the input's
 * URI (never its bytes), the stage that refused it, a stable reason code and the message.
 */
public record FailureRecord(String uri, String stage, String reason, String message) implements Serializable {
  public static final String STAGE_MATCH = "match";
  public static final String STAGE_READ = "read";
  public static final String STAGE_NORMALIZE = "normalize";
  public static final String STAGE_WRITE = "write";
}
