package dev.gcpt.cli;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.set.CheckpointName;
import dev.gcpt.core.set.SafePaths;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gcpt normalize IN -o DIR}: one checkpoint to one bundle, the pipeline's code path. */
@Command(name = "normalize", description = "Turn one checkpoint into a ready-to-run bundle.")
public final class NormalizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN", description = "Checkpoint file (local path or s3:// URI).")
  String input;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output directory.")
  Path output;

  @Option(names = "--flash", paramLabel = "FLASH", description = "The flash file of a flash checkpoint"
      + " (_flash_ beside IN, NEMU --store-cpt-in-flash): the bundle gets a flash image too.")
  String flash;

  @Mixin BundleOptions bundle;
  @Mixin BundleOptions.Image image;
  @Mixin StorageOptions storage;

  @Option(names = "--memory-report", hidden = true,
      description = "Print peak heap and peak RSS at the end (used by gcpt bench).")
  boolean memoryReport;

  @Override
  public Integer call() throws Exception {
    try (BundleBuilder builder = new BundleBuilder(bundle.toOptions(storage, image.toOptions()))) {
      return normalize(builder);
    }
  }

  private int normalize(BundleBuilder builder) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Optional<CheckpointName> name = CheckpointName.parse(input.replace('\\', '/'));
    String fileName = input.substring(input.lastIndexOf('/') + 1);
    String workload = name.map(CheckpointName::workload).orElse(stem(fileName));
    String point = name.map(CheckpointName::point).orElse("0");
    String imageName = name.map(n -> n.outputFileName(image.toOptions().codec()))
        .orElse(stem(fileName) + image.toOptions().codec().suffix());
    String dir = SafePaths.relativeOutputPath(workload + "/" + point);
    BundleBuilder.Target target = new BundleBuilder.Target(dir, imageName,
        new BundleManifest.SimPoint(workload, point, name.flatMap(CheckpointName::weight).orElse(null), null,
            name.flatMap(CheckpointName::actualInstructions)
                .map(actual -> new BundleManifest.Uniform(point, actual)).orElse(null)));
    BundleBuilder.Result r;
    try {
      BundleBuilder.FlashInput f = flash == null ? null
          : new BundleBuilder.FlashInput(flash, storage.fingerprint(flash), () -> storage.open(flash));
      r = builder.build(new BundleBuilder.Source(input, storage.fingerprint(input)), () -> storage.open(input), f,
          target, new LocalOutputFiles(output));
    } catch (CheckpointException e) {
      spec.commandLine().getErr().println("gcpt normalize: " + e.getMessage() + " [" + e.reason().code() + "]");
      return 1;
    }
    BundleManifest m = r.manifest();
    out.printf("%s %s/%s: %s, %d hart(s), restorer %s (%d bytes, %s), image %s -> %s in %d frames%n",
        r.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), output, r.dir(), m.variant(),
        m.harts(), m.restorer().sha256().substring(0, 12), m.restorer().size(), m.restorer().origin(),
        Sizes.human(m.image().rawLength()), Sizes.human(m.image().compressedLength()), m.image().frames());
    if (m.flash() != null) {
      out.printf("flash image %s/%s: restorer %s (%d bytes, executes in place at %s), %s -> %s%n", r.dir(),
          m.flash().image().file(), m.flash().restorer().sha256().substring(0, 12), m.flash().restorer().size(),
          m.flash().base(), Sizes.human(m.flash().image().rawLength()), Sizes.human(m.flash().image().compressedLength()));
    }
    if (memoryReport) {
      out.printf("memory peakHeapBytes=%d peakRssBytes=%d%n", MemoryReport.peakHeapBytes(), MemoryReport.peakRssBytes());
    }
    return 0;
  }

  static String stem(String fileName) {
    int dot = fileName.indexOf('.');
    return dot > 0 ? fileName.substring(0, dot) : fileName;
  }
}
