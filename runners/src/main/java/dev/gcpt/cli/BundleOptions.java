package dev.gcpt.cli;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.restorer.PlatformProfile;
import java.io.IOException;
import java.io.InputStream;
import picocli.CommandLine.Option;

/** Options shared by commands that write bundles ({@code normalize}, {@code regenerate}). */
public final class BundleOptions {
  @Option(names = "--platform", defaultValue = "xiangshan",
      description = "Platform profile: xiangshan, nemu, gem5, qemu-virt, or a .properties file (default ${DEFAULT-VALUE}).")
  String platform = "xiangshan";

  @Option(names = "--restorer", defaultValue = "builtin",
      description = "builtin (generate one per checkpoint) or a gcpt.bin to pair with every checkpoint.")
  String restorer = "builtin";

  @Option(names = "--vlen", defaultValue = "128", description = "VLEN in bits (default ${DEFAULT-VALUE}).")
  int vlen = 128;

  @Option(names = "--max-image-gib", defaultValue = "64",
      description = "Refuse images that decompress to more than this (default ${DEFAULT-VALUE} GiB).")
  long maxImageGib = 64;

  PlatformProfile platformProfile() throws IOException {
    return PlatformProfile.resolve(platform);
  }

  BundleBuilder.RestorerChoice restorerChoice(StorageOptions storage) throws IOException {
    if ("builtin".equals(restorer)) {
      return new BundleBuilder.Builtin();
    }
    try (InputStream in = storage.open(restorer)) {
      return BundleBuilder.External.load(restorer, dev.gcpt.core.restorer.RestorerFiles.read(in, restorer));
    }
  }

  /**
   * The settings of a whole-set run's workers ({@code gcpt run}, {@code gcpt demo}); set on Beam's
   * options with {@link dev.gcpt.pipeline.NormalizeCheckpoints.Config#applyTo}.
   */
  dev.gcpt.pipeline.NormalizeCheckpoints.Config runConfig(String input, String output, Image image)
      throws IOException {
    // resolved here, once: a profile from a file travels as its text to workers without the file
    String profile = PlatformProfile.BUILTIN.contains(platform) ? platform : platformProfile().toPropertiesText();
    // unless given, the run's default: a worker per core, one checkpoint each, compressing on its own thread
    int threads = image.threads >= 0 ? image.threads : 0;
    return new dev.gcpt.pipeline.NormalizeCheckpoints.Config(output, dev.gcpt.pipeline.RecordedPaths.of(input, output),
        profile, restorer, image.codec, image.level, image.frameMib, threads, image.singleFrame, vlen, maxImageGib,
        dev.gcpt.pipeline.NormalizeCheckpoints.Config.DEFAULT_IO_ATTEMPTS);
  }

  BundleBuilder.Options toOptions(StorageOptions storage, ImageOptions image) throws IOException {
    return new BundleBuilder.Options(platformProfile(), restorerChoice(storage), image, vlen, maxImageGib << 30);
  }

  /** Image options for new bundles. */
  public static final class Image {
    @Option(names = "--codec", defaultValue = "zstd", description = "Output codec: zstd or gz (default ${DEFAULT-VALUE}).")
    String codec = "zstd";

    @Option(names = "--level", defaultValue = "0", description = "Compression level; 0 = the codec's default (zstd 1, gzip 6).")
    int level;

    @Option(names = "--frame-mib", defaultValue = "8", description = "Raw size of a body frame in MiB (default ${DEFAULT-VALUE}).")
    int frameMib = 8;

    /** One checkpoint at a time (normalize, regenerate): decoding and compressing overlap. */
    static final int SINGLE_IMAGE_THREADS = 1;

    @Option(names = "--threads", defaultValue = "-1", description = "Compression threads per image; 0 compresses"
        + " on the reading thread. Default: 0 for run (a worker per core, one checkpoint each), 1 otherwise.")
    int threads = -1;

    @Option(names = "--single-frame", description = "One zstd frame for the whole image (XiangShan's QEMU fork needs it).")
    boolean singleFrame;

    ImageOptions toOptions() {
      return ImageOptions.of(Codec.fromCliName(codec), level, frameMib, threads >= 0 ? threads : SINGLE_IMAGE_THREADS,
          singleFrame);
    }
  }
}
