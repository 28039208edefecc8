package dev.gcpt.core.qemu;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
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
 * A minimal GDB remote serial protocol client for QEMU's gdbstub (unix socket or TCP): enough to
 * set hardware breakpoints, continue, interrupt, select a hart, read registers and memory, and
 * detach. QEMU pauses the machine when a debugger connects and resumes it on detach.
 *
 * <p>Register numbers come from the target description QEMU serves
 * ({@code qXfer:features:read}): registers are numbered in document order unless a
 * {@code regnum} attribute says otherwise (QEMU 7.2: x0..x31 0-31, pc 32, f0..f31 33-64,
 * v0..v31 65-96 with V, priv, CSR k at the CSR feature's base + k). QEMU lists only the CSRs
 * accessible when the debugger attaches (fcsr, vl, vtype, stimecmp are often missing), but its
 * debug CSR access serves any CSR number at the CSR feature's base + number: {@link #csr(int)}
 * reads there, {@link #tryCsr(int)} returns null where QEMU refuses.
 *
 * <p>Memory reads ({@code m}) use the selected hart's virtual addresses (QEMU translates them
 * with the hart's MMU); read device registers and RAM by physical address through {@link Qmp}.
 */
public final class GdbRemote implements AutoCloseable {
  /** How long one command waits for its reply. */
  public static final Duration REPLY_TIMEOUT = Duration.ofSeconds(5);
  private static final String CSR_FEATURE = "org.gnu.gdb.riscv.csr";

  private final SocketChannel channel;
  private final Endpoint endpoint;
  /** Packets the reader thread received, in order; payloads only (acks are dropped). */
  private final BlockingQueue<String> packets = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile IOException readFailure;
  private final Map<String, Integer> regnums = new LinkedHashMap<>();
  private final Map<Integer, Integer> bitsizes = new HashMap<>();
  private final List<Integer> describedCsrs = new ArrayList<>();
  private int csrBase = -1;
  private String thread = "";

  private GdbRemote(SocketChannel channel, Endpoint endpoint) {
    this.channel = channel;
    this.endpoint = endpoint;
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
              // acknowledge before handing the packet over: an ack that reached QEMU after the
              // next command resumed the machine would be taken as an interrupt (a spurious T02 stop)
              write("+");
              packets.add(packet.toString());
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

  /** Connects to QEMU's gdbstub at {@code endpoint}, retrying until {@code timeout}. */
  public static GdbRemote connect(Endpoint endpoint, Duration timeout) throws IOException {
    SocketChannel ch = endpoint.connect(timeout);
    GdbRemote g = new GdbRemote(ch, endpoint);
    try {
      g.handshake();
    } catch (IOException | RuntimeException e) {
      g.close();
      throw e;
    }
    return g;
  }

  /** Connects to a gdbstub listening on the unix socket {@code path}. */
  public static GdbRemote connect(java.nio.file.Path path, Duration timeout) throws IOException {
    return connect(Endpoint.unix(path), timeout);
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
      String p = packets.poll(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
      if (p == null) {
        IOException failure = readFailure;
        if (failure != null) {
          throw new IOException("the gdbstub at " + endpoint + " went away: " + failure.getMessage(), failure);
        }
        throw new NoReplyException("no reply from the gdbstub at " + endpoint + " within " + timeout);
      }
      return p;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * Sends one command and returns its reply. A stop reply that arrives unasked (QEMU sends one
   * when a debugger attaches to a running machine, which it then pauses) is skipped: no command
   * sent here is answered with one.
   */
  public String command(String payload) throws IOException {
    send(payload);
    while (true) {
      String r = receive(REPLY_TIMEOUT);
      if (!isStopReply(r)) {
        return r;
      }
    }
  }

  private static boolean isStopReply(String r) {
    return r.length() >= 3 && (r.charAt(0) == 'T' || r.charAt(0) == 'S')
        && Character.digit(r.charAt(1), 16) >= 0 && Character.digit(r.charAt(2), 16) >= 0;
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
    int next = 0;
    Element target = parse(xfer("target.xml"));
    NodeList includes = target.getElementsByTagName("xi:include");
    for (int i = 0; i < includes.getLength(); i++) {
      String href = ((Element) includes.item(i)).getAttribute("href");
      Element feature = parse(xfer(href));
      boolean csrs = feature.getAttribute("name").equals(CSR_FEATURE);
      List<Integer> nums = new ArrayList<>();
      NodeList regs = feature.getElementsByTagName("reg");
      for (int k = 0; k < regs.getLength(); k++) {
        Element reg = (Element) regs.item(k);
        int num = reg.hasAttribute("regnum") ? Integer.parseInt(reg.getAttribute("regnum")) : next;
        regnums.putIfAbsent(reg.getAttribute("name"), num);
        if (reg.hasAttribute("bitsize")) {
          bitsizes.put(num, Integer.parseInt(reg.getAttribute("bitsize")));
        }
        nums.add(num);
        next = num + 1;
      }
      if (csrs) {
        csrBase = regnums.get("mstatus") - 0x300;
        for (int n : nums) {
          describedCsrs.add(n - csrBase);
        }
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

  /** Whether the target description names {@code name} (e.g. "ft0" with F, "v0" with V). */
  public boolean hasRegister(String name) {
    return regnums.containsKey(name);
  }

  /** Size in bits of register {@code regnum} as described, or -1 when the description says none. */
  public int bitsize(int regnum) {
    return bitsizes.getOrDefault(regnum, -1);
  }

  public int csrRegnum(int csr) {
    return csrBase + csr;
  }

  /** The CSR numbers the target description lists, in document order. */
  public List<Integer> describedCsrs() {
    return Collections.unmodifiableList(describedCsrs);
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

  /** The harts (gdb thread ids - 1), in the order QEMU lists them. */
  public List<Integer> harts() throws IOException {
    List<Integer> out = new ArrayList<>();
    String r = command("qfThreadInfo");
    while (r.startsWith("m")) {
      for (String id : r.substring(1).split(",")) {
        String tid = id.startsWith("p") ? id.substring(id.indexOf('.') + 1) : id;
        out.add(Integer.parseInt(tid, 16) - 1);
      }
      r = command("qsThreadInfo");
    }
    if (!r.equals("l")) {
      throw new IOException("unexpected thread list reply: '" + r + "'");
    }
    return out;
  }

  /** The raw little-endian bytes of register {@code regnum} of the selected hart. */
  public byte[] readRegister(int regnum) throws IOException {
    byte[] b = tryReadRegister(regnum);
    if (b == null) {
      throw new IOException("reading register " + regnum + " failed");
    }
    return b;
  }

  /** Like {@link #readRegister(int)}, but null where the gdbstub answers with an error. */
  public byte[] tryReadRegister(int regnum) throws IOException {
    String r = command("p" + Integer.toHexString(regnum));
    if (r.isEmpty() || r.startsWith("E")) {
      return null;
    }
    return HexFormat.of().parseHex(r);
  }

  public long readU64(int regnum) throws IOException {
    return u64(readRegister(regnum));
  }

  /** The named register of the selected hart, zero-extended to 64 bits. */
  public long reg(String name) throws IOException {
    return readU64(regnum(name));
  }

  /** CSR {@code csr} of the selected hart; fails where QEMU refuses it. */
  public long csr(int csr) throws IOException {
    byte[] b = tryReadRegister(csrRegnum(csr));
    if (b == null) {
      throw new IOException(String.format("reading CSR 0x%x (register %d) failed", csr, csrRegnum(csr)));
    }
    return u64(b);
  }

  /** CSR {@code csr} of the selected hart, or null where QEMU's debug CSR access refuses it. */
  public Long tryCsr(int csr) throws IOException {
    byte[] b = tryReadRegister(csrRegnum(csr));
    return b == null ? null : u64(b);
  }

  private static long u64(byte[] raw) {
    byte[] b = java.util.Arrays.copyOf(raw, Math.max(8, raw.length));
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  /** {@code length} bytes at the selected hart's virtual address {@code address}. */
  public byte[] readMemory(long address, int length) throws IOException {
    String r = command(String.format("m%x,%x", address, length));
    if (r.startsWith("E")) {
      throw new IOException(String.format("reading %d bytes at 0x%x failed: %s", length, address, r));
    }
    return HexFormat.of().parseHex(r);
  }

  public long readMemoryU64(long address) throws IOException {
    return u64(readMemory(address, 8));
  }

  public void insertHwBreakpoint(long address) throws IOException {
    expectOk(command(String.format("Z1,%x,4", address)), "Z1 0x" + Long.toHexString(address));
  }

  public void removeHwBreakpoint(long address) throws IOException {
    expectOk(command(String.format("z1,%x,4", address)), "z1 0x" + Long.toHexString(address));
  }

  /** The gdbstub did not answer in time (the harts may still be running). */
  public static final class NoReplyException extends IOException {
    private static final long serialVersionUID = 1L;

    NoReplyException(String message) {
      super(message);
    }
  }

  /** A stop: which hart stopped (its gdb thread id - 1), and the raw stop reply. */
  public record Stop(int hart, String reply) {}

  /** Resumes all harts and waits for the next stop. */
  public Stop continueUntilStop(Duration timeout) throws IOException {
    send("c");
    return parseStop(receive(timeout));
  }

  /**
   * Executes one instruction on {@code hart} while the other harts stay stopped (vCont step);
   * the way past a breakpoint, which QEMU reports again as long as it is inserted.
   */
  public Stop step(int hart) throws IOException {
    send("vCont;s:" + Integer.toHexString(hart + 1));
    return parseStop(receive(REPLY_TIMEOUT));
  }

  /** Resumes all harts and stops them again at once (continue, then the 0x03 interrupt). */
  public Stop resumeBriefly() throws IOException {
    send("c");
    write("\u0003");
    return parseStop(receive(REPLY_TIMEOUT));
  }

  /** Stops all running harts (the 0x03 interrupt) and returns the stop. */
  public Stop interrupt() throws IOException {
    write("\u0003");
    return parseStop(receive(REPLY_TIMEOUT));
  }

  /** Resumes the harts and waits {@code duration} before stopping them again. */
  public Stop runFor(Duration duration) throws IOException {
    send("c");
    String early = null;
    try {
      early = packets.poll(duration.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (early != null) {
      return parseStop(early); // stopped by itself (a breakpoint or the machine halting)
    }
    return interrupt();
  }

  /** Detaches; QEMU resumes the machine. */
  public void detach() throws IOException {
    String r = command("D");
    if (r.equals("E22")) {
      // QEMU keeps multiprocess mode once any debugger negotiated it: detach process 1
      r = command("D;1");
    }
    expectOk(r, "detach");
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
