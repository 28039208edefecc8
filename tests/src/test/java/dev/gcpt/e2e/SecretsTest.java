package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import dev.gcpt.pipeline.io.S3Setup;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.cli.Gcpt;
import dev.gcpt.pipeline.GcptOptions;
import dev.gcpt.pipeline.GcptPipeline;
import dev.gcpt.pipeline.WriteSetFiles;
import dev.gcpt.s3server.EmbeddedS3;
import dev.gcpt.pipeline.io.Storage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * S3 credentials come only from the standard providers (the AWS SDK chain: system properties,
 * environment) or the pipeline's options, and are never printed or recorded: runs with a known
 * secret, and the secret must appear in no output line, log line, manifest, set.json,
 * failures.jsonl or run.json.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsTest {
  static final String BUCKET = "secrets";
  static final String SET = "s3://" + BUCKET + "/set";
  static final long DEADLINE_SECONDS = 180;

  EmbeddedS3 s3;
  Path tmp;

  @BeforeAll
  void start(@TempDir Path dir) throws IOException {
    tmp = dir;
    s3 = EmbeddedS3.startTransient();
    s3.createBucket(BUCKET);
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
    // one workload of two points plus the sample set's two broken inputs: failures.jsonl is not empty
    Outputs.writeSet(SET, 1, 2, 2L << 20, 17);
  }

  @AfterAll
  void stop() throws IOException {
    s3.close();
  }

  /** Everything the run wrote under {@code out}, as text. */
  String outputs(String out) throws IOException {
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).configureFileSystems();
    StringBuilder all = new StringBuilder();
    List<Storage.StoredFile> files = Storage.list(out);
    assertTrue(files.stream().anyMatch(f -> f.uri().endsWith("/" + WriteSetFiles.FAILURES_JSONL)), files.toString());
    assertTrue(files.stream().anyMatch(f -> f.uri().endsWith("/bundle.json")), files.toString());
    for (Storage.StoredFile f : files) {
      try (InputStream in = Storage.open(f.uri())) {
        all.append(f.uri()).append('\n').append(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
      }
    }
    return all.toString();
  }

  void assertNoSecret(String where, String text) {
    assertFalse(text.contains(s3.secretKey()), "the secret key appears in " + where);
  }

  @Test
  void cliRunWithCredentialsFromSystemProperties() throws IOException {
    String out = "s3://" + BUCKET + "/out-cli";
    StringWriter cliOut = new StringWriter();
    StringWriter cliErr = new StringWriter();
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    // the AWS SDK's default chain reads these first; slf4j-simple logs to the current System.err
    System.setProperty("aws.accessKeyId", s3.accessKey());
    System.setProperty("aws.secretAccessKey", s3.secretKey());
    int code;
    try (PrintStream capture = new PrintStream(logs, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      System.setErr(capture);
      CommandLine cl = Gcpt.newCommandLine();
      cl.setOut(new PrintWriter(cliOut, true));
      cl.setErr(new PrintWriter(cliErr, true));
      code = cl.execute("run", "--input", SET, "--output", out, "--s3-endpoint", s3.endpoint().toString(),
          "--parallelism", "2");
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
    assertEquals(0, code, cliOut + "\n" + cliErr);
    assertTrue(cliOut.toString().contains("inputs 4 = bundles 2 + failures 2"), cliOut.toString());
    assertNoSecret("the CLI's output", cliOut.toString());
    assertNoSecret("the CLI's errors", cliErr.toString());
    assertNoSecret("the log", logs.toString(StandardCharsets.UTF_8));
    String written = outputs(out);
    assertNoSecret("the outputs", written);
    assertFalse(written.contains(s3.accessKey()), "the access key appears in the outputs");
  }

  @Test
  void forkedCliRunWithCredentialsFromTheEnvironmentLoggingAtDebug() throws Exception {
    String out = "s3://" + BUCKET + "/out-fork";
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");
    cmd.add("-Dorg.slf4j.simpleLogger.logFile=System.err"); // every log line where this test reads it
    // request and response bodies are image bytes; headers (Authorization included) stay at debug
    cmd.add("-Dorg.slf4j.simpleLogger.log.org.apache.http.wire=info");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Gcpt.class.getName());
    cmd.addAll(List.of("run", "--input", SET, "--output", out, "--s3-endpoint", s3.endpoint().toString(),
        "--parallelism", "2"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Path log = tmp.resolve("fork.log");
    pb.redirectOutput(log.toFile());
    pb.environment().put("AWS_ACCESS_KEY_ID", s3.accessKey());
    pb.environment().put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
    Process p = pb.start();
    try {
      assertTrue(p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS), "the forked run did not end");
    } finally {
      p.destroyForcibly();
    }
    String text = Files.readString(log, StandardCharsets.ISO_8859_1);
    assertEquals(0, p.exitValue(), text.length() > 4000 ? text.substring(text.length() - 4000) : text);
    assertTrue(text.contains("DEBUG"), "debug logging was on");
    assertNoSecret("the forked run's output and debug log", text);
    assertNoSecret("the outputs", outputs(out));
  }

  @Test
  void pipelineWithExplicitCredentialsInItsOptions() throws IOException {
    String out = "s3://" + BUCKET + "/out-options";
    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setRunner(DirectRunner.class);
    o.setInput(SET);
    o.setOutput(out);
    S3Setup.server(s3.endpoint(), s3.accessKey(), s3.secretKey()).applyTo(o);
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    PipelineResult.State state;
    try (PrintStream capture = new PrintStream(logs, true, StandardCharsets.UTF_8)) {
      System.setErr(capture);
      state = GcptPipeline.run(o).waitUntilFinish(org.joda.time.Duration.standardSeconds(DEADLINE_SECONDS));
    } finally {
      System.setErr(oldErr);
    }
    assertEquals(PipelineResult.State.DONE, state);
    assertNoSecret("the options' description", o.toString());
    assertNoSecret("the log", logs.toString(StandardCharsets.UTF_8));
    assertNoSecret("the outputs", outputs(out));
  }
}
