package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.sample.SampleSet;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gcpt run} refuses what would lose data, and says so in one line. */
class RunCommandTest {
  @TempDir Path dir;

  @Test
  void anOutputThatIsInsideOrHoldsTheInputIsRefused() throws IOException {
    Path set = Files.createDirectories(dir.resolve("set"));
    String s = set.toString();
    assertTrue(RunCommand.overlap(s, s).contains("is the input set"));
    assertTrue(RunCommand.overlap(s, s + "/").contains("is the input set"));
    assertTrue(RunCommand.overlap(s, s + "/out").contains("is inside the input set"));
    assertTrue(RunCommand.overlap(s, s + "/a/../out").contains("is inside the input set"));
    assertTrue(RunCommand.overlap(s, dir.toString()).contains("holds the input set"));
    assertNull(RunCommand.overlap(s, s + "2"), "a sibling with a longer name is outside");
    assertNull(RunCommand.overlap(s, dir.resolve("out").toString()));
    Path link = Files.createSymbolicLink(dir.resolve("link"), set);
    assertTrue(RunCommand.overlap(s, link.resolve("out").toString()).contains("is inside the input set"),
        "through a symbolic link");
    assertTrue(RunCommand.overlap("s3://b/set", "s3://b/set/out").contains("is inside"));
    assertTrue(RunCommand.overlap("s3://b/set/", "s3://k:secret@b/set").contains("is the input set"));
    assertNull(RunCommand.overlap("s3://b/set", "s3://b/setx"));
    assertNull(RunCommand.overlap("s3://b/set", "s3://c/set"));

    CliRunner secret = CliRunner.run("run", "--input", "s3://AKIA:s3cr3t@b/set", "--output", "s3://AKIA:s3cr3t@b/set/o");
    assertEquals("gcpt run: --output s3://***@b/set/o is inside the input set s3://***@b/set: choose an output"
        + " outside the input\n", secret.err());

    CliRunner r = CliRunner.run("run", "--input", s, "--output", s + "/bundles");
    assertEquals(2, r.exitCode());
    assertEquals("gcpt run: --output " + s + "/bundles is inside the input set " + s
        + ": choose an output outside the input\n", r.err());
    assertFalse(Files.exists(set.resolve("bundles")));
  }

  @Test
  void anInputWithoutCheckpointsWritesNothingAndFails() throws IOException {
    Path set = sampleSet(dir.resolve("set"));
    Path out = dir.resolve("out");
    assertEquals(0, CliRunner.run("run", "--input", set.toString(), "--output", out.toString()).exitCode());
    String index = Files.readString(out.resolve("set.json"));
    String lst = Files.readString(out.resolve("checkpoint.lst"));

    Path typo = Files.createDirectories(dir.resolve("empty"));
    CliRunner r = CliRunner.run("run", "--input", typo.toString(), "--output", out.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("gcpt run: no checkpoints found under " + typo + ": nothing written"), r.err());
    assertEquals(index, Files.readString(out.resolve("set.json")), "the existing index is not replaced");
    assertEquals(lst, Files.readString(out.resolve("checkpoint.lst")));
  }

  @Test
  void aRunThatFindsFewerPointsSaysSoAndOneWhereEveryInputFailsExitsNonZero() throws IOException {
    Path set = sampleSet(dir.resolve("set"));
    Path out = dir.resolve("out");
    assertEquals(0, CliRunner.run("run", "--input", set.toString(), "--output", out.toString()).exitCode());
    // a smaller input: one workload gone
    Path fewer = dir.resolve("fewer");
    Files.createDirectories(fewer);
    Path firstWorkload = set.resolve("spec06_rv64gcb_o2_20m").resolve(SampleSet.entries(4, 2, 2L << 20, 3).get(0)
        .workload());
    copyTree(set, fewer, firstWorkload);
    CliRunner r = CliRunner.run("run", "--input", fewer.toString(), "--output", out.toString());
    assertTrue(r.err().contains("gcpt run: warning: the set index no longer lists "), r.exitCode() + r.out() + r.err());
    assertTrue(r.err().contains(firstWorkload.getFileName() + "/"), r.err());

    Path broken = Files.createDirectories(dir.resolve("broken/w/7"));
    Files.write(broken.resolve("_7_0.5_memory_.zstd"), new byte[] {1, 2, 3});
    CliRunner b = CliRunner.run("run", "--input", dir.resolve("broken").toString(), "--output",
        dir.resolve("out2").toString());
    assertEquals(1, b.exitCode(), b.out() + b.err());
    assertTrue(b.out().contains("inputs 1 = bundles 0 + failures 1"), b.out());
  }

  @Test
  void aWorkloadWhoseNameHoldsTwoDotsIsBundled() throws IOException {
    Path f = Files.createDirectories(dir.resolve("set/a..b/7")).resolve("_7_0.5_memory_.zstd");
    try (OutputStream o = Files.newOutputStream(f)) {
      dev.gcpt.core.sample.SyntheticCheckpoint.builder().build().write(o, dev.gcpt.core.codec.Codec.ZSTD);
    }
    CliRunner r = CliRunner.run("run", "--input", dir.resolve("set").toString(), "--output",
        dir.resolve("out").toString());
    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertTrue(r.out().contains("inputs 1 = bundles 1 + failures 0"), r.out());
    assertTrue(Files.exists(dir.resolve("out/a..b/7/bundle.json")));
  }

  @Test
  void aRestorerThatIsTooLargeIsRefusedBeforeAnythingIsRead() throws IOException {
    Path set = sampleSet(dir.resolve("set"));
    for (String[] args : new String[][] {
        {"run", "--input", set.toString(), "--output", dir.resolve("out").toString(), "--restorer", "/dev/zero"},
        {"normalize", set.resolve(SampleSet.entries(4, 2, 2L << 20, 3).get(0).path()).toString(), "-o",
            dir.resolve("one").toString(), "--restorer", "/dev/zero"}}) {
      CliRunner r = CliRunner.run(args);
      assertEquals(1, r.exitCode(), args[0] + ": " + r.out() + r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().contains("/dev/zero: offset 0x400000: the file goes on past 4 MiB: not a restorer"), r.err());
    }
    assertFalse(Files.exists(dir.resolve("out")));
  }

  @Test
  void usageMistakesAreOneLineWithAHint() {
    CliRunner missing = CliRunner.run("run", "--input", dir.toString());
    assertEquals(2, missing.exitCode());
    assertEquals("gcpt run: Missing required option: '--output=<output>' (see 'gcpt run --help')\n", missing.err());
    CliRunner negative = CliRunner.run("run", "--input", dir.resolve("a").toString(), "--output",
        dir.resolve("b").toString(), "--parallelism", "-3");
    assertEquals(2, negative.exitCode());
    assertEquals("gcpt run: --parallelism must be 0 (one worker per core) or more, got -3 (see 'gcpt run --help')\n",
        negative.err());
  }

  @Test
  void theSummarySaysWhereTheReportIsAndCountsInWords() throws IOException {
    Path set = sampleSet(dir.resolve("set"));
    Path out = dir.resolve("out");
    CliRunner r = CliRunner.run("run", "--input", set.toString(), "--output", out.toString());
    assertTrue(r.out().contains("inputs 10 = bundles 8 + failures 2   (built 8)   in "), r.out());
    assertTrue(r.out().contains("report: " + out + "/report.html\n"), r.out());
    assertFalse(r.out().contains("{"), r.out());
  }

  /**
   * The default runs on this machine without Beam; {@code --runner direct} runs the Beam job: the
   * same bundles and set files (the run's own story aside), the same summary.
   */
  @Test
  void theLocalDefaultAndTheDirectRunnerWriteTheSameSet() throws IOException {
    Path set = sampleSet(dir.resolve("set"));
    CliRunner local = CliRunner.run("run", "--input", set.toString(), "--output", dir.resolve("local").toString(),
        "--parallelism", "3");
    CliRunner direct = CliRunner.run("run", "--input", set.toString(), "--output", dir.resolve("direct").toString(),
        "--runner", "direct");
    assertEquals(0, local.exitCode(), local.out() + local.err());
    assertEquals(0, direct.exitCode(), direct.out() + direct.err());
    assertTrue(local.out().contains(" on this machine (3 workers)\n"), local.out());
    assertTrue(direct.out().contains(" on DirectRunner\n"), direct.out());
    assertTrue(local.out().contains("inputs 10 = bundles 8 + failures 2   (built 8)   in "), local.out());
    assertTrue(direct.out().contains("inputs 10 = bundles 8 + failures 2   (built 8)   in "), direct.out());
    java.util.Map<String, byte[]> l = files(dir.resolve("local"));
    java.util.Map<String, byte[]> d = files(dir.resolve("direct"));
    assertEquals(d.keySet(), l.keySet());
    assertEquals(dev.gcpt.core.report.ReportWriter.withoutRunSection(new String(l.remove("report.html"),
            java.nio.charset.StandardCharsets.UTF_8)),
        dev.gcpt.core.report.ReportWriter.withoutRunSection(new String(d.remove("report.html"),
            java.nio.charset.StandardCharsets.UTF_8)));
    l.remove("run.json");
    d.remove("run.json");
    d.forEach((k, v) -> org.junit.jupiter.api.Assertions.assertArrayEquals(v, l.get(k), k));
    CliRunner unknown = CliRunner.run("run", "--input", set.toString(), "--output", dir.resolve("x").toString(),
        "--runner", "spark");
    assertEquals(2, unknown.exitCode());
    assertEquals("gcpt run: unknown runner 'spark' (expected local, direct or flink) (see 'gcpt run --help')\n",
        unknown.err());
  }

  private static java.util.Map<String, byte[]> files(Path root) throws IOException {
    java.util.Map<String, byte[]> m = new java.util.TreeMap<>();
    try (var all = Files.walk(root)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        m.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return m;
  }

  /** A profile from a file works for run (the pipeline's workers get its text) as for normalize. */
  @Test
  void aPlatformProfileFromAFileWorksForRunAndNormalize() throws IOException {
    Path set = sampleSet(dir.resolve("set"));
    Path profile = dir.resolve("lab.properties");
    Files.writeString(profile, "name=lab\ndescription=our lab's XiangShan\ndramBase=0x80000000\ndramSize=0x200000000\n"
        + "clintBase=0x38000000\nsstc=true\n");
    CliRunner r = CliRunner.run("run", "--input", set.toString(), "--output", dir.resolve("out").toString(),
        "--platform", profile.toString());
    assertEquals(0, r.exitCode(), r.out() + r.err());
    SampleSet.Entry first = SampleSet.entries(4, 2, 2L << 20, 3).get(0);
    String manifest = Files.readString(dir.resolve("out").resolve(first.workload()).resolve(first.point())
        .resolve("bundle.json"));
    assertTrue(manifest.contains("\"platform\" : \"lab\""), manifest);
    CliRunner n = CliRunner.run("normalize", set.resolve(first.path()).toString(), "-o", dir.resolve("one").toString(),
        "--platform", profile.toString());
    assertEquals(0, n.exitCode(), n.out() + n.err());
    CliRunner bad = CliRunner.run("run", "--input", set.toString(), "--output", dir.resolve("o2").toString(),
        "--platform", "nemo");
    assertEquals(1, bad.exitCode());
    assertTrue(bad.err().startsWith("gcpt: unknown platform 'nemo'; known: xiangshan, nemu, gem5"), bad.err());
  }

  private static Path sampleSet(Path in) throws IOException {
    return SampleSets.write(in, SampleSet.entries(4, 2, 2L << 20, 3));
  }

  /** Copies {@code from} to {@code to}, leaving out {@code skip} and what is under it. */
  private static void copyTree(Path from, Path to, Path skip) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path p : files.toList()) {
        if (p.startsWith(skip)) {
          continue;
        }
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
