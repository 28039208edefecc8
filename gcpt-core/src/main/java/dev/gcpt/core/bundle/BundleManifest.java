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
    Map<String, String> commands) {

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
   * {@code rawSha256} covers the decompressed image, {@code sha256} the file.
   */
  public record ImageInfo(String file, String codec, long rawLength, long compressedLength, String rawSha256,
      String sha256, long headRawLength, long headCompressedLength, long bodyFrameRawLength, long frames,
      boolean singleFrame) {}

  public record SimPoint(String workload, String point, String weight, String insts) {}
}
