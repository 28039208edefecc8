package dev.gcpt.cli;

import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.core.sample.SampleWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Sample sets on a local disk, as a producer would leave them. */
final class SampleSets {
  private SampleSets() {}

  /** Writes every entry's checkpoint under {@code in} (no metadata). */
  static Path write(Path in, List<SampleSet.Entry> entries) throws IOException {
    for (SampleSet.Entry e : entries) {
      Path f = in.resolve(e.path());
      Files.createDirectories(f.getParent());
      try (OutputStream o = Files.newOutputStream(f)) {
        SampleWriter.write(e, o);
      }
    }
    return in;
  }

  /** Writes every entry's checkpoint and the set's SimPoint metadata ({@code json/checkpoints_all.json}). */
  static Path writeWithMetadata(Path in, List<SampleSet.Entry> entries) throws IOException {
    write(in, entries);
    Files.createDirectories(in.resolve("json"));
    Files.writeString(in.resolve("json/checkpoints_all.json"), SampleSet.metadataJson(entries));
    return in;
  }
}
