package dev.gcpt.core.bundle;

import java.util.List;
import java.util.Map;

/**
 * {@code bundle.json}: everything a person or a runner needs to know about one bundle
 * (bundle.md §5). Serialized with {@link dev.gcpt.core.json.Json}; same bundle, same bytes. Paths
 * are relative to the bundle's directory or to the set root, never absolute local paths.
 */
public record BundleManifest(
    String schema,
    Source source,
    String variant,
    String producerLayout,
    int harts,
    int vlen,
    List<Hart> hartStates,
    DescriptorInfo descriptor,
    RestorerInfo restorer,
    ImageInfo image,
    SimPoint simpoint,
    List<String> notes,
    Map<String, String> commands,
    Build build) {

  public static final String SCHEMA = "gcpt.bundle/1";

  /** Where the bundle came from. {@code fingerprint} is size + modification time, for reruns. */
  public record Source(String uri, String codec, long compressedLength, long rawLength, String sha256,
      String fingerprint) {}

  public record Hart(int hart, String pc, String mode, boolean floatState, boolean vectorState,
      boolean hypervisorState) {}

  public record DescriptorInfo(String offset, int length, String hex) {}

  /**
   * The paired restorer. {@code origin} is "generated" or "external"; {@code file} is relative
   * to the set root ({@code restorers/<sha256>.bin}).
   */
  public record RestorerInfo(String sha256, long size, String origin, String file,
      Map<String, Object> parameters, List<String> notes) {}

  /**
   * The output image: head frame = the reserved window, body = fixed-size frames.
   * {@code sha256} covers the file; {@code contentSha256} the decompressed image, as
   * sha256(sha256(head raw) ‖ sha256(body raw)) so that regeneration, which never decompresses
   * the body, can still state it ({@code bodyRawSha256} carries the body's part).
   */
  public record ImageInfo(String file, String codec, int level, long rawLength, long compressedLength, String contentSha256,
      String sha256, long headRawLength, long headCompressedLength, String bodyRawSha256, long bodyFrameRawLength,
      long frames, boolean singleFrame) {}

  public record SimPoint(String workload, String point, String weight, String insts) {}

  /**
   * How the bundle was made: {@code recipe} hashes everything the bytes depend on (source
   * fingerprint, options, generator version); {@code imageRecipe} the part the body frames depend
   * on. A rerun with the same recipe skips the bundle; one that changes only the restorer
   * regenerates the head frame.
   */
  public record Build(String gcpt, String recipe, String imageRecipe) {}
}
