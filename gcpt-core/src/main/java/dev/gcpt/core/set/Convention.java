package dev.gcpt.core.set;

/**
 * The naming convention a checkpoint file was found under (see {@code docs/set-layouts.md}).
 * {@code <S>} is the compression suffix ({@code .gz}, {@code .zstd} or {@code .zst}); it is part of
 * the name only, the codec is always sniffed from the content.
 */
public enum Convention {
  /** NEMU since 2025-01: {@code <config>/<workload>/<point>/_<point>_<weight>_memory_<S>}. */
  NEMU_MEMORY,
  /** NEMU before 2025-01: {@code <config>/<workload>/<point>/_<point>_<weight>_<S>}. */
  NEMU_OLD,
  /**
   * NEMU flash checkpoints, next to the memory file: {@code _<point>_<weight>_flash_<S>}
   * (uniform mode: {@code _<inst>_flash_<S>}).
   */
  NEMU_FLASH,
  /**
   * NEMU uniform mode: {@code <config>/<workload>/<scheduled>/_<actual>_memory_<S>}; before
   * 2025-01 {@code _<actual>_<S>} in a directory whose workload is not doubled. The directory is
   * the scheduled instruction count (the point, the join key), the file the count the checkpoint
   * was actually taken at ({@code 2000000/_2000132_memory_.zstd}).
   */
  NEMU_UNIFORM,
  /** XiangShan QEMU fork: {@code <config>/<workload>/<point>/_<point>_<weight>.gz} (zstd content). */
  QEMU,
  /**
   * XiangShan QEMU fork, uniform mode: {@code <config>/<workload>/<workload>/<inst>/_<inst>_.gz}
   * (the fork writes the same count into the directory and the file).
   */
  QEMU_UNIFORM,
  /**
   * Older sets: {@code [<prefix>-]checkpoint-<p>-<c>-<k>/<workload>/<point>/<file>}, where
   * {@code <file>} is one of the NEMU or QEMU file names above (for example
   * {@code zstd-checkpoint-0-0-0/astar_biglakes/31/_31_0.016784_.zstd}).
   */
  CHECKPOINT_PKC,
  /** env-scripts' oldest layout: {@code <root>/<bench>_<point>_<weight>/0/<file><S>}. */
  ENV_SCRIPTS_OLD
}
