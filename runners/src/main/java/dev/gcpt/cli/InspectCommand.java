package dev.gcpt.cli;

import picocli.CommandLine.Command;

/** {@code gcpt inspect}: placeholder. */
@Command(name = "inspect", description = "Describe checkpoints: variant, codec, harts, restorer.")
public final class InspectCommand implements Runnable {
  @Override
  public void run() {
    throw new UnsupportedOperationException("not yet");
  }
}
