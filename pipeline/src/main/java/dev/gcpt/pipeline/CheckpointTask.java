package dev.gcpt.pipeline;

import dev.gcpt.core.io.Store;
import java.io.Serializable;
import java.util.Comparator;

/**
 * One checkpoint to turn into a bundle: where it is, where its bundle goes, its SimPoint facts.
 *
 * @param uri full URI (or local path) of the source
 * @param relativePath path below the set root (what manifests record for local sets)
 * @param point the point directory (for a uniform checkpoint: the scheduled instruction count)
 * @param weightSource "metadata", "file-name" or "none"
 * @param actualInsts a uniform checkpoint's instruction count from its file name (the count it was
 *     actually taken at; NEMU's differs from the directory's scheduled one), else null
 * @param flash the point's {@code _flash_} file (a flash checkpoint, bundled with it), else null
 */
public record CheckpointTask(String uri, String relativePath, String workload, String point, String weight,
    String weightSource, String insts, String bundleDir, String imageFileName, String fingerprint,
    String actualInsts, Flash flash) implements Serializable {

  /** A flash checkpoint's flash file: full URI, path below the set root, fingerprint. */
  public record Flash(String uri, String relativePath, String fingerprint) implements Serializable {}

  /** A checkpoint without a flash file. */
  public CheckpointTask(String uri, String relativePath, String workload, String point, String weight,
      String weightSource, String insts, String bundleDir, String imageFileName, String fingerprint,
      String actualInsts) {
    this(uri, relativePath, workload, point, weight, weightSource, insts, bundleDir, imageFileName, fingerprint,
        actualInsts, null);
  }

  /**
   * The order in which workers take checkpoints: largest source first (the last checkpoint to
   * start is a small one, so workers finish together), ties by path, the same every run.
   */
  public static final Comparator<CheckpointTask> LARGEST_FIRST =
      Comparator.comparingLong(CheckpointTask::sourceSize).reversed().thenComparing(CheckpointTask::relativePath);

  /** The source's size in bytes, from its listing fingerprint (0 when the listing gave none). */
  public long sourceSize() {
    return Store.Entry.sizeOf(fingerprint);
  }

  /** Whether this is a uniform-mode checkpoint (the point is a scheduled instruction count). */
  public boolean uniform() {
    return actualInsts != null;
  }
}
