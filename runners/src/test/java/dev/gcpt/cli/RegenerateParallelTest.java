package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.report.ReportWriter;
import dev.gcpt.core.sample.SampleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gcpt regenerate --parallelism N}: bundles on a pool give the bytes, the messages (in the
 * listing's order) and the exit code of one thread, and a bundle that fails is reported while the
 * others are regenerated.
 */
class RegenerateParallelTest {
  @TempDir Path dir;

  @Test
  void aPoolWritesWhatOneThreadWritesAndABrokenBundleStopsNoOther() throws IOException {
    Path in = dir.resolve("set");
    List<SampleSet.Entry> entries = SampleSet.entries(3, 3, 1L << 20, 5); // 9 points and two broken files
    SampleSets.writeWithMetadata(in, entries);
    Path serial = dir.resolve("serial");
    CliRunner run = CliRunner.run("run", "--input", in.toString(), "--output", serial.toString());
    assertEquals(9, bundles(serial).size(), run.out() + run.err());
    Path fresh = dir.resolve("fresh");
    CliRunner.run("run", "--input", in.toString(), "--output", fresh.toString(), "--platform", "qemu-virt");

    // two bundles whose manifests no longer parse (cut short by hand): reported, never regenerated
    List<String> broken = List.of(bundles(serial).get(2), bundles(serial).get(6));
    for (String bundle : broken) {
      Path brokenManifest = serial.resolve(bundle).resolve(BundleBuilder.MANIFEST);
      byte[] manifest = Files.readAllBytes(brokenManifest);
      Files.write(brokenManifest, java.util.Arrays.copyOf(manifest, manifest.length / 2));
    }
    Path parallel = dir.resolve("parallel");
    copyTree(serial, parallel);

    CliRunner one = CliRunner.run("regenerate", serial.toString(), "--platform", "qemu-virt", "--parallelism", "1");
    CliRunner four = CliRunner.run("regenerate", parallel.toString(), "--platform", "qemu-virt", "--parallelism", "4");
    assertEquals(1, one.exitCode(), one.err());
    assertEquals(1, four.exitCode(), four.err());
    assertEquals("9 bundle(s): regenerated 7, 2 failed", one.out().trim());
    assertEquals(one.out(), four.out());
    // the same lines in the same order: the listing's, whichever thread finished first
    assertEquals(List.of(
        "gcpt regenerate: OUT/" + broken.get(0) + "/" + BundleBuilder.MANIFEST + ": unreadable manifest",
        "gcpt regenerate: OUT/" + broken.get(1) + "/" + BundleBuilder.MANIFEST + ": unreadable manifest"),
        four.err().replace(parallel.toString(), "OUT").lines().toList());
    assertEquals(one.err().replace(serial.toString(), "OUT"), four.err().replace(parallel.toString(), "OUT"));

    // every file the same, byte for byte (the report's run section holds each bundle's milliseconds)
    Map<String, byte[]> a = files(serial);
    Map<String, byte[]> b = files(parallel);
    assertEquals(a.keySet(), b.keySet());
    for (String rel : a.keySet()) {
      if (rel.equals(ReportWriter.FILE_NAME)) {
        assertEquals(ReportWriter.withoutRunSection(new String(a.get(rel))),
            ReportWriter.withoutRunSection(new String(b.get(rel))));
      } else {
        assertArrayEquals(a.get(rel), b.get(rel), rel);
      }
    }
    assertFalse(a.keySet().stream().anyMatch(rel -> rel.endsWith(BundleBuilder.JOURNAL)), "no journal left");
    // and the regenerated bundles are what a fresh run with the new restorer writes
    for (String bundle : bundles(parallel)) {
      if (broken.contains(bundle)) {
        continue;
      }
      assertArrayEquals(Files.readAllBytes(fresh.resolve(bundle).resolve(BundleBuilder.MANIFEST)),
          Files.readAllBytes(parallel.resolve(bundle).resolve(BundleBuilder.MANIFEST)), bundle);
      for (Path image : imagesOf(parallel.resolve(bundle))) {
        assertArrayEquals(Files.readAllBytes(fresh.resolve(bundle).resolve(image.getFileName())),
            Files.readAllBytes(image), bundle);
      }
    }
  }

  /** Set-relative directories of the bundles under {@code root}, sorted. */
  private static List<String> bundles(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().equals(BundleBuilder.MANIFEST))
          .map(p -> root.relativize(p.getParent()).toString()).sorted().toList();
    }
  }

  private static List<Path> imagesOf(Path bundle) throws IOException {
    try (Stream<Path> s = Files.list(bundle)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".zstd")).toList();
    }
  }

  private static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
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
