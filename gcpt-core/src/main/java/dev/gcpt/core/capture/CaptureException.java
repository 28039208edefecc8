package dev.gcpt.core.capture;

import java.util.List;

/**
 * A capture that would not give a correct checkpoint, refused before anything is written. The
 * message says why and, where there is one, which option overrides the check.
 */
public class CaptureException extends Exception {
  private static final long serialVersionUID = 1L;

  public CaptureException(String message) {
    super(message);
  }

  /** One exception listing several problems, one per line after {@code headline}. */
  public static CaptureException of(String headline, List<String> problems) {
    return new CaptureException(headline + ":\n  - " + String.join("\n  - ", problems));
  }
}
