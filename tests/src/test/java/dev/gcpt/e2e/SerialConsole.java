package dev.gcpt.e2e;

import dev.gcpt.core.qemu.Endpoint;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A guest's serial console on a unix socket ({@code -serial unix:PATH,server=on,wait=on}): a
 * reader thread collects output; {@link #waitFor} consumes it up to a marker within a deadline.
 */
final class SerialConsole implements AutoCloseable {
  /** U-Boot's prompt at the start of a line. */
  static final String PROMPT = "\n=> ";

  private final SocketChannel channel;
  private final StringBuilder pending = new StringBuilder();
  private final Thread reader;
  private volatile IOException failure;

  private SerialConsole(SocketChannel channel) {
    this.channel = channel;
    this.reader = new Thread(this::readLoop, "serial-reader");
    reader.setDaemon(true);
    reader.start();
  }

  static SerialConsole connect(Path socket, Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    IOException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (Files.exists(socket)) {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
          ch.connect(UnixDomainSocketAddress.of(socket));
          return new SerialConsole(ch);
        } catch (IOException e) {
          ch.close();
          last = e;
        }
      }
      Thread.sleep(20); // QEMU creates the socket while starting: poll, bounded by the deadline
    }
    throw new IOException("serial socket " + Endpoint.unix(socket) + " not reachable within " + timeout, last);
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(1 << 14);
    try {
      while (channel.read(buf.clear()) >= 0) {
        buf.flip();
        synchronized (pending) {
          pending.append(StandardCharsets.ISO_8859_1.decode(buf));
          pending.notifyAll();
        }
      }
    } catch (IOException e) {
      failure = e;
    }
    synchronized (pending) {
      pending.notifyAll();
    }
  }

  void send(String text) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /** Consumes and returns the output up to and including {@code marker}. */
  String waitFor(String marker, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (pending) {
      while (true) {
        int at = pending.indexOf(marker);
        if (at >= 0) {
          String out = pending.substring(0, at + marker.length());
          pending.delete(0, at + marker.length());
          return out;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || !reader.isAlive()) {
          throw new IOException("console did not print '" + marker.replace("\n", "\\n") + "' within " + timeout
              + "; pending output: '" + pending + "'", failure);
        }
        pending.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /** The output not consumed yet. */
  String peek() {
    synchronized (pending) {
      return pending.toString();
    }
  }

  /** Runs a U-Boot command and returns what it printed: the echo, the output and the next prompt. */
  String command(String line, Duration timeout) throws IOException, InterruptedException {
    send(line + "\n");
    return waitFor(PROMPT, timeout);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
