package dev.gcpt.cli;

import dev.gcpt.pipeline.GcptOptions;
import picocli.CommandLine.Option;

/** Bundle settings of {@code gcpt run} (and {@code demo}), mapped onto the pipeline's options. */
public final class RunSettings {
  @Option(names = "--platform", defaultValue = "xiangshan",
      description = "Platform profile: xiangshan, nemu, gem5, qemu-virt (default ${DEFAULT-VALUE}).")
  String platform = "xiangshan";

  @Option(names = "--restorer", defaultValue = "builtin",
      description = "builtin, or the path/URI of a gcpt.bin to pair with every checkpoint.")
  String restorer = "builtin";

  @Option(names = "--codec", defaultValue = "zstd", description = "Output codec: zstd or gz (default ${DEFAULT-VALUE}).")
  String codec = "zstd";

  @Option(names = "--level", defaultValue = "0", description = "Compression level; 0 = the codec's default (zstd 1, gzip 6).")
  int level;

  @Option(names = "--frame-mib", defaultValue = "8", description = "Raw MiB per body frame (default ${DEFAULT-VALUE}).")
  int frameMib = 8;

  @Option(names = "--single-frame", description = "One zstd frame per image (XiangShan's QEMU fork reads only that).")
  boolean singleFrame;

  @Option(names = "--vlen", defaultValue = "128", description = "VLEN in bits (default ${DEFAULT-VALUE}).")
  int vlen = 128;

  @Option(names = "--max-image-gib", defaultValue = "64", description = "Decompression ceiling per image (default ${DEFAULT-VALUE} GiB).")
  long maxImageGib = 64;

  void applyTo(GcptOptions o) {
    o.setPlatform(platform);
    o.setRestorer(restorer);
    o.setCodec(codec);
    o.setLevel(level);
    o.setFrameMib(frameMib);
    o.setSingleFrame(singleFrame);
    o.setVlen(vlen);
    o.setMaxImageGib(maxImageGib);
  }
}
