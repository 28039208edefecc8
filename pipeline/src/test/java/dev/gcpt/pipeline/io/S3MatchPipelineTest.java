package dev.gcpt.pipeline.io;

import java.io.IOException;
import dev.gcpt.s3server.EmbeddedS3;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A Beam pipeline on the DirectRunner matching {@code s3://bucket/set/**} on a real S3 server. */
@ExtendWith(TestPipelineExtension.class)
class S3MatchPipelineTest {
  static final String BUCKET = "sets";
  static EmbeddedS3 server;

  @BeforeAll
  static void start() throws IOException {
    server = EmbeddedS3.startTransient();
    server.createBucket(BUCKET);
    S3Setup.server(server.endpoint(), server.accessKey(), server.secretKey()).configureFileSystems();
    put("set/gcc_166/31/_31_0.070885_memory_.zstd", 1000);
    put("set/gcc_166/9/_9_0.500000_memory_.zstd", 2048);
    put("set/json/checkpoints_all.json", 17);
    put("setup.txt", 3);           // shares the prefix "set" but not "set/"
    put("other/x.zstd", 5);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
  }

  static void put(String key, int size) throws IOException {
    try (OutputStream out = Storage.create("s3://" + BUCKET + "/" + key, Storage.BINARY)) {
      out.write(new byte[size]);
    }
  }

  @Test
  void matchesTheSetAndReadsSizes(TestPipeline pipeline) {
    S3Setup.server(server.endpoint(), server.accessKey(), server.secretKey()).applyTo(pipeline.getOptions());
    PCollection<KV<String, Long>> sizes = pipeline
        .apply("Match", FileIO.match().filepattern("s3://" + BUCKET + "/set/**"))
        .apply("Sizes", MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
            .via((MatchResult.Metadata m) -> KV.of(m.resourceId().toString(), m.sizeBytes())));
    PAssert.that(sizes).containsInAnyOrder(List.of(
        KV.of("s3://sets/set/gcc_166/31/_31_0.070885_memory_.zstd", 1000L),
        KV.of("s3://sets/set/gcc_166/9/_9_0.500000_memory_.zstd", 2048L),
        KV.of("s3://sets/set/json/checkpoints_all.json", 17L)));
    pipeline.run().waitUntilFinish();
  }
}
