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
    Build build,
    Flash flash) {

  public static final String SCHEMA = "gcpt.bundle/2";

  @com.fasterxml.jackson.annotation.JsonCreator
  public BundleManifest {}

  /** A bundle of a checkpoint without a flash image. */
  public BundleManifest(String schema, Source source, String variant, String producerLayout, int harts, int vlen,
      List<Hart> hartStates, DescriptorInfo descriptor, RestorerInfo restorer, ImageInfo image, SimPoint simpoint,
      List<String> notes, Map<String, String> commands, Build build) {
    this(schema, source, variant, producerLayout, harts, vlen, hartStates, descriptor, restorer, image, simpoint, notes,
        commands, build, null);
  }

  /** This manifest with a flash image. */
  public BundleManifest withFlash(Flash f) {
    return new BundleManifest(schema, source, variant, producerLayout, harts, vlen, hartStates, descriptor, restorer,
        image, simpoint, notes, commands, build, f);
  }

  /**
   * The flash image of a flash checkpoint (docs/image-format.md "Flash checkpoints"), beside the
   * memory image in the bundle's directory; absent for other bundles. {@code base} is the flash's
   * physical address, {@code descriptor.offset} an offset from it; the restorer executes in place
   * there. {@code source} is the {@code _flash_} file the state came from.
   */
  public record Flash(String base, Source source, DescriptorInfo descriptor, RestorerInfo restorer,
      ImageInfo image) {}

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
   * The output image (docs/image-format.md): head frame = the reserved window, padded to the head
   * slot ({@code headSlotLength} bytes), then body frames of {@code bodyFrameRawLength} raw bytes.
   * The file is identified by two SHA-256s, of its head slot and of its body (the bytes after the
   * slot), never by one over the whole file: a regeneration rewrites only the slot and carries the
   * body's over. The raw content is identified by {@code headRawSha256} and
   * {@code bodyRawChunkedSha256} (SHA-256 over the SHA-256 of each 4 KiB body page), folded into
   * {@code contentSha256}.
   */
  public record ImageInfo(String file, String codec, int level, boolean singleFrame, long rawLength,
      long compressedLength, long headRawLength, long headCompressedLength, long headSlotLength, long frames,
      long bodyFrameRawLength, String headRawSha256, String bodyRawChunkedSha256, String contentSha256,
      String headSlotSha256, String bodySha256) {

    public static ImageInfo of(String file, dev.gcpt.core.image.ImageInfo i) {
      return new ImageInfo(file, i.codec().cliName(), i.level(), i.singleFrame(), i.rawLength(), i.compressedLength(),
          i.headRawLength(), i.headCompressedLength(), i.headSlotLength(), i.frameCount(), i.bodyFrameRawSize(),
          i.headRawSha256(), i.bodyRawChunkedSha256(), i.contentSha256(), i.headSlotSha256(), i.bodySha256());
    }

    /** The image module's view of this image (for head swaps and verification). */
    public dev.gcpt.core.image.ImageInfo toImageInfo() {
      return new dev.gcpt.core.image.ImageInfo(dev.gcpt.core.codec.Codec.fromCliName(codec), level, singleFrame,
          rawLength, compressedLength, headRawLength, headCompressedLength, headSlotLength, frames, bodyFrameRawLength,
          headRawSha256, bodyRawChunkedSha256, headSlotSha256, bodySha256);
    }
  }

  /**
   * The checkpoint's place in its set. {@code point} is the point directory: a SimPoint interval,
   * or for a uniform checkpoint the scheduled instruction count; {@code insts} the workload's total
   * instruction count (metadata); {@code uniform} is present for uniform checkpoints only.
   */
  public record SimPoint(String workload, String point, String weight, String insts, Uniform uniform) {
    @com.fasterxml.jackson.annotation.JsonCreator
    public SimPoint {}

    /** A SimPoint checkpoint, or one whose uniform counts are unknown. */
    public SimPoint(String workload, String point, String weight, String insts) {
      this(workload, point, weight, insts, null);
    }
  }

  /**
   * A uniform-mode checkpoint's two instruction counts: {@code scheduledInsts} from its directory
   * (the point), {@code actualInsts} from its file name, the count NEMU actually took it at
   * ({@code 2000000/_2000132_memory_.zstd}); XiangShan's QEMU fork writes the same count in both.
   */
  public record Uniform(String scheduledInsts, String actualInsts) {}

  /**
   * How the bundle was made: {@code recipe} hashes everything the bytes depend on (source
   * fingerprint, options, generator version); {@code imageRecipe} the part the body frames depend
   * on. A rerun with the same recipe skips the bundle; one that changes only the restorer
   * regenerates the head frame.
   */
  public record Build(String gcpt, String recipe, String imageRecipe) {}
}
