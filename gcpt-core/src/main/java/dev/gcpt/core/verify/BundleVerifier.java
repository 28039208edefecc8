package dev.gcpt.core.verify;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.image.ImageDigest;
import dev.gcpt.core.image.Sha256;
import dev.gcpt.core.io.PassThroughInputStream;
import dev.gcpt.core.io.Store;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.restorer.RestorerGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Re-reads a bundle and checks it against its {@code bundle.json}: every frame of the image
 * decodes (content size, checksum, CRC), the frame layout, lengths and hashes match the
 * manifest, the restorer embedded at offset 0 is byte for byte {@code restorers/<sha256>.bin}
 * and has the manifest's hash and size, the descriptor in the image is the manifest's, and a
 * generated restorer was made for that descriptor. A flash checkpoint's flash image gets the same
 * checks ({@code bundle.json}'s {@code flash}).
 *
 * <p>Each finding is a {@link Problem} with a stable code; a bundle with none is good. Reads the
 * image once, streaming; only the first MiB (restorer and descriptor) is kept.
 */
public final class BundleVerifier {
  /** Restorer files larger than this are not read (a generated one is a few KiB, any is below 1 MiB). */
  static final int MAX_RESTORER = 1 << 20;
  /**
   * Where a bundle's set root is: a bundle lives in {@code <root>/<workload>/<point>}, so its
   * restorer file is looked for in the directory above and the one above that, never higher (a
   * stray {@code restorers/} further up, in /tmp say, is not this set's).
   */
  static final int ROOT_SEARCH_DEPTH = 2;
  private static final int SIZE_WORD = 4;

  /** Stable problem codes. */
  public static final String MANIFEST = "manifest";
  public static final String IMAGE = "image";
  public static final String FRAMES = "frames";
  public static final String FRAME_LAYOUT = "frame-layout";
  public static final String RAW_LENGTH = "raw-length";
  public static final String FILE_LENGTH = "file-length";
  public static final String FILE_SHA256 = "file-sha256";
  public static final String BODY_SHA256 = "body-sha256";
  public static final String CONTENT_SHA256 = "content-sha256";
  public static final String RESTORER_FILE = "restorer-file";
  public static final String RESTORER_EMBEDDED = "restorer-embedded";
  public static final String DESCRIPTOR = "descriptor";
  public static final String RESTORER_DESCRIPTOR = "restorer-descriptor";
  /** A rule of the simulators' loaders is broken: NEMU, the emu or XS-GEM5 would not load it whole. */
  public static final String LOADABLE = "loadable";

  /**
   * NEMU's and the XiangShan emu's zstd loaders call {@code ZSTD_decompressStream} into a buffer of
   * 16384 u64 (128 KiB); NEMU asserts that every call filled it, and a call ends at each frame
   * end (shared/spec/checkpoint-formats.md §4a). A spec fact, kept apart from the writer's constant.
   */
  static final long LOADER_BUFFER = 16384 * 8;
  /** XS-GEM5's gzip loader asserts that every read is a multiple of 8 bytes. */
  static final long GZIP_LOAD_GRANULE = 8;

  /** One finding: a stable code and what was seen (on one line). */
  public record Problem(String code, String detail) {
    public Problem {
      detail = detail.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    @Override
    public String toString() {
      return code + ": " + detail;
    }
  }

  /** The findings for one bundle directory (none: good). */
  public record Result(String bundle, List<Problem> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }

    /** One line: the bundle and every finding. */
    public String line() {
      return bundle + ": " + (ok() ? "ok" : String.join("; ", problems.stream().map(Problem::toString).toList()));
    }
  }

  private final Store store;

  public BundleVerifier(Store store) {
    this.store = store;
  }

  /** The manifest of the bundle in {@code dir}. */
  public BundleManifest manifest(String dir) throws IOException {
    try (InputStream in = store.open(dir + "/" + BundleBuilder.MANIFEST)) {
      return Json.mapper().readValue(in, BundleManifest.class);
    }
  }

  /** Checks the bundle in directory {@code dir} (a path or URI without trailing slash). */
  public Result verify(String dir) {
    List<Problem> problems = new ArrayList<>();
    BundleManifest m;
    try {
      m = manifest(dir);
    } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
      return new Result(dir, List.of(new Problem(MANIFEST, "no " + BundleBuilder.MANIFEST)));
    } catch (IOException e) {
      return new Result(dir, List.of(new Problem(MANIFEST, BundleBuilder.MANIFEST + " does not read: "
          + e.getMessage())));
    }
    if (m.image() == null || m.restorer() == null || m.descriptor() == null) {
      return new Result(dir, List.of(new Problem(MANIFEST, "image, restorer or descriptor section missing")));
    }
    byte[] restorer = restorerFile(dir, m, problems);
    byte[] head = image(dir, m, problems);
    if (head != null) {
      embedded(m, head, restorer, problems);
    }
    if (restorer != null) {
      restorerDescriptor(m, restorer, problems);
    }
    if (m.flash() != null) {
      flash(dir, m, problems);
    }
    return new Result(dir, List.copyOf(problems));
  }

  /**
   * The XiangShan emu's default flash (difftest {@code DEFAULT_EMU_FLASH_SIZE}): its loader refuses
   * a compressed flash image that decodes to more.
   */
  static final long EMU_FLASH_SIZE = 0x10_0000;

  /**
   * A flash checkpoint's flash image gets the image's checks (frames, lengths, hashes, loader rules,
   * the restorer at offset 0 against its file, the descriptor), each problem prefixed with
   * "flash image", and must fit the emu's flash.
   */
  private void flash(String dir, BundleManifest m, List<Problem> problems) {
    BundleManifest.Flash f = m.flash();
    if (f.image() == null || f.restorer() == null || f.descriptor() == null) {
      problems.add(new Problem(MANIFEST, "flash: image, restorer or descriptor section missing"));
      return;
    }
    BundleManifest fm = new BundleManifest(m.schema(), f.source(), m.variant(), m.producerLayout(), m.harts(),
        m.vlen(), m.hartStates(), f.descriptor(), f.restorer(), f.image(), m.simpoint(), m.notes(), m.commands(),
        m.build());
    List<Problem> found = new ArrayList<>();
    byte[] restorer = restorerFile(dir, fm, found);
    byte[] head = image(dir, fm, found);
    if (head != null) {
      embedded(fm, head, restorer, found);
    }
    if (restorer != null) {
      restorerDescriptor(fm, restorer, found);
    }
    if (f.image().rawLength() > EMU_FLASH_SIZE) {
      found.add(new Problem(LOADABLE, f.image().file() + " decodes to " + f.image().rawLength() + " bytes: the"
          + " XiangShan emu's flash holds " + EMU_FLASH_SIZE + " (its loader refuses more)"));
    }
    for (Problem p : found) {
      problems.add(new Problem(p.code(), "flash image: " + p.detail()));
    }
  }

  /** Parent directories of {@code dir}, nearest first (the set root is usually two up). */
  static List<String> parents(String dir) {
    List<String> out = new ArrayList<>();
    String d = dir;
    for (int i = 0; i < ROOT_SEARCH_DEPTH; i++) {
      int slash = d.lastIndexOf('/');
      if (slash <= 0 || d.substring(0, slash).endsWith(":/")) {
        break;
      }
      d = d.substring(0, slash);
      out.add(d);
    }
    return out;
  }

  /** The set root of the bundle in {@code dir}: the nearest parent holding its restorer file. */
  public Optional<String> setRoot(String dir, BundleManifest m) throws IOException {
    for (String p : parents(dir)) {
      if (store.exists(p + "/" + m.restorer().file())) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private byte[] restorerFile(String dir, BundleManifest m, List<Problem> problems) {
    BundleManifest.RestorerInfo r = m.restorer();
    String expectedFile = BundleBuilder.RESTORERS_DIR + r.sha256() + ".bin";
    if (!expectedFile.equals(r.file())) {
      problems.add(new Problem(RESTORER_FILE, "the manifest names " + r.file() + ", its sha256 says " + expectedFile));
    }
    try {
      Optional<String> root = setRoot(dir, m);
      if (root.isEmpty()) {
        problems.add(new Problem(RESTORER_FILE, r.file() + " not found in any of " + parents(dir)));
        return null;
      }
      byte[] bytes;
      try (InputStream in = store.open(root.get() + "/" + r.file())) {
        bytes = in.readNBytes(MAX_RESTORER + 1);
      }
      if (bytes.length > MAX_RESTORER) {
        problems.add(new Problem(RESTORER_FILE, r.file() + " is larger than " + MAX_RESTORER + " bytes"));
        return null;
      }
      String sha = hex(Sha256.newDigest().digest(bytes));
      if (!sha.equals(r.sha256())) {
        problems.add(new Problem(RESTORER_FILE, r.file() + " has sha256 " + sha + ", the manifest says " + r.sha256()));
      }
      if (bytes.length != r.size()) {
        problems.add(new Problem(RESTORER_FILE, r.file() + " is " + bytes.length + " bytes, the manifest says "
            + r.size()));
      }
      return bytes;
    } catch (IOException e) {
      problems.add(new Problem(RESTORER_FILE, r.file() + " does not read: " + e.getMessage()));
      return null;
    }
  }

  /** Decodes the image, checks lengths, layout and hashes; returns its first bytes (or null). */
  private byte[] image(String dir, BundleManifest m, List<Problem> problems) {
    BundleManifest.ImageInfo info = m.image();
    String uri = dir + "/" + info.file();
    long descriptorEnd = parseHex(m.descriptor().offset()) + m.descriptor().length();
    int keep = (int) Math.min(Math.max(MAX_RESTORER, descriptorEnd), Math.max(0, info.headRawLength()));
    dev.gcpt.core.image.ImageInfo expected;
    try {
      expected = info.toImageInfo();
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(MANIFEST, info.file() + ": " + e.getMessage()));
      return null;
    }
    ImageDigest algorithm = expected.digest();
    String alg = algorithm.id();
    RawDigests digests = new RawDigests(algorithm, info.headRawLength(), keep);
    MessageDigest slot = algorithm.newDigest();
    MessageDigest bodyFile = algorithm.newDigest();
    long fileLength;
    List<ImageFrames.Frame> frames = null;
    try (InputStream raw = store.open(uri);
        CountingDigestStream in = new CountingDigestStream(raw, info.headSlotLength(), slot, bodyFile)) {
      try {
        frames = ImageFrames.read(in, info.file(), digests::accept);
      } catch (ImageFrames.FrameException e) {
        problems.add(new Problem(FRAMES, e.getMessage()));
      }
      in.drain();
      fileLength = in.count();
    } catch (IOException e) {
      problems.add(new Problem(IMAGE, info.file() + " does not read: " + e.getMessage()));
      return null;
    }
    if (fileLength != info.compressedLength()) {
      problems.add(new Problem(FILE_LENGTH, info.file() + " is " + fileLength + " bytes, the manifest says "
          + info.compressedLength()));
    }
    String slotDigest = hex(slot.digest());
    if (!slotDigest.equals(expected.headSlotDigest())) {
      problems.add(new Problem(FILE_SHA256, info.file() + ": head slot [0, " + info.headSlotLength() + ") has " + alg
          + " digest " + slotDigest + ", the manifest says " + expected.headSlotDigest()));
    }
    String bodyDigest = hex(bodyFile.digest());
    if (!bodyDigest.equals(expected.bodyDigest())) {
      problems.add(new Problem(FILE_SHA256, info.file() + ": body [" + info.headSlotLength() + ", end) has " + alg
          + " digest " + bodyDigest + ", the manifest says " + expected.bodyDigest()));
    }
    if (frames == null) {
      return digests.head().length >= keep ? digests.head() : null;
    }
    layout(info, frames, problems);
    problems.addAll(loadability(info.codec(), digests.rawLength(), frames));
    if (digests.rawLength() != info.rawLength()) {
      problems.add(new Problem(RAW_LENGTH, info.file() + " decodes to " + digests.rawLength()
          + " bytes, the manifest says " + info.rawLength()));
    }
    String body = hex(digests.body());
    if (!body.equals(expected.bodyRawDigest())) {
      problems.add(new Problem(BODY_SHA256, "decoded body has " + alg + " digest " + body + ", the manifest says "
          + expected.bodyRawDigest()));
    }
    String content = hex(digests.content());
    if (!content.equals(info.content())) {
      problems.add(new Problem(CONTENT_SHA256, "decoded image has " + alg + " content digest " + content
          + ", the manifest says " + info.content()));
    }
    return digests.head();
  }

  /**
   * What would keep a simulator from loading the image whole, by the rules its loader's code
   * imposes (shared/spec/checkpoint-formats.md §4a): zstd, the first frame that yields no bytes
   * (a skippable frame, an empty frame) ends the load of NEMU, the emu and XS-GEM5 there; a frame
   * whose raw length is not a multiple of 128 KiB aborts NEMU. gzip (gzread) reads every member,
   * empty ones included; XS-GEM5 wants a multiple of 8 bytes. The file's frames as decoded, not the
   * manifest's word.
   */
  static List<Problem> loadability(String codec, long rawLength, List<ImageFrames.Frame> frames) {
    if (!"zstd".equals(codec)) {
      return rawLength % GZIP_LOAD_GRANULE == 0 ? List.of() : List.of(new Problem(LOADABLE, "the image decodes to "
          + rawLength + " bytes, not a multiple of " + GZIP_LOAD_GRANULE + ": XS-GEM5's gzip loader asserts it"));
    }
    long loaded = 0;
    for (ImageFrames.Frame f : frames) {
      if (f.rawLength() == 0) {
        return List.of(new Problem(LOADABLE, "zstd frame " + f.index() + " (at compressed offset " + f.offset()
            + ") holds no image bytes: NEMU, the XiangShan emu and XS-GEM5 stop loading there, after " + loaded
            + " of " + rawLength + " bytes"));
      }
      if (f.rawLength() % LOADER_BUFFER != 0) {
        return List.of(new Problem(LOADABLE, "zstd frame " + f.index() + " (at compressed offset " + f.offset()
            + ") holds " + f.rawLength() + " raw bytes, not a multiple of " + LOADER_BUFFER + ": NEMU's loader"
            + " asserts that every " + LOADER_BUFFER + "-byte read is full, and a read ends at each frame end"));
      }
      loaded += f.rawLength();
    }
    return List.of();
  }

  private static void layout(BundleManifest.ImageInfo info, List<ImageFrames.Frame> all, List<Problem> problems) {
    // the head slot's padding (empty gzip members; in bundles before gcpt-bundle-4 a skippable zstd
    // frame) holds no image bytes
    List<ImageFrames.Frame> frames = all.stream().filter(f -> f.rawLength() > 0).toList();
    for (ImageFrames.Frame f : all) {
      if (f.rawLength() == 0 && (f.offset() < info.headCompressedLength() || f.offset() >= info.headSlotLength())) {
        problems.add(new Problem(FRAME_LAYOUT, "an empty frame at compressed offset " + f.offset()
            + " outside the head slot's padding [" + info.headCompressedLength() + ", " + info.headSlotLength() + ")"));
        return;
      }
    }
    if (frames.size() > 1 && frames.get(1).offset() != info.headSlotLength()) {
      problems.add(new Problem(FRAME_LAYOUT, "the first body frame starts at compressed offset "
          + frames.get(1).offset() + ", the manifest's head slot ends at " + info.headSlotLength()));
      return;
    }
    if (frames.size() != info.frames()) {
      problems.add(new Problem(FRAME_LAYOUT, frames.size() + " frame(s), the manifest says " + info.frames()));
      return;
    }
    if (info.singleFrame() || frames.isEmpty()) {
      return;
    }
    ImageFrames.Frame head = frames.get(0);
    if (head.rawLength() != info.headRawLength() || head.compressedLength() != info.headCompressedLength()) {
      problems.add(new Problem(FRAME_LAYOUT, "head frame is " + head.rawLength() + " raw / "
          + head.compressedLength() + " compressed bytes, the manifest says " + info.headRawLength() + " / "
          + info.headCompressedLength()));
    }
    for (int i = 1; i < frames.size(); i++) {
      ImageFrames.Frame f = frames.get(i);
      boolean last = i == frames.size() - 1;
      if (last ? f.rawLength() < 1 || f.rawLength() > info.bodyFrameRawLength()
          : f.rawLength() != info.bodyFrameRawLength()) {
        problems.add(new Problem(FRAME_LAYOUT, "body frame " + i + " (at compressed offset " + f.offset() + ") holds "
            + f.rawLength() + " raw bytes, body frames hold " + info.bodyFrameRawLength()
            + (last ? " at most" : "")));
        return;
      }
    }
  }

  /** DRAM offset of the restorer: the platform's window base (docs/capture.md), 0 when not recorded. */
  static long windowBase(BundleManifest m) {
    Object w = m.restorer().parameters() == null ? null : m.restorer().parameters().get("windowBase");
    return w == null ? 0 : parseHex(String.valueOf(w));
  }

  private static void embedded(BundleManifest m, byte[] head, byte[] restorer, List<Problem> problems) {
    BundleManifest.RestorerInfo r = m.restorer();
    long base = windowBase(m);
    if (head.length < base + SIZE_WORD + 4) {
      problems.add(new Problem(RESTORER_EMBEDDED, "the image is too short to hold a restorer"));
      return;
    }
    long size = ByteBuffer.wrap(head, (int) base + SIZE_WORD, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
    if (size != r.size()) {
      problems.add(new Problem(RESTORER_EMBEDDED, "the size word at offset 0x" + Long.toHexString(base + SIZE_WORD)
          + " of the image says " + size + " bytes, the manifest's restorer is " + r.size()));
    }
    long n = Math.min(r.size(), head.length - base);
    byte[] embedded = Arrays.copyOfRange(head, (int) base, (int) (base + n));
    String sha = hex(Sha256.newDigest().digest(embedded));
    if (!sha.equals(r.sha256())) {
      problems.add(new Problem(RESTORER_EMBEDDED, "image bytes [0x" + Long.toHexString(base) + ", 0x"
          + Long.toHexString(base + n) + ") have sha256 " + sha + ", the manifest's restorer is " + r.sha256()));
    }
    if (restorer != null) {
      int diff = Arrays.mismatch(embedded, restorer);
      if (diff >= 0) {
        problems.add(new Problem(RESTORER_EMBEDDED, "the image's restorer differs from " + r.file()
            + " from offset 0x" + Integer.toHexString(diff)));
      }
    }
    long offset = parseHex(m.descriptor().offset());
    byte[] want = HexFormat.of().parseHex(m.descriptor().hex());
    if (want.length != m.descriptor().length()) {
      problems.add(new Problem(DESCRIPTOR, "the manifest's descriptor hex holds " + want.length
          + " bytes, its length says " + m.descriptor().length()));
    }
    if (offset + want.length > head.length) {
      problems.add(new Problem(DESCRIPTOR, "descriptor at 0x" + Long.toHexString(offset) + " lies beyond the head"));
      return;
    }
    byte[] got = Arrays.copyOfRange(head, (int) offset, (int) offset + want.length);
    int diff = Arrays.mismatch(got, want);
    if (diff >= 0) {
      problems.add(new Problem(DESCRIPTOR, "the image's descriptor at 0x" + Long.toHexString(offset)
          + " differs from the manifest's at byte " + diff));
      return;
    }
    try {
      Descriptor d = Descriptor.decode(head, (int) offset, head.length).descriptor();
      if (d.cpuNum() != m.harts()) {
        problems.add(new Problem(DESCRIPTOR, "descriptor cpu_num " + d.cpuNum() + ", the manifest says "
            + m.harts() + " hart(s)"));
      }
    } catch (RuntimeException e) {
      problems.add(new Problem(DESCRIPTOR, "descriptor at 0x" + Long.toHexString(offset) + " does not decode: "
          + e.getMessage()));
    }
  }

  /** A generated restorer compares the descriptor it carries with memory: it must be the manifest's. */
  private static void restorerDescriptor(BundleManifest m, byte[] restorer, List<Problem> problems) {
    if (!"generated".equals(m.restorer().origin())) {
      return; // an upstream restorer carries no descriptor
    }
    byte[] want = HexFormat.of().parseHex(m.descriptor().hex());
    Optional<byte[]> carried = RestorerGenerator.embeddedDescriptor(restorer, want.length);
    if (carried.isEmpty() || !Arrays.equals(carried.get(), want)) {
      problems.add(new Problem(RESTORER_DESCRIPTOR, m.restorer().file() + " was generated for another descriptor"
          + " than the manifest's (it would trap with DESCRIPTOR_MISMATCH at boot)"));
    }
  }

  static long parseHex(String s) {
    return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
  }


  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /**
   * The manifest's raw digests over the decoded image (docs/image-format.md), by the manifest's
   * algorithm: head = digest of [0, headRawLength); body = paged digest of the rest; content =
   * SHA-256(head ‖ body). Keeps the first {@code keep} bytes.
   */
  static final class RawDigests {
    private final long headLength;
    private final MessageDigest head;
    private final MessageDigest body;
    private final byte[] first;
    private long position;
    private byte[] bodyDigest;

    RawDigests(ImageDigest algorithm, long headLength, int keep) {
      this.headLength = headLength;
      this.head = algorithm.newDigest();
      this.body = algorithm.newBodyDigest();
      this.first = new byte[keep];
    }

    void accept(byte[] b, int off, int len) {
      if (position < first.length) {
        int n = (int) Math.min(len, first.length - position);
        System.arraycopy(b, off, first, (int) position, n);
      }
      int inHead = (int) Math.max(0, Math.min(len, headLength - position));
      head.update(b, off, inHead);
      body.update(b, off + inHead, len - inHead);
      position += len;
    }

    long rawLength() {
      return position;
    }

    byte[] head() {
      return position >= first.length ? first : Arrays.copyOf(first, (int) position);
    }

    byte[] body() {
      if (bodyDigest == null) {
        bodyDigest = body.digest();
      }
      return bodyDigest.clone();
    }

    byte[] content() {
      MessageDigest c = Sha256.newDigest();
      c.update(head.digest());
      c.update(body());
      return c.digest();
    }
  }

  /**
   * Hashes every byte read from the file: the first {@code slotLength} bytes into {@code slot},
   * the rest into {@code body} (the manifest's two file digests).
   */
  private static final class CountingDigestStream extends PassThroughInputStream {
    private final long slotLength;
    private final MessageDigest slot;
    private final MessageDigest body;

    CountingDigestStream(InputStream in, long slotLength, MessageDigest slot, MessageDigest body) {
      super(in);
      this.slotLength = slotLength;
      this.slot = slot;
      this.body = body;
    }

    @Override
    protected void seen(byte[] b, int off, int n) {
      int inSlot = (int) Math.max(0, Math.min(n, slotLength - count()));
      slot.update(b, off, inSlot);
      body.update(b, off + inSlot, n - inSlot);
    }
  }
}
