package dev.gcpt.core.set;

import dev.gcpt.core.codec.Codec;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the path of one checkpoint file says about it, under one of the naming {@link Convention}s
 * of SimPoint sets (see {@code docs/set-layouts.md}).
 *
 * <p>The point directory is the join key with the set metadata; the weight in the file name is
 * informative only (the metadata is the source of truth). The suffix is part of the name, never
 * the codec, which is sniffed from the content.
 *
 * @param relativePath the path as given, {@code /}-separated
 * @param configDir the path before the workload directory ({@code ""} when there is none); for
 *     {@link Convention#CHECKPOINT_PKC} it ends with the {@code checkpoint-<p>-<c>-<k>} directory
 * @param workload the workload ({@code gcc_166}); for {@link Convention#ENV_SCRIPTS_OLD} the
 *     {@code <bench>} part of the directory name
 * @param point the SimPoint point (interval index) or, in uniform modes, the scheduled instruction
 *     count, as written in the directory name (the join key; a uniform file's own count, the
 *     actual one, is {@link #actualInstructions()})
 * @param weight the weight text in the file (or, for env-scripts, directory) name, if any
 * @param convention the naming convention that matched
 * @param kind memory image or flash image
 * @param suffix the compression suffix of the file name ({@code .gz}, {@code .zstd}, {@code .zst})
 */
public record CheckpointName(
    String relativePath,
    String configDir,
    String workload,
    String point,
    Optional<String> weight,
    Convention convention,
    Kind kind,
    String suffix) {

  /** What the file holds. */
  public enum Kind {
    /** A guest DRAM image starting at 0x8000_0000. */
    MEMORY,
    /** A flash image taken next to the memory image ({@code _flash_} files). */
    FLASH
  }

  private static final String SUFFIX = "(\\.gz|\\.zstd|\\.zst)";
  private static final String W = "(" + Weight.DECIMAL_REGEX + ")";
  private static final String N = "([0-9]+)";
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  /** {@code _<point>_<weight>_memory_<S>} */
  private static final Pattern MEMORY = Pattern.compile("_" + N + "_" + W + "_memory_" + SUFFIX);
  /** {@code _<inst>_memory_<S>} */
  private static final Pattern UNIFORM_MEMORY = Pattern.compile("_" + N + "_memory_" + SUFFIX);
  /** {@code _<point>_<weight>_flash_<S>} or {@code _<inst>_flash_<S>} */
  private static final Pattern FLASH = Pattern.compile("_" + N + "(?:_" + W + ")?_flash_" + SUFFIX);
  /** {@code _<point>_<weight>_<S>} */
  private static final Pattern OLD = Pattern.compile("_" + N + "_" + W + "_" + SUFFIX);
  /** {@code _<point>_<weight><S>} (QEMU: SimPoint's raw weight, no {@code _} before the suffix) */
  private static final Pattern QEMU = Pattern.compile("_" + N + "_" + W + SUFFIX);
  /** {@code _<inst>_<S>} (QEMU uniform, or NEMU uniform before 2025-01) */
  private static final Pattern BARE = Pattern.compile("_" + N + "_" + SUFFIX);

  /** {@code checkpoint-<p>-<c>-<k>}, optionally prefixed ({@code zstd-checkpoint-0-0-0}). */
  private static final Pattern PKC_DIR = Pattern.compile("(?:[A-Za-z0-9]+-)?checkpoint-[0-9]+-[0-9]+-[0-9]+");
  /** env-scripts' {@code <bench>_<point>_<weight>}; the weight must have a decimal point. */
  private static final Pattern ENV_DIR = Pattern.compile(
      "(.+)_" + N + "_((?:[0-9]*\\.[0-9]+)(?:[eE][-+]?[0-9]+)?)");
  /** env-scripts' checkpoint file name: any name with a compression suffix. */
  private static final Pattern ENV_FILE = Pattern.compile("[^/]+?" + SUFFIX);
  /** env-scripts' fixed directory between the point directory and the file. */
  private static final String ENV_SUBDIR = "0";

  public CheckpointName {
    Objects.requireNonNull(relativePath, "relativePath");
    Objects.requireNonNull(configDir, "configDir");
    Objects.requireNonNull(workload, "workload");
    Objects.requireNonNull(point, "point");
    Objects.requireNonNull(weight, "weight");
    Objects.requireNonNull(convention, "convention");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(suffix, "suffix");
  }

  /** How the file name itself looks, before the directories decide the convention. */
  private enum FileForm {
    MEMORY(CheckpointName.MEMORY, Kind.MEMORY, Convention.NEMU_MEMORY),
    UNIFORM_MEMORY(CheckpointName.UNIFORM_MEMORY, Kind.MEMORY, Convention.NEMU_UNIFORM),
    FLASH(CheckpointName.FLASH, Kind.FLASH, Convention.NEMU_FLASH),
    OLD(CheckpointName.OLD, Kind.MEMORY, Convention.NEMU_OLD),
    QEMU(CheckpointName.QEMU, Kind.MEMORY, Convention.QEMU),
    BARE(CheckpointName.BARE, Kind.MEMORY, Convention.NEMU_UNIFORM);

    final Pattern pattern;
    final Kind kind;
    final Convention convention;

    FileForm(Pattern pattern, Kind kind, Convention convention) {
      this.pattern = pattern;
      this.kind = kind;
      this.convention = convention;
    }

    /** Weight group index, or 0 if this form has none. */
    int weightGroup() {
      return this == UNIFORM_MEMORY || this == BARE ? 0 : 2;
    }
  }

  /**
   * Reads a path under any supported convention.
   *
   * @param relativePath a {@code /}-separated path relative to the set's root (a full URI works
   *     too: its scheme and bucket end up in {@link #configDir()})
   * @return empty when the path is not a checkpoint file under any convention (metadata files,
   *     directories, {@code .lst}, a file whose point disagrees with its directory, ...); see
   *     {@link #unjoinable} for the checkpoint-named files among those
   */
  public static Optional<CheckpointName> parse(String relativePath) {
    return Optional.ofNullable(classify(relativePath).name);
  }

  /**
   * Why a path whose file name looks like a checkpoint ({@code _<n>_..._memory_<S>},
   * {@code _<n>_<S>}, ...) cannot be joined: its weighted name's point differs from its directory,
   * a uniform checkpoint's directory is not an instruction count, it lacks the
   * {@code <workload>/<point>/} directories, or its workload directory is empty or {@code ..}.
   * A set runner must report such a file, never skip it silently.
   *
   * @return empty when {@link #parse} accepts the path or its file name is not a checkpoint's
   */
  public static Optional<String> unjoinable(String relativePath) {
    return Optional.ofNullable(classify(relativePath).problem);
  }

  /** Either a name, or (for a checkpoint-named file) why it is none, or neither. */
  private record Classified(CheckpointName name, String problem) {
    static final Classified NONE = new Classified(null, null);
  }

  private static Classified classify(String relativePath) {
    if (relativePath == null || relativePath.isEmpty() || relativePath.endsWith("/")) {
      return Classified.NONE;
    }
    String[] seg = relativePath.split("/", -1);
    int n = seg.length;
    Optional<CheckpointName> env = parseEnvScripts(relativePath, seg);
    if (env.isPresent()) {
      return new Classified(env.get(), null);
    }
    String file = seg[n - 1];
    for (FileForm form : FileForm.values()) {
      Matcher m = form.pattern.matcher(file);
      if (!m.matches()) {
        continue;
      }
      if (n < 3) {
        return new Classified(null, "checkpoint-named file outside the <workload>/<point>/ directories it is"
            + " joined by (expected <config>/<workload>/<point>/" + file + ")");
      }
      String pointDir = seg[n - 2];
      String workload = seg[n - 3];
      if (!isName(workload)) {
        return new Classified(null, "checkpoint-named file without a workload directory (got '" + workload
            + "' before its point directory)");
      }
      Optional<String> weight = form.weightGroup() == 0
          ? Optional.empty() : Optional.ofNullable(m.group(form.weightGroup()));
      boolean pkc = n >= 4 && PKC_DIR.matcher(seg[n - 4]).matches();
      // a checkpoint-<p>-<c>-<k> directory holds SimPoint points, whatever the file name's style
      boolean uniform = weight.isEmpty() && !pkc;
      if (uniform) {
        // uniform mode: the directory is the scheduled instruction count, the file the actual one
        // (NEMU: 2000000/_2000132_memory_.zstd); the directory is the join key
        if (!DIGITS.matcher(pointDir).matches()) {
          return new Classified(null, "uniform checkpoint in directory '" + pointDir
              + "', which is not an instruction count (expected <workload>/<scheduled insts>/" + file + ")");
        }
      } else if (!m.group(1).equals(pointDir)) {
        return new Classified(null, "the file name says point " + m.group(1) + " but its directory is '"
            + pointDir + "' (the point directory is the join key; a SimPoint checkpoint's name and directory"
            + " must agree)");
      }
      String suffix = m.group(m.groupCount());
      Convention convention = form.convention;
      int workloadIndex = n - 3;
      int configEnd = workloadIndex;
      if (form == FileForm.BARE && n >= 4 && seg[n - 4].equals(workload)) {
        convention = Convention.QEMU_UNIFORM;
        configEnd = n - 4;
      } else if (pkc) {
        convention = Convention.CHECKPOINT_PKC;
      }
      String configDir = String.join("/", Arrays.copyOfRange(seg, 0, configEnd));
      return new Classified(new CheckpointName(
          relativePath, configDir, workload, pointDir, weight, convention, form.kind, suffix), null);
    }
    return Classified.NONE;
  }

  private static Optional<CheckpointName> parseEnvScripts(String relativePath, String[] seg) {
    int n = seg.length;
    if (n < 3 || !ENV_SUBDIR.equals(seg[n - 2])) {
      return Optional.empty();
    }
    Matcher dir = ENV_DIR.matcher(seg[n - 3]);
    Matcher file = ENV_FILE.matcher(seg[n - 1]);
    if (!dir.matches() || !file.matches() || !isName(dir.group(1))) {
      return Optional.empty();
    }
    String configDir = String.join("/", Arrays.copyOfRange(seg, 0, n - 3));
    return Optional.of(new CheckpointName(relativePath, configDir, dir.group(1), dir.group(2),
        Optional.of(dir.group(3)), Convention.ENV_SCRIPTS_OLD, Kind.MEMORY, file.group(1)));
  }

  private static boolean isName(String segment) {
    return !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
  }

  /**
   * Whether this is a uniform-mode checkpoint (no weight in its name: NEMU {@code _<inst>_memory_},
   * {@code _<inst>_flash_} or {@code _<inst>_}, QEMU {@code _<inst>_}): its {@link #point()} is
   * then the directory's scheduled instruction count and {@link #actualInstructions()} the file's.
   */
  public boolean isUniform() {
    return weight.isEmpty() && (convention == Convention.NEMU_UNIFORM || convention == Convention.QEMU_UNIFORM
        || convention == Convention.NEMU_FLASH);
  }

  /**
   * The instruction count in a uniform checkpoint's file name: the count at which the producer
   * actually took it. NEMU names the directory after the scheduled count and the file after the
   * actual one, a few instructions later ({@code 2000000/_2000132_memory_.zstd}); XiangShan's QEMU
   * fork writes the same count in both. Empty for SimPoint checkpoints.
   */
  public Optional<String> actualInstructions() {
    if (!isUniform()) {
      return Optional.empty();
    }
    Matcher m = LEADING_COUNT.matcher(fileName());
    return m.lookingAt() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static final Pattern LEADING_COUNT = Pattern.compile("_([0-9]+)_");

  /** The file name (last path segment). */
  public String fileName() {
    return relativePath.substring(relativePath.lastIndexOf('/') + 1);
  }

  /** The directory holding the file ({@code relativePath} without the file name). */
  public String directory() {
    return relativePath.substring(0, relativePath.lastIndexOf('/'));
  }

  /** Benchmark group: the workload up to its first {@code _} ({@code gcc_166} → {@code gcc}). */
  public String benchmarkGroup() {
    int underscore = workload.indexOf('_');
    return underscore < 0 ? workload : workload.substring(0, underscore);
  }

  /**
   * The file name of our output image for this checkpoint: the producer's name with the suffix of
   * {@code codec} ({@code _31_0.016784_memory_.zstd} stays, {@code _31_0.016784_memory_.gz} becomes
   * {@code _31_0.016784_memory_.zstd} for zstd output, QEMU's {@code _31_0.0167843.gz} becomes
   * {@code _31_0.0167843.zstd}), so that runners globbing the producer's pattern find it.
   */
  public String outputFileName(Codec codec) {
    String name = fileName();
    return name.substring(0, name.length() - suffix.length()) + codec.suffix();
  }
}
