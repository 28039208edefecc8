package dev.gcpt.s3server;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;
import java.util.concurrent.locks.LockSupport;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * A real S3 server in this JVM (s3proxy 4.1.0) on 127.0.0.1 and a free port, for tests and for
 * {@code gcpt demo}. Two stores: transient (in memory, gone on close) and filesystem (objects are
 * plain files {@code <dir>/<bucket>/<key>}). Each instance has its own random credentials.
 *
 * <p>The filesystem store rejects Beam's SSE header with 501; the pipeline's {@code
 * S3Setup.server(endpoint(), accessKey(), secretKey())} therefore always uses its {@code
 * CompatS3ClientBuilderFactory} (it does for every {@code S3Setup}).
 *
 * <p>For fault tests the server can {@link #stop()} and {@link #restart()} on the same port with
 * the same store and credentials (an outage, as clients see it), and {@link #start(BlobStore,
 * String)} serves any store (e.g. one that misbehaves on purpose).
 */
public final class EmbeddedS3 implements AutoCloseable {
  /** The region clients should use (s3proxy accepts any). */
  public static final String REGION = "us-east-1";
  /** How long the server may take to reach STARTED. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** Interval between state polls while starting. */
  private static final Duration POLL_INTERVAL = Duration.ofMillis(10);
  private static final String STARTED = "STARTED";
  private static final int MAX_PORT = 65535;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int ACCESS_KEY_BYTES = 10;
  private static final int SECRET_KEY_BYTES = 20;
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private S3Proxy proxy;
  private final BlobStore store;
  private final URI endpoint;
  private final String accessKey;
  private final String secretKey;
  private final String description;

  private EmbeddedS3(S3Proxy proxy, BlobStore store, URI endpoint, String accessKey, String secretKey,
      String description) {
    this.proxy = proxy;
    this.store = store;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.description = description;
  }

  /** Starts a server whose objects live in memory. */
  public static EmbeddedS3 startTransient() throws IOException {
    return start(new TransientNio2BlobStore(), "transient store");
  }

  /** Starts a server whose buckets are directories of {@code dir} (created if missing). */
  public static EmbeddedS3 startFilesystem(Path dir) throws IOException {
    Path base = Files.createDirectories(dir).toAbsolutePath();
    return start(new FilesystemNio2BlobStore(base.toString()), "filesystem store at " + base);
  }

  /**
   * Starts a server over {@code store} (closed by {@link #close()}); for tests that wrap a store
   * to inject faults.
   */
  public static EmbeddedS3 start(BlobStore store, String description) throws IOException {
    return start(store, description, 0, newAccessKey(), newSecretKey());
  }

  /**
   * Starts a server whose buckets are directories of {@code dir} (created if missing) on
   * 127.0.0.1:{@code port} (0 for a free one) with the given credentials; what {@code
   * bin/s3-server} runs ({@link S3ServerMain}).
   */
  public static EmbeddedS3 startFilesystem(Path dir, int port, String accessKey, String secretKey)
      throws IOException {
    if (port < 0 || port > MAX_PORT) {
      throw new IllegalArgumentException("not a TCP port: " + port);
    }
    if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
      throw new IllegalArgumentException("an S3 server needs an access key and a secret key");
    }
    Path base = Files.createDirectories(dir).toAbsolutePath();
    return start(new FilesystemNio2BlobStore(base.toString()), "filesystem store at " + base, port, accessKey,
        secretKey);
  }

  private static EmbeddedS3 start(BlobStore store, String description, int port, String accessKey,
      String secretKey) throws IOException {
    S3Proxy proxy;
    try {
      proxy = serve(store, "http://127.0.0.1:" + port, accessKey, secretKey, description);
    } catch (IOException e) {
      store.close();
      throw e;
    }
    URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    return new EmbeddedS3(proxy, store, endpoint, accessKey, secretKey, description);
  }

  /** A random access key id: {@code GCPT} and 20 upper-case hex digits. */
  public static String newAccessKey() {
    return "GCPT" + randomHex(RANDOM, ACCESS_KEY_BYTES).toUpperCase(java.util.Locale.ROOT);
  }

  /** A random secret key: 40 hex digits. */
  public static String newSecretKey() {
    return randomHex(RANDOM, SECRET_KEY_BYTES);
  }

  /** Starts s3proxy over {@code store} at {@code endpoint}; on failure stops it (the store stays open). */
  private static S3Proxy serve(BlobStore store, String endpoint, String accessKey, String secretKey,
      String description) throws IOException {
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(store)
        .endpoint(URI.create(endpoint))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
        .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (!STARTED.equals(proxy.getState())) {
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("s3proxy (" + description + ") not started after " + START_TIMEOUT.toSeconds()
              + " s; state " + proxy.getState());
        }
        LockSupport.parkNanos(POLL_INTERVAL.toNanos());
      }
    } catch (Exception e) {
      stopQuietly(proxy, e);
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot start s3proxy (" + description + ") at " + endpoint + ": " + e.getMessage(), e);
    }
    return proxy;
  }

  private static String randomHex(SecureRandom random, int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * Creates a bucket (no error if it exists).
   *
   * @throws IllegalArgumentException for a name S3 does not allow (3 to 63 characters: lower-case
   *     letters, digits, '.', '-'; letter or digit at both ends)
   */
  public void createBucket(String bucket) {
    if (!BUCKET_NAME.matcher(bucket).matches()) {
      throw new IllegalArgumentException("not a valid S3 bucket name: '" + bucket + "'");
    }
    if (!store.containerExists(bucket)) {
      store.createContainer(bucket);
    }
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return accessKey;
  }

  /** The secret key (hand it to clients; never log it). */
  public String secretKey() {
    return secretKey;
  }

  /** The port the server listens on (the same after {@link #restart()}). */
  public int port() {
    return endpoint.getPort();
  }

  /** Whether the server is serving (false between {@link #stop()} and {@link #restart()}). */
  public synchronized boolean running() {
    return proxy != null;
  }

  /**
   * Stops serving and frees the port; the store and its objects stay (an outage). No effect when
   * already stopped.
   */
  public synchronized void stop() throws IOException {
    if (proxy == null) {
      return;
    }
    S3Proxy p = proxy;
    proxy = null;
    try {
      p.stop();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot stop s3proxy (" + description + "): " + e.getMessage(), e);
    }
  }

  /**
   * Serves the same store again on the same port with the same credentials, after {@link
   * #stop()}. No effect when running.
   *
   * @throws IOException if the port is taken meanwhile or the server does not start
   */
  public synchronized void restart() throws IOException {
    if (proxy != null) {
      return;
    }
    // while the port has no listener, a client retrying to connect to it can be handed that very
    // port as its own ephemeral one (a TCP self-connect): the port frees itself once the client
    // gives up, so binding is tried again until the start timeout
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      try {
        proxy = serve(store, endpoint.toString(), accessKey, secretKey, description);
        return;
      } catch (IOException e) {
        if (!(rootCause(e) instanceof java.net.BindException) || System.nanoTime() - deadline > 0) {
          throw e;
        }
        LockSupport.parkNanos(POLL_INTERVAL.toNanos());
      }
    }
  }

  private static Throwable rootCause(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  /** Stops the server and closes the store; a transient store's objects are gone. */
  @Override
  public void close() throws IOException {
    try {
      stop();
    } finally {
      store.close();
    }
  }

  private static void stopQuietly(S3Proxy proxy, Exception cause) {
    try {
      proxy.stop();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedS3[" + endpoint + ", " + description + "]";
  }
}
