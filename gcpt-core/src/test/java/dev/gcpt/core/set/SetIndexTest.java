package dev.gcpt.core.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.set.SetIndex.Problem;
import dev.gcpt.core.set.SetIndex.ProblemKind;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SetIndexTest {
  static final String META = """
      {"gcc_166": {"insts": "56203486212", "points": {"9": "0.5", "31": "0.0708853", "120": "0.4291147"}},
       "mcf": {"insts": "3000", "points": {"77": "1"}}}
      """;

  static List<CheckpointName> names(String... paths) {
    return Stream.of(paths).map(p -> CheckpointName.parse(p).orElseThrow(() -> new AssertionError(p))).toList();
  }

  static SetIndex join(String... paths) throws IOException {
    return SetIndex.join(names(paths), SetMetadataTest.json(META));
  }

  @Test
  void joinsOnWorkloadAndPointWithTheMetadataWeight() throws IOException {
    SetIndex index = join(
        "cpt/gcc_166/120/_120_0.429115_memory_.zstd",
        "cpt/gcc_166/31/_31_0.070885_memory_.zstd",
        "cpt/gcc_166/9/_9_0.500000_memory_.zstd",
        "cpt/mcf/77/_77_1.000000_memory_.zstd",
        "cpt/mcf/77/_77_1.000000_flash_.zstd");
    assertEquals(List.of(), index.problems());
    assertEquals(List.of("gcc_166/9", "gcc_166/31", "gcc_166/120", "mcf/77"),
        index.entries().stream().map(e -> e.workload() + "/" + e.point()).toList());
    SetIndex.Entry gcc31 = index.entries().get(1);
    assertEquals("0.0708853", gcc31.weight().text());
    assertEquals(Optional.of("56203486212"), gcc31.insts());
    assertEquals("cpt/gcc_166/31/_31_0.070885_memory_.zstd", gcc31.path());
    assertEquals(Optional.empty(), gcc31.flash());
    SetIndex.Entry mcf = index.entries().get(3);
    assertEquals("cpt/mcf/77/_77_1.000000_flash_.zstd", mcf.flash().orElseThrow().relativePath());
  }

  @Test
  void reportsEveryMismatchInsteadOfGuessing() throws IOException {
    SetIndex index = join(
        // gcc_166/9: two memory files in one point directory
        "cpt/gcc_166/9/_9_0.500000_memory_.zstd",
        "cpt/gcc_166/9/_9_0.500000_memory_.gz",
        // gcc_166/31: file name weight disagrees
        "cpt/gcc_166/31/_31_0.5_memory_.zstd",
        // gcc_166/120: missing; gcc_166/500: no weight
        "cpt/gcc_166/500/_500_0.100000_memory_.zstd",
        // an unknown workload
        "cpt/lbm/5/_5_1.000000_memory_.zstd",
        // mcf/77: flash only
        "cpt/mcf/77/_77_1.000000_flash_.zstd",
        // the same path listed twice counts once
        "cpt/gcc_166/31/_31_0.5_memory_.zstd");
    assertEquals(List.of("gcc_166/31"), index.entries().stream().map(e -> e.workload() + "/" + e.point()).toList());
    assertEquals("0.0708853", index.entries().get(0).weight().text());
    List<Problem> p = index.problems();
    assertEquals(List.of(
        ProblemKind.AMBIGUOUS_CHECKPOINT, ProblemKind.WEIGHT_MISMATCH, ProblemKind.MISSING_CHECKPOINT,
        ProblemKind.MISSING_WEIGHT, ProblemKind.MISSING_WEIGHT, ProblemKind.FLASH_WITHOUT_MEMORY),
        p.stream().map(Problem::kind).toList());
    assertEquals(List.of("gcc_166/9", "gcc_166/31", "gcc_166/120", "gcc_166/500", "lbm/5", "mcf/77"),
        p.stream().map(x -> x.workload() + "/" + x.point()).toList());
    assertEquals(List.of("cpt/gcc_166/9/_9_0.500000_memory_.gz", "cpt/gcc_166/9/_9_0.500000_memory_.zstd"),
        p.get(0).paths());
    assertTrue(p.get(1).detail().contains("0.5") && p.get(1).detail().contains("0.0708853"), p.get(1).detail());
    assertTrue(p.get(1).isNote());
    assertEquals(List.of(), p.get(2).paths());
    assertTrue(p.get(2).detail().contains("0.4291147"), p.get(2).detail());
    assertTrue(p.get(3).detail().contains("no weight for this point"), p.get(3).detail());
    assertTrue(p.get(4).detail().contains("no workload 'lbm'"), p.get(4).detail());
    assertEquals(5, index.errors().size());
  }

  @Test
  void twoConfigDirectoriesWithTheSamePointAreAmbiguous() throws IOException {
    SetIndex index = join("a/mcf/77/_77_1.000000_memory_.zstd", "b/mcf/77/_77_1.000000_memory_.zstd");
    assertEquals(List.of(), index.entries());
    List<Problem> mcf = index.problems().stream().filter(x -> x.workload().equals("mcf")).toList();
    assertEquals(1, mcf.size());
    Problem p = mcf.get(0);
    assertEquals(ProblemKind.AMBIGUOUS_CHECKPOINT, p.kind());
    assertEquals(List.of("a/mcf/77/_77_1.000000_memory_.zstd", "b/mcf/77/_77_1.000000_memory_.zstd"), p.paths());
  }

  @Test
  void uniformCheckpointsHaveNoWeightToJoin() throws IOException {
    SetIndex index = SetIndex.join(names("u/mcf/40000000/_40000000_memory_.zstd"),
        SetMetadata.of("none", List.of()));
    assertEquals(List.of(), index.entries());
    assertEquals(ProblemKind.MISSING_WEIGHT, index.problems().get(0).kind());
  }

  /** NEMU's uniform files: keyed by the directory (scheduled count), two actual counts in one directory are ambiguous. */
  @Test
  void uniformCheckpointsJoinByTheirScheduledDirectory() {
    SetIndex index = SetIndex.join(names(
        "u/hmmer/2000000/_2000132_memory_.zstd",
        "u/hmmer/2000000/_2000132_flash_.zstd",
        "u/hmmer/4000000/_4000057_memory_.zstd",
        "u/hmmer/4000000/_4000090_memory_.zstd"), SetMetadata.of("none", List.of()));
    assertEquals(List.of(
        new Problem(ProblemKind.MISSING_WEIGHT, "hmmer", "2000000",
            List.of("u/hmmer/2000000/_2000132_flash_.zstd", "u/hmmer/2000000/_2000132_memory_.zstd"),
            "a uniform checkpoint (scheduled at 2000000 instructions, taken at 2000132): uniform checkpoints have"
                + " no SimPoint weight"),
        new Problem(ProblemKind.AMBIGUOUS_CHECKPOINT, "hmmer", "4000000",
            List.of("u/hmmer/4000000/_4000057_memory_.zstd", "u/hmmer/4000000/_4000090_memory_.zstd"),
            "2 memory files for one point; none is used")), index.problems());
  }

  @Test
  void metadataOfTheEntriesKeepsInstsAndWeightTexts() throws IOException {
    SetIndex index = join("cpt/gcc_166/31/_31_0.070885_memory_.zstd", "cpt/mcf/77/_77_1.000000_memory_.zstd");
    SetMetadata meta = index.metadata("out");
    assertEquals(List.of("gcc_166", "mcf"), List.copyOf(meta.workloads().keySet()));
    assertEquals(Optional.of("56203486212"), meta.workloads().get("gcc_166").insts());
    assertEquals(List.of("31"), List.copyOf(meta.workloads().get("gcc_166").points().keySet()));
    assertEquals("1", meta.weight("mcf", "77").orElseThrow().text());
  }
}
