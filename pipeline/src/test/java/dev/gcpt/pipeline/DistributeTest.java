package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DistributeTest {
  private static CheckpointTask task(String path, String fingerprint) {
    return new CheckpointTask("/set/" + path, path, "w", "1", "0.1", "metadata", "100", "w/1", "_1_.zstd",
        fingerprint, null);
  }

  @Test
  void sourceSizeComesFromTheListingFingerprint() {
    assertEquals(4096, task("a", "size=4096,mtime=5").sourceSize());
    assertEquals(77, task("a", "size=77,mtime=5,etag=\"x,y\"").sourceSize());
    assertEquals(12, task("a", "size=12").sourceSize());
    assertEquals(0, task("a", "mtime=5").sourceSize());
    assertEquals(0, task("a", "size=x,mtime=5").sourceSize());
  }

  @Test
  void largestFirstOntoTheLeastLoadedBin() {
    List<CheckpointTask> tasks = List.of(task("a", "size=10"), task("b", "size=70"), task("c", "size=30"),
        task("d", "size=40"), task("e", "size=20"));
    List<List<CheckpointTask>> bins = Distribute.deal(tasks, 2);
    // 70 -> bin 0; 40 -> bin 1; 30 -> bin 1 (70); 20 -> bin 0 (90); 10 -> bin 1 (80)
    assertEquals(List.of(List.of("b", "e"), List.of("d", "c", "a")), paths(bins));
  }

  @Test
  void noEmptyBinsAndEveryTaskOnceWhateverTheOrder() {
    List<CheckpointTask> tasks = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      tasks.add(task(String.format("p%04d", i), "size=" + (4_000_000 + (i * 7919) % 1000)));
    }
    List<List<CheckpointTask>> bins = Distribute.deal(tasks, 8);
    assertEquals(8, bins.size());
    assertEquals(1000, bins.stream().mapToInt(List::size).sum());
    bins.forEach(b -> assertEquals(125, b.size(), "equal sizes deal evenly"));
    List<CheckpointTask> reversed = new ArrayList<>(tasks);
    java.util.Collections.reverse(reversed);
    assertEquals(paths(bins), paths(Distribute.deal(reversed, 8)), "the deal does not depend on the input order");
    // fewer tasks than bins: one task per bin, no empty bin
    assertEquals(List.of(List.of("x"), List.of("y")),
        paths(Distribute.deal(List.of(task("y", "size=5"), task("x", "size=5")), 8)));
  }

  @Test
  void binsOnTheDirectRunnerAReshuffleElsewhere() {
    org.apache.beam.runners.direct.DirectOptions direct = org.apache.beam.sdk.options.PipelineOptionsFactory.create()
        .as(org.apache.beam.runners.direct.DirectOptions.class);
    direct.setRunner(org.apache.beam.runners.direct.DirectRunner.class);
    direct.setTargetParallelism(3);
    assertEquals(3 * Distribute.BINS_PER_WORKER, Distribute.forOptions(direct).bins());
    org.apache.beam.sdk.options.PipelineOptions other = org.apache.beam.sdk.options.PipelineOptionsFactory.create();
    other.setRunner(org.apache.beam.sdk.testing.CrashingRunner.class);
    assertEquals(0, Distribute.forOptions(other).bins());
  }

  private static List<List<String>> paths(List<List<CheckpointTask>> bins) {
    return bins.stream().map(b -> b.stream().map(CheckpointTask::relativePath).collect(Collectors.toList())).toList();
  }
}
