package dev.gcpt.core.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.set.CheckpointName.Kind;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CheckpointNameTest {

  /** path, convention, kind, configDir, workload, point, weight (null = none), suffix, group. */
  static Stream<Arguments> matching() {
    return Stream.of(
        Arguments.of("spec06/take_cpt/gcc_166/31/_31_0.070885_memory_.zstd",
            Convention.NEMU_MEMORY, Kind.MEMORY, "spec06/take_cpt", "gcc_166", "31", "0.070885", ".zstd", "gcc"),
        Arguments.of("s3://sets/nemu-2025/take_cpt/astar_biglakes/122/_122_0.244818_memory_.gz",
            Convention.NEMU_MEMORY, Kind.MEMORY, "s3://sets/nemu-2025/take_cpt", "astar_biglakes", "122",
            "0.244818", ".gz", "astar"),
        Arguments.of("gcc_166/0/_0_0.012345_memory_.zstd",
            Convention.NEMU_MEMORY, Kind.MEMORY, "", "gcc_166", "0", "0.012345", ".zstd", "gcc"),
        Arguments.of("spec06_rv64gcb_o2_20m/take_cpt/perlbench_diffmail/3383/_3383_0.081283_.gz",
            Convention.NEMU_OLD, Kind.MEMORY, "spec06_rv64gcb_o2_20m/take_cpt", "perlbench_diffmail", "3383",
            "0.081283", ".gz", "perlbench"),
        Arguments.of("take_cpt/mcf/77/_77_0.310000_flash_.zstd",
            Convention.NEMU_FLASH, Kind.FLASH, "take_cpt", "mcf", "77", "0.310000", ".zstd", "mcf"),
        Arguments.of("uniform/mcf/40000000/_40000000_flash_.gz",
            Convention.NEMU_FLASH, Kind.FLASH, "uniform", "mcf", "40000000", null, ".gz", "mcf"),
        Arguments.of("uniform_cpt/hmmer_nph3/200000000/_200000000_memory_.zstd",
            Convention.NEMU_UNIFORM, Kind.MEMORY, "uniform_cpt", "hmmer_nph3", "200000000", null, ".zstd", "hmmer"),
        // NEMU cc2dd3dd: the directory is the scheduled count, the file the actual one; they differ
        Arguments.of("uniform_cpt/hmmer_nph3/2000000/_2000132_memory_.zstd",
            Convention.NEMU_UNIFORM, Kind.MEMORY, "uniform_cpt", "hmmer_nph3", "2000000", null, ".zstd", "hmmer"),
        Arguments.of("uniform_cpt/hmmer_nph3/2000000/_2000132_flash_.zstd",
            Convention.NEMU_FLASH, Kind.FLASH, "uniform_cpt", "hmmer_nph3", "2000000", null, ".zstd", "hmmer"),
        Arguments.of("uniform_cpt/hmmer_nph3/2000000/_2000132_.gz",
            Convention.NEMU_UNIFORM, Kind.MEMORY, "uniform_cpt", "hmmer_nph3", "2000000", null, ".gz", "hmmer"),
        Arguments.of("uniform_cpt/hmmer_nph3/200000000/_200000000_.gz",
            Convention.NEMU_UNIFORM, Kind.MEMORY, "uniform_cpt", "hmmer_nph3", "200000000", null, ".gz", "hmmer"),
        Arguments.of("qemu/checkpoint/bzip2_source/412/_412_0.0708853.gz",
            Convention.QEMU, Kind.MEMORY, "qemu/checkpoint", "bzip2_source", "412", "0.0708853", ".gz", "bzip2"),
        Arguments.of("qemu/checkpoint/lbm/5/_5_1e-05.gz",
            Convention.QEMU, Kind.MEMORY, "qemu/checkpoint", "lbm", "5", "1e-05", ".gz", "lbm"),
        Arguments.of("qemu/uniform/libquantum/libquantum/100000000/_100000000_.gz",
            Convention.QEMU_UNIFORM, Kind.MEMORY, "qemu/uniform", "libquantum", "100000000", null, ".gz", "libquantum"),
        Arguments.of("/nfs/share/zyy/spec06_rv64gcb_O3_20m_gcc12.2.0-intFpcOff-jeMalloc/zstd-checkpoint-0-0-0/"
                + "astar_biglakes/31/_31_0.016784_.zstd",
            Convention.CHECKPOINT_PKC, Kind.MEMORY,
            "/nfs/share/zyy/spec06_rv64gcb_O3_20m_gcc12.2.0-intFpcOff-jeMalloc/zstd-checkpoint-0-0-0",
            "astar_biglakes", "31", "0.016784", ".zstd", "astar"),
        Arguments.of("spec17/checkpoint-0-0-0/blender/26411/_26411_0.174363_.zstd",
            Convention.CHECKPOINT_PKC, Kind.MEMORY, "spec17/checkpoint-0-0-0", "blender", "26411", "0.174363",
            ".zstd", "blender"),
        Arguments.of("spec17/checkpoint-1-0-2/blender/26411/_26411_0.174363_flash_.zstd",
            Convention.CHECKPOINT_PKC, Kind.FLASH, "spec17/checkpoint-1-0-2", "blender", "26411", "0.174363",
            ".zstd", "blender"),
        Arguments.of("gcpt_bins/astar_biglakes_122060000000_0.244818/0/_122060000000_.gz",
            Convention.ENV_SCRIPTS_OLD, Kind.MEMORY, "gcpt_bins", "astar_biglakes", "122060000000", "0.244818",
            ".gz", "astar"),
        Arguments.of("old/bwaves_1003220000000_0.036592/0/bwaves.zstd",
            Convention.ENV_SCRIPTS_OLD, Kind.MEMORY, "old", "bwaves", "1003220000000", "0.036592", ".zstd", "bwaves"));
  }

  @ParameterizedTest
  @MethodSource("matching")
  void parsesEveryConvention(String path, Convention convention, Kind kind, String configDir, String workload,
      String point, String weight, String suffix, String group) {
    CheckpointName name = CheckpointName.parse(path).orElseThrow(() -> new AssertionError("no match: " + path));
    assertEquals(new CheckpointName(path, configDir, workload, point, Optional.ofNullable(weight), convention, kind,
        suffix), name);
    assertEquals(group, name.benchmarkGroup());
    assertEquals(path.substring(path.lastIndexOf('/') + 1), name.fileName());
    assertEquals(path.substring(0, path.lastIndexOf('/')), name.directory());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "json/checkpoints_all.json",
      "json/checkpoints_cov0.3.json",
      "checkpoint-0-0-0/cluster-0-0.json",
      "cluster/gcc_166/simpoints0",
      "cluster/gcc_166/weights0",
      "checkpoint.lst",
      "checkpoint-0-0-0/checkpoint.lst",
      "take_cpt/gcc_166/31/",
      "take_cpt/gcc_166/31",
      "take_cpt/gcc_166/",
      "profiling/gcc_166/simpoint_bbv.gz",
      "take_cpt/gcc_166/31/_32_0.070885_memory_.zstd",
      "take_cpt/gcc_166/31/_32_0.070885_.gz",
      "qemu/bzip2/412/_413_0.0708853.gz",
      "uniform/hmmer/latest/_2000132_memory_.zstd",
      "take_cpt/gcc_166/31/_31_0.070885_memory_.zstd.tmp",
      "take_cpt/gcc_166/31/_31_0.070885_memory_.json",
      "take_cpt/gcc_166/31/_31_0.070885_memory_.lst",
      "take_cpt/gcc_166/31/nemu_out.txt",
      "take_cpt/gcc_166/31/_31_0.5._.gz",
      "take_cpt/gcc_166/31/_31_-0.5_.gz",
      "take_cpt/../31/_31_0.1_memory_.zstd",
      "take_cpt//31/_31_0.1_memory_.zstd",
      "_31_0.070885_memory_.zstd",
      "31/_31_0.070885_memory_.zstd",
      "gcpt_bins/astar_biglakes_122060000000_0.244818/0/simulator_out.txt",
      "gcpt_bins/astar_biglakes_122060000000_0.244818/0/",
      "",
  })
  void rejectsWhatIsNotACheckpoint(String path) {
    assertEquals(Optional.empty(), CheckpointName.parse(path), path);
  }

  static Stream<Arguments> outputNames() {
    return Stream.of(
        Arguments.of("take_cpt/gcc_166/31/_31_0.070885_memory_.gz", Codec.ZSTD, "_31_0.070885_memory_.zstd"),
        Arguments.of("take_cpt/gcc_166/31/_31_0.070885_memory_.zstd", Codec.ZSTD, "_31_0.070885_memory_.zstd"),
        Arguments.of("take_cpt/gcc_166/31/_31_0.070885_memory_.zstd", Codec.GZIP, "_31_0.070885_memory_.gz"),
        Arguments.of("take_cpt/gcc_166/31/_31_0.070885_memory_.zstd", Codec.RAW, "_31_0.070885_memory_"),
        Arguments.of("o2/take_cpt/perlbench_diffmail/3383/_3383_0.081283_.zstd", Codec.GZIP, "_3383_0.081283_.gz"),
        Arguments.of("qemu/checkpoint/bzip2_source/412/_412_0.0708853.gz", Codec.ZSTD, "_412_0.0708853.zstd"),
        Arguments.of("qemu/checkpoint/bzip2_source/412/_412_0.0708853.gz", Codec.GZIP, "_412_0.0708853.gz"),
        Arguments.of("qemu/uniform/libquantum/libquantum/100000000/_100000000_.gz", Codec.ZSTD, "_100000000_.zstd"),
        Arguments.of("uniform_cpt/hmmer_nph3/200000000/_200000000_memory_.zstd", Codec.GZIP,
            "_200000000_memory_.gz"),
        Arguments.of("take_cpt/mcf/77/_77_0.310000_flash_.zstd", Codec.GZIP, "_77_0.310000_flash_.gz"),
        Arguments.of("spec17/checkpoint-0-0-0/blender/26411/_26411_0.174363_.zst", Codec.ZSTD,
            "_26411_0.174363_.zstd"),
        Arguments.of("gcpt_bins/astar_biglakes_122060000000_0.244818/0/_122060000000_.gz", Codec.ZSTD,
            "_122060000000_.zstd"));
  }

  @ParameterizedTest
  @MethodSource("outputNames")
  void outputKeepsTheProducersNameWithTheOutputCodecsSuffix(String path, Codec codec, String expected) {
    CheckpointName name = CheckpointName.parse(path).orElseThrow();
    String out = name.outputFileName(codec);
    assertEquals(expected, out);
    // our own output is still recognised under the same convention and point
    if (codec != Codec.RAW) {
      CheckpointName again = CheckpointName.parse(name.directory() + "/" + out).orElseThrow();
      assertEquals(name.point(), again.point());
      assertEquals(name.convention(), again.convention());
      assertTrue(again.weight().equals(name.weight()));
    }
  }

  /** A uniform checkpoint's two counts: the directory's (scheduled, the point) and the file's (actual). */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
      "uniform_cpt/hmmer_nph3/2000000/_2000132_memory_.zstd, 2000000, 2000132",
      "uniform_cpt/hmmer_nph3/2000000/_2000132_flash_.gz, 2000000, 2000132",
      "uniform_cpt/hmmer_nph3/2000000/_2000000_memory_.zstd, 2000000, 2000000",
      "old_uniform/hmmer_nph3/2000000/_2000007_.gz, 2000000, 2000007",
      "qemu/uniform/libquantum/libquantum/100000000/_100000000_.gz, 100000000, 100000000"})
  void uniformCheckpointsJoinByTheirDirectoryAndKeepTheActualCount(String path, String scheduled, String actual) {
    CheckpointName name = CheckpointName.parse(path).orElseThrow(() -> new AssertionError("no match: " + path));
    assertTrue(name.isUniform(), path);
    assertEquals(scheduled, name.point());
    assertEquals(Optional.of(actual), name.actualInstructions());
    assertEquals(Optional.empty(), CheckpointName.unjoinable(path));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "spec06/take_cpt/gcc_166/31/_31_0.070885_memory_.zstd",
      "qemu/checkpoint/bzip2_source/412/_412_0.0708853.gz",
      "take_cpt/mcf/77/_77_0.310000_flash_.zstd",
      "spec17/checkpoint-0-0-0/blender/26411/_26411_.zstd",
      "gcpt_bins/astar_biglakes_122060000000_0.244818/0/_122060000000_.gz"})
  void simPointCheckpointsHaveNoActualCount(String path) {
    CheckpointName name = CheckpointName.parse(path).orElseThrow();
    assertTrue(!name.isUniform(), path);
    assertEquals(Optional.empty(), name.actualInstructions());
  }

  /** Checkpoint-named files that cannot be joined say why (a set runner reports them as failures). */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "take_cpt/gcc_166/31/_32_0.070885_memory_.zstd | the file name says point 32 but its directory is '31'",
      "qemu/bzip2/412/_413_0.0708853.gz | the file name says point 413 but its directory is '412'",
      "spec17/checkpoint-0-0-0/blender/26411/_26412_.zstd | the file name says point 26412 but its directory is"
          + " '26411'",
      "uniform/hmmer/latest/_2000132_memory_.zstd | uniform checkpoint in directory 'latest', which is not an"
          + " instruction count",
      "_31_0.070885_memory_.zstd | checkpoint-named file outside the <workload>/<point>/ directories",
      "31/_31_0.070885_memory_.zstd | checkpoint-named file outside the <workload>/<point>/ directories",
      "take_cpt//31/_31_0.1_memory_.zstd | checkpoint-named file without a workload directory (got ''",
      "take_cpt/../31/_31_0.1_memory_.zstd | checkpoint-named file without a workload directory (got '..'"})
  void checkpointNamedFilesThatCannotJoinSayWhy(String path, String reason) {
    assertEquals(Optional.empty(), CheckpointName.parse(path));
    String why = CheckpointName.unjoinable(path).orElseThrow(() -> new AssertionError("no reason for " + path));
    assertTrue(why.startsWith(reason), why);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "json/checkpoints_all.json", "cluster/gcc_166/simpoints0", "checkpoint.lst", "take_cpt/gcc_166/31/",
      "profiling/gcc_166/simpoint_bbv.gz", "take_cpt/gcc_166/31/_31_0.070885_memory_.zstd.tmp",
      "take_cpt/gcc_166/31/nemu_out.txt", "take_cpt/gcc_166/31/_31_0.5._.gz", "",
      "spec06/take_cpt/gcc_166/31/_31_0.070885_memory_.zstd"})
  void otherFilesAreNotUnjoinable(String path) {
    assertEquals(Optional.empty(), CheckpointName.unjoinable(path), path);
  }
}
