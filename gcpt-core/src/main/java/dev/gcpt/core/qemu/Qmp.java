package dev.gcpt.core.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A QEMU Machine Protocol client (unix socket or TCP): the greeting, {@code qmp_capabilities},
 * then one command at a time. Asynchronous events (STOP, RESUME, ...) are skipped.
 *
 * <p>Physical memory — RAM and device registers alike — is read with the human monitor's
 * {@code xp} ({@link #readPhysical}), which goes through QEMU's system address space and needs
 * no translation by a hart's MMU; RAM is dumped with {@code pmemsave} ({@link #pmemsave}).
 */
public final class Qmp implements AutoCloseable, PhysicalMemory {
  public static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEX = Pattern.compile("0x([0-9a-fA-F]+)");

  private final SocketChannel channel;
  private final Endpoint endpoint;
  private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile IOException readFailure;
  private final JsonNode greeting;

  private Qmp(SocketChannel channel, Endpoint endpoint) throws IOException {
    this.channel = channel;
    this.endpoint = endpoint;
    this.reader = new Thread(this::readLoop, "qmp-reader");
    reader.setDaemon(true);
    reader.start();
    this.greeting = next(REPLY_TIMEOUT);
    if (!greeting.has("QMP")) {
      throw new IOException("no QMP greeting from " + endpoint + ": " + greeting);
    }
    execute("qmp_capabilities", Map.of(), REPLY_TIMEOUT);
  }

  /** Connects to QEMU's QMP socket at {@code endpoint}, retrying until {@code timeout}. */
  public static Qmp connect(Endpoint endpoint, Duration timeout) throws IOException {
    SocketChannel ch = endpoint.connect(timeout);
    try {
      return new Qmp(ch, endpoint);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(1 << 16);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      while (true) {
        buf.clear();
        if (channel.read(buf) < 0) {
          throw new IOException("QMP connection closed by QEMU");
        }
        buf.flip();
        while (buf.hasRemaining()) {
          byte b = buf.get();
          if (b == '\n') {
            String text = line.toString(StandardCharsets.UTF_8).trim();
            line.reset();
            if (!text.isEmpty()) {
              messages.add(JSON.readTree(text));
            }
          } else {
            line.write(b);
          }
        }
      }
    } catch (IOException e) {
      readFailure = e;
    }
  }

  private JsonNode next(Duration timeout) throws IOException {
    try {
      JsonNode m = messages.poll(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
      if (m == null) {
        throw new IOException("no reply from QMP at " + endpoint + " within " + timeout, readFailure);
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** QEMU's version as the greeting states it ("7.2.22"). */
  public String qemuVersion() {
    JsonNode v = greeting.path("QMP").path("version").path("qemu");
    return v.path("major").asInt() + "." + v.path("minor").asInt() + "." + v.path("micro").asInt();
  }

  /** Runs {@code command} and returns its "return" value; an "error" reply throws. */
  public synchronized JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) throws IOException {
    ObjectNode req = JSON.createObjectNode();
    req.put("execute", command);
    if (!arguments.isEmpty()) {
      req.set("arguments", JSON.valueToTree(arguments));
    }
    ByteBuffer out = ByteBuffer.wrap((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8));
    while (out.hasRemaining()) {
      channel.write(out);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode m = next(Duration.ofNanos(deadline - System.nanoTime()));
      if (m.has("event")) {
        continue;
      }
      if (m.has("error")) {
        throw new IOException("QMP " + command + " failed: " + m.get("error").path("desc").asText(m.toString()));
      }
      if (m.has("return")) {
        return m.get("return");
      }
    }
  }

  public JsonNode execute(String command) throws IOException {
    return execute(command, Map.of(), REPLY_TIMEOUT);
  }

  /** A human monitor command (HMP) and its text output. */
  public String hmp(String commandLine) throws IOException {
    return execute("human-monitor-command", Map.of("command-line", commandLine), REPLY_TIMEOUT).asText();
  }

  /** Guest RAM size ({@code -m}). */
  public long ramSize() throws IOException {
    return execute("query-memory-size-summary").path("base-memory").asLong();
  }

  /** Number of vCPUs (harts). */
  public int cpuCount() throws IOException {
    return execute("query-cpus-fast").size();
  }

  /** The run state ("running", "paused", "debug", ...). */
  public String status() throws IOException {
    return execute("query-status").path("status").asText();
  }

  /** QEMU's instruction counter (meaningful with {@code -icount}); -1 when QEMU does not report it. */
  public long icount() throws IOException {
    try {
      return execute("query-replay").path("icount").asLong(-1);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Writes {@code size} bytes of guest physical memory from {@code address} to {@code file} (QEMU writes it). */
  public void pmemsave(long address, long size, Path file, Duration timeout) throws IOException {
    execute("pmemsave", Map.of("val", address, "size", size, "filename", file.toAbsolutePath().toString()), timeout);
  }

  /** The PCI devices QEMU reports on every bus: {bus, slot, function, class, description}. */
  public List<PciDevice> pciDevices() throws IOException {
    List<PciDevice> out = new ArrayList<>();
    for (JsonNode bus : execute("query-pci")) {
      for (JsonNode d : bus.path("devices")) {
        out.add(new PciDevice(d.path("bus").asInt(), d.path("slot").asInt(), d.path("function").asInt(),
            d.path("class_info").path("class").asInt(), d.path("class_info").path("desc").asText("")));
      }
    }
    return out;
  }

  /** One PCI function. */
  public record PciDevice(int bus, int slot, int function, int classCode, String description) {
    /** PCI class 0x0600: host bridge. */
    public static final int HOST_BRIDGE = 0x0600;

    @Override
    public String toString() {
      return String.format("%02x:%02x.%x %s (class 0x%04x)", bus, slot, function, description, classCode);
    }
  }

  @Override
  public long[] readPhysical(long address, int count, int width) throws IOException {
    char unit = switch (width) {
      case 1 -> 'b';
      case 2 -> 'h';
      case 4 -> 'w';
      case 8 -> 'g';
      default -> throw new IllegalArgumentException("width must be 1, 2, 4 or 8: " + width);
    };
    String text = hmp(String.format("xp /%d%cx 0x%x", count, unit, address));
    long[] out = new long[count];
    int n = 0;
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      Matcher m = HEX.matcher(line.substring(colon + 1));
      while (m.find() && n < count) {
        out[n++] = Long.parseUnsignedLong(m.group(1), 16);
      }
    }
    if (n != count) {
      throw new IOException(String.format("xp of %d x %d bytes at 0x%x returned %d values: %s", count, width, address,
          n, text.trim()));
    }
    return out;
  }

  /** Resumes the machine. */
  public void cont() throws IOException {
    execute("cont");
  }

  /** Asks QEMU to exit. */
  public void quit() throws IOException {
    execute("quit");
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
