package dev.gcpt.core.report;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code report.html} shows about one set: the same facts the set files hold ({@code
 * set.json}, {@code failures.jsonl}) plus this run's timing, kept apart because it differs from
 * run to run. Plain data, no Beam: the pipeline converts its records into this.
 *
 * @param input the set's input as {@code set.json} names it (a URI, or {@code local:<name>})
 * @param bundles every bundle of the set, any order
 * @param failures every rejected input and metadata error (stage {@value #METADATA_STAGE}), any order
 * @param notes set-level observations (a metadata point without checkpoint, …), any order
 * @param run what this run did per bundle (status, time); not part of the set's identity
 */
public record SetReport(String input, List<Bundle> bundles, List<Failure> failures, List<Note> notes, Run run) {
  /** Failures of this stage are metadata errors, not rejected inputs. */
  public static final String METADATA_STAGE = dev.gcpt.core.set.SetManifest.METADATA_STAGE;
  /** Note kind of a metadata point for which no checkpoint file was found. */
  public static final String MISSING_CHECKPOINT = "missing-checkpoint";

  public SetReport {
    Objects.requireNonNull(input, "input");
    bundles = List.copyOf(bundles);
    failures = List.copyOf(failures);
    notes = List.copyOf(notes);
    Objects.requireNonNull(run, "run");
  }

  /**
   * One bundle.
   *
   * @param weight the SimPoint weight text, or null when neither the metadata nor the file name has one
   * @param weightSource "metadata", "file-name" or "none"
   * @param insts the workload's instruction count from the metadata, or null
   * @param bundleDir the bundle's directory relative to the set root
   * @param image the image's path relative to the set root
   * @param sourceBytes compressed size of the source checkpoint
   * @param rawBytes decompressed image size
   * @param imageBytes compressed size of the bundle's image
   * @param flashImage a flash checkpoint's flash image, relative to the set root; else null
   */
  public record Bundle(String workload, String point, String weight, String weightSource, String insts,
      String bundleDir, String image, String variant, int harts, Restorer restorer, long sourceBytes,
      long rawBytes, long imageBytes, String flashImage) {

    /** A bundle without a flash image. */
    public Bundle(String workload, String point, String weight, String weightSource, String insts, String bundleDir,
        String image, String variant, int harts, Restorer restorer, long sourceBytes, long rawBytes,
        long imageBytes) {
      this(workload, point, weight, weightSource, insts, bundleDir, image, variant, harts, restorer, sourceBytes,
          rawBytes, imageBytes, null);
    }
  }

  /** The restorer paired with a bundle: content hash, size, origin (generated/external), parameters. */
  public record Restorer(String sha256, long size, String origin, Map<String, Object> parameters) {}

  /**
   * One line of {@code failures.jsonl}, with the workload, point and weight its path names when
   * it follows a known naming convention (else null).
   */
  public record Failure(String uri, String stage, String reason, String message, String workload, String point,
      String weight) {}

  /** A set-level note. {@code weight} is the metadata's weight of the point, when known. */
  public record Note(String kind, String workload, String point, String weight, String detail) {}

  /** This run's story: per bundle its status (BUILT, REGENERATED, UP_TO_DATE) and time. */
  public record Run(List<Timing> timings) {
    public Run {
      timings = List.copyOf(timings);
    }
  }

  /** How long one bundle took in this run ({@code millis} includes reading the source). */
  public record Timing(String workload, String point, String status, long millis, long rawBytes) {}
}
