package dev.gcpt.core.read;

import java.io.IOException;

/**
 * An input that is not a valid checkpoint. The message names the input, the offset and the
 * value; {@link #reason()} is a stable machine-readable code (used in failures.jsonl).
 */
public class CheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Stable reason codes. */
  public enum Reason {
    EMPTY("empty-input"),
    TRUNCATED("truncated-stream"),
    CORRUPT("corrupt-stream"),
    TOO_LARGE("too-large"),
    TOO_SHORT("image-too-short"),
    NOT_A_CHECKPOINT("not-a-checkpoint"),
    TOO_MANY_HARTS("too-many-harts"),
    BAD_MODE("bad-privilege-mode"),
    BAD_DESCRIPTOR("bad-descriptor"),
    BAD_RESTORER("bad-embedded-restorer"),
    INCONSISTENT("inconsistent-state"),
    BAD_PC("bad-resume-pc"),
    IO("io-error");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Reason reason;

  public CheckpointException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public CheckpointException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
