package dev.gcpt.core.qemu;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Where a QEMU socket listens: {@code unix:PATH} (or a plain path containing '/') or
 * {@code HOST:PORT} (TCP). The same syntax serves {@code -qmp} and {@code -gdb}.
 */
public record Endpoint(Path unixPath, String host, int port) {
  /** Pause between connection attempts while QEMU is still starting. */
  private static final Duration RETRY = Duration.ofMillis(20);

  public Endpoint {
    if ((unixPath == null) == (host == null)) {
      throw new IllegalArgumentException("an endpoint is either a unix socket path or host:port");
    }
    if (host != null && (port < 1 || port > 65535)) {
      throw new IllegalArgumentException("port out of range 1..65535: " + port);
    }
  }

  public static Endpoint unix(Path path) {
    return new Endpoint(Objects.requireNonNull(path, "path"), null, 0);
  }

  public static Endpoint tcp(String host, int port) {
    return new Endpoint(null, Objects.requireNonNull(host, "host"), port);
  }

  /** Parses {@code unix:PATH}, {@code /a/path}, {@code tcp:HOST:PORT} or {@code HOST:PORT}. */
  public static Endpoint parse(String text) {
    String t = text.trim();
    if (t.startsWith("unix:")) {
      return unix(Path.of(t.substring("unix:".length())));
    }
    if (t.startsWith("tcp:")) {
      t = t.substring("tcp:".length());
    } else if (t.contains("/")) {
      return unix(Path.of(t));
    }
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException("not an endpoint (unix:PATH or HOST:PORT): '" + text + "'");
    }
    try {
      return tcp(t.substring(0, colon), Integer.parseInt(t.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an endpoint (unix:PATH or HOST:PORT): '" + text + "'");
    }
  }

  /** Connects, retrying until {@code timeout} while the socket does not exist or refuses. */
  SocketChannel connect(Duration timeout) throws IOException {
    Instant deadline = Instant.now().plus(timeout);
    IOException last = null;
    while (true) {
      if (unixPath == null || Files.exists(unixPath)) {
        SocketChannel ch = unixPath != null ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        try {
          ch.connect(unixPath != null ? UnixDomainSocketAddress.of(unixPath) : new InetSocketAddress(host, port));
          return ch;
        } catch (IOException e) {
          ch.close();
          last = e;
        }
      }
      if (!Instant.now().isBefore(deadline)) {
        throw new IOException(this + " not reachable within " + timeout, last);
      }
      try {
        Thread.sleep(RETRY.toMillis()); // QEMU creates its sockets while starting: poll, bounded by the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while connecting to " + this, e);
      }
    }
  }

  @Override
  public String toString() {
    return unixPath != null ? "unix:" + unixPath : host + ":" + port;
  }
}
