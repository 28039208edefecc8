package dev.gcpt.s3server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * The process behind {@code bin/s3-server}: a real S3 server (s3proxy 4.1.0, the same one {@code
 * gcpt demo} embeds, through {@link EmbeddedS3}) serving a directory on 127.0.0.1 until the
 * process is stopped. Each subdirectory of the directory is a bucket; objects are plain files
 * {@code DIR/<bucket>/<key>}.
 *
 * <p>Usage: {@code S3ServerMain DIR PORT ENDPOINT_FILE}, with the credentials in the environment
 * variables {@value #ACCESS_KEY_ENV} and {@value #SECRET_KEY_ENV} (not arguments: the process
 * list shows those). PORT 0 picks a free port. Once the server answers, its endpoint ({@code
 * http://127.0.0.1:PORT}) is written to ENDPOINT_FILE (atomically), which is how the script knows
 * it is up. A failure to start is one line on stderr and exit status 1.
 *
 * <p>s3proxy's own {@code org.gaul.s3proxy.Main} is not used: on gcpt's class path it dies with a
 * {@code StackOverflowError}, and it wants a properties file holding the secret.
 */
public final class S3ServerMain {
  public static final String ACCESS_KEY_ENV = "GCPT_S3_ACCESS_KEY";
  public static final String SECRET_KEY_ENV = "GCPT_S3_SECRET_KEY";

  private S3ServerMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 3) {
      System.err.println("usage: S3ServerMain DIR PORT ENDPOINT_FILE (credentials in " + ACCESS_KEY_ENV + " and "
          + SECRET_KEY_ENV + ")");
      System.exit(2);
    }
    EmbeddedS3 server;
    try {
      int port;
      try {
        port = Integer.parseInt(args[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a TCP port: '" + args[1] + "'");
      }
      server = EmbeddedS3.startFilesystem(Path.of(args[0]), port, System.getenv(ACCESS_KEY_ENV),
          System.getenv(SECRET_KEY_ENV));
    } catch (IOException | RuntimeException e) {
      System.err.println("s3-server: cannot serve " + args[0] + " on 127.0.0.1:" + args[1] + ": " + rootMessage(e));
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (IOException e) {
        System.err.println("s3-server: stopping: " + e.getMessage());
      }
      stopped.countDown();
    }, "s3-server-stop"));
    try {
      Path file = Path.of(args[2]).toAbsolutePath();
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, server.endpoint() + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      System.err.println("s3-server: cannot write the endpoint file " + args[2] + ": " + e.getMessage());
      System.exit(1);
    }
    System.out.println("s3-server: serving " + Path.of(args[0]).toAbsolutePath() + " at " + server.endpoint()
        + " (access key " + server.accessKey() + ")");
    System.out.flush();
    stopped.await(); // until the JVM is told to stop (SIGTERM from bin/s3-server stop)
  }

  /** The innermost message, e.g. "Address already in use" rather than Jetty's wrapper. */
  private static String rootMessage(Throwable e) {
    Throwable c = e;
    String msg = e.getMessage();
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
      if (c.getMessage() != null) {
        msg = c.getMessage();
      }
    }
    return msg == null ? e.getClass().getSimpleName() : msg;
  }
}
