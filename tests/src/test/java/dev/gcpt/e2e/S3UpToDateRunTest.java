package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.cli.Gcpt;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.S3Setup;
import dev.gcpt.pipeline.io.Storage;
import dev.gcpt.s3server.EmbeddedS3;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/**
 * A rerun on S3 with nothing to do is decided from two listings and the manifests (no image read,
 * the set files left as they are), on a real S3 server; a changed option or input still goes
 * through the job. Its 1 MiB images are all head: regenerating them on S3 takes the copy path,
 * whose skip over the old head slot lands on the object's end (Beam's S3 channel refused that
 * position: every such bundle failed with "new position too high" before {@code Storage.open} kept
 * skips off the end).
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3UpToDateRunTest {
  static final String BUCKET = "uptodate";
  static final String SET = "s3://" + BUCKET + "/set";
  static final String OUT = "s3://" + BUCKET + "/out";
  static final String UP_TO_DATE = "everything up to date, decided from the listing and the manifests (no image read)";

  EmbeddedS3 s3;

  @BeforeAll
  void start() throws IOException {
    s3 = EmbeddedS3.startTransient();
    s3.createBucket(BUCKET);
    for (String[] pw : new String[][] {{"3", "0.2"}, {"9", "0.3"}, {"31", "0.5"}}) {
      int p = Integer.parseInt(pw[0]);
      put(SET + "/gcc/" + p + "/_" + p + "_" + pw[1] + "_memory_.zstd", checkpoint(p));
    }
    put(SET + "/json/checkpoints_all.json", ("{\"gcc\": {\"insts\": \"1000\", \"points\": {\"3\": \"0.2\", \"9\": \"0.3\","
        + " \"31\": \"0.5\"}}}").getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  void stop() throws IOException {
    s3.close();
  }

  @Test
  void aRerunOnS3WithNothingToDoReadsNoImageAndAnyChangeRunsTheJob() throws IOException {
    String first = run();
    assertTrue(first.contains("(built 3)"), first);
    byte[] setJson = read(OUT + "/set.json");
    byte[] runJson = read(OUT + "/run.json");

    String again = run();
    assertTrue(again.contains(UP_TO_DATE), again);
    assertTrue(again.contains("inputs 3 = bundles 3 + failures 0   (up to date 3)"), again);
    assertArrayEquals(setJson, read(OUT + "/set.json"));
    assertArrayEquals(runJson, read(OUT + "/run.json"), "the set files are left as the last run wrote them");

    // other options: the job decides (a new restorer for every bundle), then the new state is up to date
    String nemu = run("--platform", "nemu");
    assertFalse(nemu.contains(UP_TO_DATE), nemu);
    assertTrue(nemu.contains("(regenerated 3)"), nemu);
    assertTrue(run("--platform", "nemu").contains(UP_TO_DATE));

    // a checkpoint replaced (its ETag and time change): the job rebuilds it
    put(SET + "/gcc/9/_9_0.3_memory_.zstd", checkpoint(99));
    String rebuilt = run("--platform", "nemu");
    assertTrue(rebuilt.contains("(built 1, up to date 2)"), rebuilt);
    assertTrue(run("--platform", "nemu").contains(UP_TO_DATE));
  }

  private static byte[] checkpoint(long seed) throws IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    SyntheticCheckpoint.builder().seed(seed).imageLength(1 << 20).build().write(b, Codec.ZSTD);
    return b.toByteArray();
  }

  private void put(String uri, byte[] bytes) throws IOException {
    // the command line registered s3:// with the keys of its own chain: this test's again
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
    try (PendingFile f = Storage.createAtomic(uri, Storage.BINARY)) {
      f.stream().write(bytes);
      f.commit();
    }
  }

  private byte[] read(String uri) throws IOException {
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
    try (InputStream in = Storage.open(uri)) {
      return in.readAllBytes();
    }
  }

  /** {@code gcpt run} in this JVM with the server's keys as system properties; its standard output. */
  private String run(String... extra) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    System.setProperty("aws.accessKeyId", s3.accessKey());
    System.setProperty("aws.secretAccessKey", s3.secretKey());
    try {
      CommandLine cl = Gcpt.newCommandLine();
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("run", "--input", SET, "--output", OUT,
          "--s3-endpoint", s3.endpoint().toString()));
      all.addAll(java.util.List.of(extra));
      int code = cl.execute(all.toArray(String[]::new));
      assertEquals(0, code, out + "\n" + err);
      return out.toString();
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }
}
