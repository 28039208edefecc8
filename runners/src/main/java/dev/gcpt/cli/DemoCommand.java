package dev.gcpt.cli;

import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.pipeline.io.S3Setup;
import dev.gcpt.core.sample.SampleWriter;
import dev.gcpt.s3server.EmbeddedS3;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gcpt demo}: the embedded default. Starts a real S3 server (s3proxy) in this process,
 * uploads a generated sample set with metadata (mixed variants, codecs and naming conventions,
 * plus two broken checkpoints), runs the pipeline on the DirectRunner from S3 to S3 and prints
 * the summary. The server stores objects as plain files under {@code DIR/s3/}.
 */
@Command(name = "demo", description = "Run the main job on an embedded S3 server with a generated sample set.")
public final class DemoCommand implements Callable<Integer> {
  static final String BUCKET = "gcpt-demo";

  @Spec CommandSpec spec;

  @Option(names = "--dir", defaultValue = "demo-out", description = "Where the embedded S3 server keeps its files (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--workloads", defaultValue = "8", description = "Workloads in the sample set (default ${DEFAULT-VALUE}).")
  int workloads;

  @Option(names = "--points", defaultValue = "4", description = "Points per workload (default ${DEFAULT-VALUE}).")
  int points;

  @Option(names = "--image-mib", defaultValue = "4", description = "Raw size of each sample image in MiB (default ${DEFAULT-VALUE}).")
  int imageMib;

  @Mixin BundleOptions bundle;
  @Mixin BundleOptions.Image image;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (EmbeddedS3 s3 = EmbeddedS3.startFilesystem(dir.resolve("s3"))) {
      s3.createBucket(BUCKET);
      S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
      String input = "s3://" + BUCKET + "/set";
      String output = "s3://" + BUCKET + "/out";
      List<SampleSet.Entry> entries = SampleSet.entries(workloads, points, (long) imageMib << 20, 1);
      for (SampleSet.Entry e : entries) {
        try (PendingFile f = Storage.createAtomic(input + "/" + e.path(), Storage.BINARY)) {
          SampleWriter.write(e, f.stream());
          f.commit();
        }
      }
      put(input + "/json/checkpoints_all.json", SampleSet.metadataJson(entries));
      out.printf("embedded S3 at %s (objects under %s); uploaded %d checkpoints and json/checkpoints_all.json to %s%n",
          s3.endpoint(), dir.resolve("s3").toAbsolutePath(), entries.size(), input);
      out.flush();
      CommandLine cl = new CommandLine(new RunCommand());
      cl.setOut(spec.commandLine().getOut());
      cl.setErr(spec.commandLine().getErr());
      RunCommand run = cl.getCommand();
      cl.parseArgs("--input", input, "--output", output, "--runner", Runners.DIRECT); // the demo shows the Beam job
      run.spec = cl.getCommandSpec();
      run.bundle = bundle;
      run.image = image;
      run.s3 = S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey());
      int code = run.call();
      out.printf("the bundles are plain files under %s%n", dir.resolve("s3").resolve(BUCKET).resolve("out").toAbsolutePath());
      return code;
    }
  }

  private static void put(String uri, String content) throws IOException {
    try (PendingFile f = Storage.createAtomic(uri, "application/json")) {
      f.stream().write(content.getBytes(StandardCharsets.UTF_8));
      f.commit();
    }
  }

}
