package dev.gcpt.core.image;

import java.io.IOException;

/** An image, a body or a manifest that does not match what it must be (lengths, frames, digests). */
public class ImageFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public ImageFormatException(String message) {
    super(message);
  }

  public ImageFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
