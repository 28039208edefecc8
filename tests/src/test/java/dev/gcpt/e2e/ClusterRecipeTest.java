package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.sample.SampleSet;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "On Flink" recipe, run literally as a user types it: {@code bin/s3-server start}
 * over a directory holding a set, {@code eval "$(bin/s3-server env)"}, {@code bin/flink-cluster
 * start 2} (a JobManager and two TaskManager processes, which inherit the S3 credentials), the
 * fat jar, {@code bin/gcpt run --runner flink --flink-master …}, {@code bin/gcpt verify}, and both
 * stopped. While the job runs, the cluster's REST API ({@code /jobs/overview}) must list it; the
 * web UI must serve its page and the processes must write real log files.
 *
 * <p>A second test starts the cluster without credentials: the run fails with one line naming the
 * cause, not a Flink stack trace; with {@code --s3-credentials-to-workers} the same run succeeds,
 * and the web UI's job configuration does not show the secret key.
 *
 * <p>Every server listens on 127.0.0.1 on free ports and is stopped in {@code finally}. The fat jar
 * ({@code runners/target/gcpt-all.jar}, built by {@code -Pfatjar}) is reused when it is newer than
 * the module jars it holds (after {@code mvn -Pfatjar package}), else built once here. Needs
 * {@code bash} and {@code curl} (the scripts use them).
 */
@Tag("e2e")
class ClusterRecipeTest {
  static final Duration RUN_DEADLINE = Duration.ofMinutes(4);
  static final Duration SCRIPT_DEADLINE = Duration.ofMinutes(3);
  static final Duration BUILD_DEADLINE = Duration.ofMinutes(10);
  static final Duration POLL = Duration.ofMillis(200);
  static final long IMAGE_BYTES = 4L << 20;
  static final String FAT_JAR = "runners/target/gcpt-all.jar";

  static Path root;

  @TempDir Path tmp;

  @BeforeAll
  static void prerequisites() throws Exception {
    for (String tool : List.of("bash", "curl")) {
      Assumptions.assumeTrue(EmuLoader.onPath(tool), tool + " is not installed (Debian package " + tool + "): skipping");
    }
    root = repoRoot();
    fatJar();
  }

  @Test
  void theReadmeRecipeRunsOnAnS3ServerProcessAndATwoTaskManagerCluster() throws Exception {
    Path data = tmp.resolve("s3data");
    List<SampleSet.Entry> entries = Outputs.writeSet(data.resolve("ckpts/set").toString(), 2, 3, IMAGE_BYTES, 17);
    Map<String, String> env = scriptEnv();
    try {
      Result s3 = sh(env, "bin/s3-server start " + q(data) + " ckpts bundles");
      assertEquals(0, s3.rc, s3.out);
      assertTrue(s3.out.startsWith("S3 server up: http://127.0.0.1:"), s3.out);
      assertTrue(s3.out.contains("access key GCPT"), s3.out);
      Map<String, String> aws = exports(sh(env, "bin/s3-server env"));
      String endpoint = aws.get("GCPT_S3_ENDPOINT");
      assertTrue(endpoint.matches("http://127\\.0\\.0\\.1:\\d+"), endpoint);
      env.putAll(aws); // eval "$(bin/s3-server env)"

      Result flink = sh(env, "bin/flink-cluster start 2");
      assertEquals(0, flink.rc, flink.out);
      String rest = "http://127.0.0.1:" + env.get("GCPT_FLINK_REST_PORT");
      assertTrue(flink.out.contains("Flink up: " + rest + " (2 TaskManagers"), flink.out);
      assertTrue(flink.out.contains("TaskManagers have S3 credentials from the environment"), flink.out);
      HttpResponse<String> ui = get(rest + "/");
      assertEquals(200, ui.statusCode(), "web UI: " + ui.body());
      assertTrue(ui.body().contains("<html") || ui.body().contains("<!doctype html"), ui.body());
      assertEquals(2, Json.mapper().readTree(get(rest + "/overview").body()).get("taskmanagers").asInt());
      assertListensOnLoopbackOnly(Path.of(env.get("GCPT_S3_SERVER_DIR")), Path.of(env.get("GCPT_FLINK_DIR")));

      // bin/gcpt run as the README has it, in the background while the REST API is watched
      Path runOut = tmp.resolve("run.out");
      Process run = start(env, "bin/gcpt run --runner flink --flink-master 127.0.0.1:" + env.get("GCPT_FLINK_REST_PORT")
          + " --parallelism 4 --files-to-stage " + FAT_JAR + " --input s3://ckpts/set --output s3://bundles/set"
          + " --s3-endpoint " + endpoint, runOut);
      JsonNode seen = null;
      long end = System.nanoTime() + RUN_DEADLINE.toNanos();
      while (run.isAlive() && System.nanoTime() - end < 0) {
        JsonNode jobs = Json.mapper().readTree(get(rest + "/jobs/overview").body()).get("jobs");
        if (seen == null && jobs.size() > 0 && !jobs.get(0).get("state").asText().equals("FINISHED")) {
          seen = jobs.get(0);
        }
        run.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (run.isAlive()) {
        run.destroyForcibly();
        fail("gcpt run still running after " + RUN_DEADLINE.toSeconds() + " s: " + Files.readString(runOut));
      }
      String out = Files.readString(runOut);
      assertEquals(0, run.exitValue(), out);
      assertNotNull(seen, "the job never showed in " + rest + "/jobs/overview while it ran: " + out);
      String jid = seen.get("jid").asText();
      assertTrue(List.of("CREATED", "INITIALIZING", "RUNNING").contains(seen.get("state").asText()), seen.toString());
      JsonNode after = Json.mapper().readTree(get(rest + "/jobs/" + jid).body());
      assertEquals("FINISHED", after.get("state").asText(), after.toString());
      int bundles = entries.size() - 2; // SampleSet's last two are broken on purpose
      assertTrue(out.contains("inputs " + entries.size() + " = bundles " + bundles + " + failures 2"), out);
      assertTrue(out.contains("on Flink 127.0.0.1:" + env.get("GCPT_FLINK_REST_PORT")), out);
      // the objects are plain files in the served directory
      try (Stream<Path> s = Files.walk(data.resolve("bundles/set"))) {
        assertEquals(bundles, s.filter(p -> p.getFileName().toString().equals("bundle.json")).count());
      }

      Result verify = sh(env, "bin/gcpt verify s3://bundles/set --s3-endpoint " + endpoint);
      assertEquals(0, verify.rc, verify.out);

      // working logs: the TaskManagers ran the job's tasks and said so
      Path flinkDir = Path.of(env.get("GCPT_FLINK_DIR"));
      String jm = Files.readString(flinkDir.resolve("jobmanager.log"));
      assertTrue(jm.contains("Job " + jid) || jm.contains(jid), "the JobManager log does not name the job");
      boolean taskLogged = false;
      for (String tm : List.of("taskmanager-1.log", "taskmanager-2.log")) {
        String log = Files.readString(flinkDir.resolve(tm));
        assertFalse(log.contains("NOP"), tm + " has the NOP logger");
        assertTrue(log.contains("TaskExecutor"), tm + " has no TaskExecutor lines");
        taskLogged |= log.contains("switched from RUNNING to FINISHED") || log.contains("Received task");
      }
      assertTrue(taskLogged, "no TaskManager log names a task of the job");
    } finally {
      stopAll(env);
    }
  }

  @Test
  void taskManagersWithoutCredentialsFailTheRunInOneLineAndTheJobCanBringThem() throws Exception {
    Path data = tmp.resolve("s3data");
    List<SampleSet.Entry> entries = Outputs.writeSet(data.resolve("ckpts/set").toString(), 1, 3, IMAGE_BYTES, 19);
    Map<String, String> env = scriptEnv();
    try {
      assertEquals(0, sh(env, "bin/s3-server start " + q(data) + " ckpts bundles").rc);
      Map<String, String> aws = exports(sh(env, "bin/s3-server env"));
      Result flink = sh(env, "bin/flink-cluster start 2"); // no AWS_* in its environment
      assertEquals(0, flink.rc, flink.out);
      assertTrue(flink.out.contains("no AWS_ACCESS_KEY_ID in this environment"), flink.out);
      env.putAll(aws); // the client has them; the TaskManagers do not
      Path runOut = tmp.resolve("run.out");
      Path runErr = tmp.resolve("run.err");
      Process run = start(env, "bin/gcpt run --runner flink --flink-master 127.0.0.1:" + env.get("GCPT_FLINK_REST_PORT")
          + " --parallelism 2 --files-to-stage " + FAT_JAR + " --input s3://ckpts/set --output s3://bundles/set"
          + " --s3-endpoint " + aws.get("GCPT_S3_ENDPOINT") + " 2> " + q(runErr), runOut);
      if (!run.waitFor(RUN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
        run.destroyForcibly();
        fail("gcpt run still running after " + RUN_DEADLINE.toSeconds() + " s");
      }
      String err = Files.readString(runErr).strip();
      assertEquals(1, run.exitValue(), err + "\n" + Files.readString(runOut));
      List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
      assertEquals(1, lines.size(), "expected one line on stderr, got: " + err);
      assertTrue(lines.get(0).startsWith("gcpt: no S3 credentials: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
          lines.get(0));
      assertTrue(lines.get(0).contains("--s3-credentials-to-workers"), lines.get(0));
      assertFalse(lines.get(0).contains("AwsCredentialsProviderChain"), lines.get(0));

      // the other supported way: the submitting shell's keys sent with the job's options
      String rest = "http://127.0.0.1:" + env.get("GCPT_FLINK_REST_PORT");
      Result sent = sh(env, "bin/gcpt run --runner flink --flink-master 127.0.0.1:" + env.get("GCPT_FLINK_REST_PORT")
          + " --parallelism 2 --files-to-stage " + FAT_JAR + " --input s3://ckpts/set --output s3://bundles/set"
          + " --s3-endpoint " + aws.get("GCPT_S3_ENDPOINT") + " --s3-credentials-to-workers");
      assertEquals(0, sent.rc, sent.out);
      assertTrue(sent.out.contains("inputs " + entries.size() + " = bundles " + (entries.size() - 2) + " + failures 2"),
          sent.out);
      String secret = aws.get("AWS_SECRET_ACCESS_KEY");
      assertFalse(sent.out.contains(secret), "the secret key was printed: " + sent.out);
      JsonNode jobs = Json.mapper().readTree(get(rest + "/jobs/overview").body()).get("jobs");
      assertEquals(2, jobs.size(), jobs.toString());
      for (JsonNode job : jobs) {
        String config = get(rest + "/jobs/" + job.get("jid").asText() + "/config").body();
        assertTrue(config.contains("\"user-config\""), config);
        assertFalse(config.contains(secret), "the web UI shows the secret key in the job's configuration");
      }
    } finally {
      stopAll(env);
    }
  }

  /**
   * Every listening TCP socket of the processes in the pid files under {@code dirs} is bound to
   * 127.0.0.1 (Linux: the sockets' inodes from /proc/PID/fd, their addresses from /proc/net/tcp*).
   */
  static void assertListensOnLoopbackOnly(Path... dirs) throws IOException {
    Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "no /proc/net/tcp: not Linux");
    Map<String, String> inodes = new HashMap<>(); // socket inode -> process
    for (Path dir : dirs) {
      try (Stream<Path> pids = Files.list(dir)) {
        for (Path pidFile : pids.filter(p -> p.toString().endsWith(".pid")).toList()) {
          String pid = Files.readString(pidFile).strip();
          try (Stream<Path> fds = Files.list(Path.of("/proc", pid, "fd"))) {
            fds.forEach(fd -> {
              try {
                String target = Files.readSymbolicLink(fd).toString();
                if (target.startsWith("socket:[")) {
                  inodes.put(target.substring(8, target.length() - 1), pidFile.getFileName().toString());
                }
              } catch (IOException e) {
                // closed meanwhile
              }
            });
          }
        }
      }
    }
    int listening = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
        String[] f = line.trim().split("\\s+");
        if (!f[3].equals("0A") || !inodes.containsKey(f[9])) { // 0A: LISTEN
          continue;
        }
        listening++;
        String addr = f[1].substring(0, f[1].indexOf(':'));
        assertTrue(addr.equals("0100007F") || addr.equals("0000000000000000FFFF00000100007F"),
            inodes.get(f[9]) + " listens on " + f[1] + " (" + table + "), not on 127.0.0.1");
      }
    }
    assertTrue(listening >= 4, "found only " + listening + " listening sockets of " + inodes.values());
  }

  /** The environment of the scripts: this test's directories and free ports, no AWS_* of the caller. */
  Map<String, String> scriptEnv() throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("GCPT_S3_SERVER_DIR", tmp.resolve("s3-server").toString());
    env.put("GCPT_S3_PORT", "0");
    env.put("GCPT_FLINK_DIR", tmp.resolve("flink").toString());
    env.put("GCPT_FLINK_REST_PORT", Integer.toString(freePort()));
    env.put("GCPT_FLINK_RPC_PORT", Integer.toString(freePort()));
    return env;
  }

  static void stopAll(Map<String, String> env) throws Exception {
    Result f = sh(env, "bin/flink-cluster stop");
    Result s = sh(env, "bin/s3-server stop");
    assertEquals(0, f.rc, f.out);
    assertEquals(0, s.rc, s.out);
  }

  record Result(int rc, String out) {}

  /** Runs a command line from the repository root in bash; stdout and stderr together. */
  static Result sh(Map<String, String> env, String command) throws Exception {
    Path out = Files.createTempFile("gcpt-cluster-", ".out");
    try {
      Process p = start(env, command + " 2>&1", out);
      if (!p.waitFor(SCRIPT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        fail(command + ": still running after " + SCRIPT_DEADLINE.toSeconds() + " s: " + Files.readString(out));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  static Process start(Map<String, String> env, String command, Path out) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(root.toFile())
        .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
    Map<String, String> e = pb.environment();
    e.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("GCPT_"));
    e.put("GCPT_CDS", "0"); // no class-data archive written by a test
    e.putAll(env);
    return pb.start();
  }

  /** The {@code export NAME=value} lines of {@code bin/s3-server env}. */
  static Map<String, String> exports(Result r) {
    assertEquals(0, r.rc, r.out);
    Map<String, String> m = new HashMap<>();
    r.out.lines().filter(l -> l.startsWith("export ")).forEach(l -> {
      String kv = l.substring("export ".length());
      m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    });
    for (String k : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "GCPT_S3_ENDPOINT")) {
      assertTrue(m.containsKey(k), k + " missing from bin/s3-server env: " + r.out);
    }
    return m;
  }

  static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String q(Path p) {
    return "'" + p.toString().replace("'", "'\\''") + "'";
  }

  static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("bin/flink-cluster")) && Files.isRegularFile(p.resolve("bin/s3-server"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (with bin/flink-cluster) above " + Path.of("").toAbsolutePath());
  }

  /**
   * The fat jar, reused when newer than the module jars it is made of (a {@code mvn -Pfatjar
   * package} ran after the last change), else built once. The build runs on a copy of the sources
   * in a temporary directory: building in place would rewrite the module jars that this test's
   * own JVM has open (under {@code mvn verify} its class path is those jars). The result is moved
   * to {@code runners/target/gcpt-all.jar}, where the README's command line names it.
   */
  static void fatJar() throws Exception {
    Path jar = root.resolve(FAT_JAR);
    List<Path> parts = new ArrayList<>();
    for (String module : Modules.buildModules(root)) {
      try (Stream<Path> s = Files.list(root.resolve(module).resolve("target"))) {
        s.filter(p -> p.getFileName().toString().matches("gcpt-.*\\.jar") && !p.equals(jar)
            && !p.getFileName().toString().contains("tests")).forEach(parts::add);
      } catch (java.nio.file.NoSuchFileException e) {
        // not built yet: the build below makes it
      }
    }
    boolean fresh = Files.isRegularFile(jar) && !parts.isEmpty();
    for (Path p : parts) {
      fresh = fresh && Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(jar)) <= 0;
    }
    if (fresh) {
      return;
    }
    Path copy = Files.createTempDirectory("gcpt-fatjar-");
    try {
      Files.copy(root.resolve("pom.xml"), copy.resolve("pom.xml"));
      Files.createDirectories(copy.resolve("tests"));
      Files.copy(root.resolve("tests/pom.xml"), copy.resolve("tests/pom.xml")); // the reactor lists it
      List<String> dirs = new ArrayList<>(Modules.buildModules(root));
      dirs.add("configs");
      for (String dir : dirs) {
        copyTree(root.resolve(dir), copy.resolve(dir));
      }
      Path log = copy.resolve("build.log");
      Process p = new ProcessBuilder("mvn", "-B", "-q", "-Dstyle.color=never", "-Pfatjar", "-pl", "runners", "-am",
          "package", "-DskipTests").directory(copy.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
          .start();
      if (!p.waitFor(BUILD_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        fail("building " + FAT_JAR + " took over " + BUILD_DEADLINE.toMinutes() + " min: " + Files.readString(log));
      }
      assertEquals(0, p.exitValue(), "building " + FAT_JAR + ": " + Files.readString(log));
      Path built = copy.resolve(FAT_JAR);
      assertTrue(Files.isRegularFile(built), FAT_JAR + " missing after the build: " + Files.readString(log));
      Files.createDirectories(jar.getParent());
      Path tmpJar = jar.resolveSibling(jar.getFileName() + ".tmp");
      Files.copy(built, tmpJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmpJar, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      deleteTree(copy);
    }
  }

  /** Copies a source tree without its {@code target/} directories. */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.filter(p -> !from.relativize(p).toString().matches("(.*/)?target(/.*)?")).toList()) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest);
        }
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
