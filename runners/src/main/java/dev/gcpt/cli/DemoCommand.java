package dev.gcpt.cli;

import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.CheckpointSummary;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.core.sample.SampleWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gcpt demo}: generates a sample set and runs the main path over it. */
@Command(name = "demo", description = "Generate a sample checkpoint set and process it end to end.")
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--dir", defaultValue = "demo-out", description = "Working directory (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--workloads", defaultValue = "4") int workloads;
  @Option(names = "--points", defaultValue = "3") int points;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path input = dir.resolve("input");
    List<SampleSet.Entry> entries = SampleSet.entries(workloads, points, 2L << 20, 1);
    for (SampleSet.Entry e : entries) {
      Path f = input.resolve(e.path());
      Files.createDirectories(f.getParent());
      try (var o = Files.newOutputStream(f)) {
        SampleWriter.write(e, o);
      }
    }
    out.printf("wrote %d sample checkpoints under %s%n", entries.size(), input);
    int ok = 0;
    int bad = 0;
    for (SampleSet.Entry e : entries) {
      Path f = input.resolve(e.path());
      try (InputStream in = Files.newInputStream(f);
          OpenCheckpoint cp = CheckpointReader.open(in, f.toString(), CheckpointReader.Options.DEFAULT)) {
        cp.drain(null);
        CheckpointSummary s = CheckpointSummary.of(cp);
        out.printf("  ok    %-70s %s %s harts=%d%n", e.path(), s.variant(), s.codec(), s.harts());
        ok++;
      } catch (CheckpointException ex) {
        out.printf("  FAIL  %-70s %s%n", e.path(), ex.reason().code());
        bad++;
      }
    }
    out.printf("%d checkpoints valid, %d rejected (%d inputs)%n", ok, bad, entries.size());
    return 0;
  }
}
