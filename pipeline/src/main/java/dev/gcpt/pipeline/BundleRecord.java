package dev.gcpt.pipeline;

import java.io.Serializable;

/**
 * A bundle the run produced (or found up to date): what the set files need about it.
 * {@code actualInsts} is a uniform checkpoint's file-name instruction count (its {@code point} is
 * the directory's scheduled one), else null. {@code flashImage} (path below the output root) and
 * {@code flashRestorerSha256}: a flash checkpoint's flash image and its execute-in-place restorer,
 * else null.
 */
public record BundleRecord(String relativePath, String workload, String point, String weight, String weightSource,
    String insts, String status, String bundleDir, String image, String variant, int harts, String restorerSha256,
    long restorerSize, String restorerOrigin, String restorerParameters, long sourceBytes, long rawBytes,
    long imageBytes, long millis, String actualInsts, String flashImage, String flashRestorerSha256)
    implements Serializable {

  /** A bundle without a flash image. */
  public BundleRecord(String relativePath, String workload, String point, String weight, String weightSource,
      String insts, String status, String bundleDir, String image, String variant, int harts, String restorerSha256,
      long restorerSize, String restorerOrigin, String restorerParameters, long sourceBytes, long rawBytes,
      long imageBytes, long millis, String actualInsts) {
    this(relativePath, workload, point, weight, weightSource, insts, status, bundleDir, image, variant, harts,
        restorerSha256, restorerSize, restorerOrigin, restorerParameters, sourceBytes, rawBytes, imageBytes, millis,
        actualInsts, null, null);
  }
}
