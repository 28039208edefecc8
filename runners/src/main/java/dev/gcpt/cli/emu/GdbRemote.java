package dev.gcpt.cli.emu;

import java.io.ByteArrayInputStream;
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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * A minimal GDB remote serial protocol client for QEMU's gdbstub, over a unix socket: enough to
 * set hardware breakpoints, continue, interrupt, select a hart and read registers and memory.
 *
 * <p>Register numbers come from the target description QEMU serves
 * ({@code qXfer:features:read}): registers are numbered in document order unless a
 * {@code regnum} attribute says otherwise (QEMU 7.2: x0..x31 0-31, pc 32, f0..f31 33-64,
 * v0..v31 65-96, vstart..vlenb 97-103, priv 104, CSR k at 105 + k). CSRs absent from the XML
 * (QEMU lists only those accessible when gdb attaches: fcsr, vl, stimecmp are missing) are read
 * at the CSR feature's base + CSR number, which QEMU's debug CSR access serves.
 */
public final class GdbRemote implements AutoCloseable {

  private final SocketChannel channel;
  /** Packets the reader thread received, in order; payloads only (acks are dropped). */
  private final BlockingQueue<String> packets = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile IOException readFailure;
  private final Map<String, Integer> regnums = new HashMap<>();
  private int csrBase = -1;
  private String thread = "";

  private GdbRemote(SocketChannel channel) {
    this.channel = channel;
    // SocketChannel reads and writes have separate locks, so this thread can block in read()
    // while commands (and the 0x03 interrupt) are written
    this.reader = new Thread(this::readLoop, "gdb-remote-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(1 << 16);
    StringBuilder packet = null;
    int checksumLeft = -1;
    try {
      while (true) {
        buf.clear();
        if (channel.read(buf) < 0) {
          throw new IOException("gdbstub closed the connection");
        }
        buf.flip();
        while (buf.hasRemaining()) {
          char c = (char) (buf.get() & 0xFF);
          if (checksumLeft > 0) {
            if (--checksumLeft == 0) {
              packets.add(packet.toString());
              write("+");
              packet = null;
              checksumLeft = -1;
            }
          } else if (packet != null) {
            if (c == '#') {
              checksumLeft = 2;
            } else {
              packet.append(c);
            }
          } else if (c == '$') {
            packet = new StringBuilder();
          }
        }
      }
    } catch (IOException e) {
      readFailure = e;
    }
  }

  private synchronized void write(String text) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /** Connects to the unix socket at {@code path}, retrying until {@code timeout}. */
  public static GdbRemote connect(Path path, Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    IOException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (Files.exists(path)) {
        try {
          SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
          try {
            ch.connect(UnixDomainSocketAddress.of(path));
            GdbRemote g = new GdbRemote(ch);
            g.handshake();
            return g;
          } catch (IOException e) {
            ch.close();
            throw e;
          }
        } catch (IOException e) {
          last = e;
        }
      }
      Thread.sleep(20); // polling for QEMU's socket to appear, bounded by the deadline
    }
    throw new IOException("gdbstub socket " + path + " not reachable within " + timeout, last);
  }

  private void handshake() throws IOException {
    // QEMU 7.2 answers QStartNoAckMode with "" (unsupported): stay in ack mode
    command("qSupported:xmlRegisters=riscv");
    readTargetDescription();
  }


  // ------------------------------------------------------------------ packets

  private void send(String payload) throws IOException {
    int sum = 0;
    for (byte b : payload.getBytes(StandardCharsets.ISO_8859_1)) {
      sum = (sum + (b & 0xFF)) & 0xFF;
    }
    write("$" + payload + "#" + String.format("%02x", sum));
  }

  private String receive(Duration timeout) throws IOException {
    try {
      String p = packets.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (p == null) {
        IOException failure = readFailure;
        throw new IOException("no reply from the gdbstub within " + timeout, failure);
      }
      return p;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Sends one command and returns its reply. */
  public String command(String payload) throws IOException {
    send(payload);
    return receive(Duration.ofSeconds(5));
  }

  // ------------------------------------------------------------------ target description

  private String xfer(String annex) throws IOException {
    StringBuilder doc = new StringBuilder();
    int offset = 0;
    while (true) {
      String r = command(String.format("qXfer:features:read:%s:%x,%x", annex, offset, 0x800));
      if (r.isEmpty() || (r.charAt(0) != 'm' && r.charAt(0) != 'l')) {
        throw new IOException("qXfer of " + annex + " failed: " + r);
      }
      doc.append(r, 1, r.length());
      offset += r.length() - 1;
      if (r.charAt(0) == 'l') {
        return doc.toString();
      }
    }
  }

  private void readTargetDescription() throws IOException {
    int[] next = {0};
    Element target = parse(xfer("target.xml"));
    NodeList includes = target.getElementsByTagName("xi:include");
    for (int i = 0; i < includes.getLength(); i++) {
      String href = ((Element) includes.item(i)).getAttribute("href");
      Element feature = parse(xfer(href));
      NodeList regs = feature.getElementsByTagName("reg");
      for (int k = 0; k < regs.getLength(); k++) {
        Element reg = (Element) regs.item(k);
        int num = reg.hasAttribute("regnum") ? Integer.parseInt(reg.getAttribute("regnum")) : next[0];
        regnums.put(reg.getAttribute("name"), num);
        next[0] = num + 1;
      }
      if (feature.getAttribute("name").equals("org.gnu.gdb.riscv.csr")) {
        csrBase = regnums.get("mstatus") - 0x300;
      }
    }
    if (csrBase < 0 || !regnums.containsKey("priv") || !regnums.containsKey("pc")) {
      throw new IOException("target description lacks the csr feature, priv or pc: " + regnums.keySet());
    }
  }

  private static Element parse(String xml) throws IOException {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setNamespaceAware(false);
      DocumentBuilder b = f.newDocumentBuilder();
      Document d = b.parse(new InputSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))));
      return d.getDocumentElement();
    } catch (Exception e) {
      throw new IOException("target description does not parse: " + e.getMessage(), e);
    }
  }

  /** The register number of {@code name} (x names use ABI names: "t0", "fp" for s0). */
  public int regnum(String name) {
    Integer n = regnums.get(name);
    if (n == null) {
      throw new IllegalArgumentException("no register " + name + " in the target description");
    }
    return n;
  }

  public int csrRegnum(int csr) {
    return csrBase + csr;
  }

  // ------------------------------------------------------------------ operations

  /** Selects the hart (gdb thread id = hart + 1) for register and memory reads. */
  public void selectHart(int hart) throws IOException {
    String id = Integer.toHexString(hart + 1);
    if (!id.equals(thread)) {
      expectOk(command("Hg" + id), "Hg" + id);
      thread = id;
    }
  }

  /** The raw little-endian bytes of register {@code regnum} of the selected hart. */
  public byte[] readRegister(int regnum) throws IOException {
    String r = command("p" + Integer.toHexString(regnum));
    if (r.isEmpty() || r.startsWith("E")) {
      throw new IOException("reading register " + regnum + " failed: '" + r + "'");
    }
    return HexFormat.of().parseHex(r);
  }

  public long readU64(int regnum) throws IOException {
    return ByteBuffer.wrap(readRegister(regnum)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
  }

  public long reg(String name) throws IOException {
    return readU64(regnum(name));
  }

  public long csr(int csr) throws IOException {
    return readU64(csrRegnum(csr));
  }

  public byte[] readMemory(long address, int length) throws IOException {
    String r = command(String.format("m%x,%x", address, length));
    if (r.startsWith("E")) {
      throw new IOException(String.format("reading %d bytes at 0x%x failed: %s", length, address, r));
    }
    return HexFormat.of().parseHex(r);
  }

  public long readMemoryU64(long address) throws IOException {
    return ByteBuffer.wrap(readMemory(address, 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
  }

  public void insertHwBreakpoint(long address) throws IOException {
    expectOk(command(String.format("Z1,%x,4", address)), "Z1 0x" + Long.toHexString(address));
  }

  public void removeHwBreakpoint(long address) throws IOException {
    expectOk(command(String.format("z1,%x,4", address)), "z1 0x" + Long.toHexString(address));
  }

  /** A stop: which hart stopped (its gdb thread id - 1), and the raw stop reply. */
  public record Stop(int hart, String reply) {}

  /** Resumes all harts and waits for the next stop. */
  public Stop continueUntilStop(Duration timeout) throws IOException {
    send("c");
    return parseStop(receive(timeout));
  }

  /** Resumes all harts and stops them again at once (continue, then the 0x03 interrupt). */
  public Stop resumeBriefly() throws IOException {
    send("c");
    write("\u0003");
    return parseStop(receive(Duration.ofSeconds(5)));
  }

  /** Stops all running harts (the 0x03 interrupt) and returns the stop. */
  public Stop interrupt() throws IOException {
    write("\u0003");
    return parseStop(receive(Duration.ofSeconds(5)));
  }

  private Stop parseStop(String reply) throws IOException {
    if (!reply.startsWith("T")) {
      throw new IOException("unexpected stop reply: " + reply);
    }
    thread = "";
    for (String part : reply.substring(3).split(";")) {
      if (part.startsWith("thread:")) {
        String id = part.substring("thread:".length());
        if (id.startsWith("p")) {
          id = id.substring(id.indexOf('.') + 1);
        }
        return new Stop(Integer.parseInt(id, 16) - 1, reply);
      }
    }
    throw new IOException("stop reply names no thread: " + reply);
  }

  private static void expectOk(String reply, String what) throws IOException {
    if (!reply.equals("OK")) {
      throw new IOException(what + " failed: '" + reply + "'");
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
