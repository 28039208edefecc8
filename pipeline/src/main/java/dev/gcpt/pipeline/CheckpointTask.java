package dev.gcpt.pipeline;

import java.io.Serializable;

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

  /** Whether this is a uniform-mode checkpoint (the point is a scheduled instruction count). */
  public boolean uniform() {
    return actualInsts != null;
  }
}
