package dev.gcpt.cli;

import picocli.CommandLine.Command;

/** {@code gcpt restorer build|check}: placeholder until the restorer generator lands. */
@Command(name = "restorer", description = "Build or check restorer images (gcpt.bin).")
public final class RestorerCommand implements Runnable {
  @Override
  public void run() {
    throw new UnsupportedOperationException("gcpt restorer is not implemented yet");
  }
}
