package dev.gcpt.cli;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.layout.StateLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code gcpt inspect} on a bundle: its manifest in a human layout (source, harts, extensions,
 * descriptor, restorer parameters, image frames, commands).
 */
final class BundleView {
  private static final int SHA_SHOWN = 16;

  private BundleView() {}

  /**
   * The manifest location {@code in} names: {@code in} itself when it is a bundle.json, else
   * {@code in/bundle.json} when it exists (a bundle directory).
   */
  static Optional<String> manifestOf(String in, StorageOptions storage) throws IOException {
    String trimmed = in.endsWith("/") ? in.substring(0, in.length() - 1) : in;
    if (trimmed.endsWith(BundleBuilder.MANIFEST)) {
      return Optional.of(trimmed);
    }
    String inside = trimmed + "/" + BundleBuilder.MANIFEST;
    return storage.exists(inside) ? Optional.of(inside) : Optional.empty();
  }

  /** The bundle.json beside an image, if it describes that image. */
  static Optional<String> besideImage(String image, StorageOptions storage) throws IOException {
    int slash = image.lastIndexOf('/');
    String manifest = (slash < 0 ? "" : image.substring(0, slash + 1)) + BundleBuilder.MANIFEST;
    if (!storage.exists(manifest)) {
      return Optional.empty();
    }
    BundleManifest m = read(manifest, storage);
    return m.image() != null && image.substring(slash + 1).equals(m.image().file()) ? Optional.of(manifest)
        : Optional.empty();
  }

  static BundleManifest read(String manifest, StorageOptions storage) throws IOException {
    try (InputStream in = storage.open(manifest)) {
      return Json.mapper().readValue(in, BundleManifest.class);
    }
  }

  static void print(PrintWriter out, String where, BundleManifest m) {
    out.println(where + "  (" + m.schema() + ")");
    BundleManifest.Source s = m.source();
    if (s != null) {
      out.printf("  source      %s%n              %s, %s compressed, %s raw, sha256 %s%n", s.uri(), s.codec(),
          Sizes.human(s.compressedLength()), Sizes.human(s.rawLength()), abbrev(s.sha256()));
    }
    out.printf("  variant     %s (%s)   harts %d   VLEN %d%n", m.variant(), m.producerLayout(), m.harts(), m.vlen());
    BundleManifest.SimPoint p = m.simpoint();
    if (p != null) {
      out.printf("  simpoint    workload %s   point %s   weight %s   insts %s%n", p.workload(), p.point(),
          orDash(p.weight()), orDash(p.insts()));
    }
    out.printf("  %-4s %-18s %-4s %-3s %-3s %-3s%n", "hart", "pc", "mode", "F", "V", "H");
    for (BundleManifest.Hart h : m.hartStates()) {
      out.printf("  %-4d %-18s %-4s %-3s %-3s %-3s%n", h.hart(), h.pc(), h.mode(), yn(h.floatState()),
          yn(h.vectorState()), yn(h.hypervisorState()));
    }
    out.printf("  extensions  F %s   V %s   H %s   (harts with saved state)%n",
        count(m, BundleManifest.Hart::floatState), count(m, BundleManifest.Hart::vectorState),
        count(m, BundleManifest.Hart::hypervisorState));
    descriptor(out, m.descriptor());
    restorer(out, m.restorer());
    image(out, m.image());
    if (m.flash() != null) { // a flash checkpoint: its flash image, restorer executing in place at the base
      BundleManifest.Flash f = m.flash();
      out.printf("  flash       base %s; source %s%n", f.base(), f.source() == null ? "-" : f.source().uri());
      descriptor(out, f.descriptor());
      restorer(out, f.restorer());
      image(out, f.image());
    }
    if (m.commands() != null && !m.commands().isEmpty()) {
      String label = "  commands    ";
      for (Map.Entry<String, String> c : m.commands().entrySet()) {
        out.printf("%s%-15s %s%n", label, c.getKey(), c.getValue());
        label = "              ";
      }
    }
    for (String n : m.notes() == null ? List.<String>of() : m.notes()) {
      out.println("  note        " + n);
    }
  }

  private static void descriptor(PrintWriter out, BundleManifest.DescriptorInfo d) {
    if (d == null) {
      return;
    }
    out.printf("  descriptor  at %s, %d bytes", d.offset(), d.length());
    try {
      Descriptor x = Descriptor.decode(HexFormat.of().parseHex(d.hex()), 0, d.length()).descriptor();
      StateLayout l = x.layout();
      out.printf(": magic 0x%x, cpu_num %d, cpt_offset 0x%x, single_core_size 0x%x, version 0x%x%n", x.magic(),
          x.cpuNum(), x.cptOffset(), x.singleCoreSize(), x.version());
      out.printf("              memlayout from the core base: magic 0x%x  pc 0x%x  mode 0x%x  mtime 0x%x  mtimecmp 0x%x%n",
          l.magic(), l.pc(), l.mode(), l.mtime(), l.mtimecmp());
      out.printf("              int 0x%x  float 0x%x  csr 0x%x  csr_reserve 0x%x  vector 0x%x%n", l.intRegs(),
          l.floatRegs(), l.csrs(), l.csrReserve(), l.vectorRegs());
    } catch (RuntimeException e) {
      out.println(": does not decode (" + e.getMessage() + ")");
    }
  }

  private static void restorer(PrintWriter out, BundleManifest.RestorerInfo r) {
    if (r == null) {
      return;
    }
    out.printf("  restorer    %s, %,d bytes, sha256 %s%n              file %s%n", r.origin(), r.size(),
        abbrev(r.sha256()), r.file());
    if (r.parameters() != null && !r.parameters().isEmpty()) {
      StringBuilder b = new StringBuilder();
      new TreeMap<>(r.parameters()).forEach((k, v) -> b.append(k).append(' ').append(v).append("   "));
      out.println("              " + b.toString().strip());
    }
    for (String n : r.notes() == null ? List.<String>of() : r.notes()) {
      out.println("              note: " + n);
    }
  }

  private static void image(PrintWriter out, BundleManifest.ImageInfo i) {
    if (i == null) {
      return;
    }
    out.printf(Locale.ROOT, "  image       %s: %s level %d, %s raw -> %s (%.1fx), %d frame(s)%s%n", i.file(), i.codec(),
        i.level(), Sizes.human(i.rawLength()), Sizes.human(i.compressedLength()),
        i.compressedLength() == 0 ? 0.0 : (double) i.rawLength() / i.compressedLength(), i.frames(),
        i.singleFrame() ? " (single frame)" : "");
    out.printf("              %-6s %-12s %-12s %-12s%n", "frame", "raw offset", "raw length", "compressed");
    if (i.singleFrame()) {
      out.printf("              %-6s %-12s %-12s %-12s%n", "0", "0x0", hex(i.rawLength()), i.compressedLength());
    } else {
      out.printf("              %-6s %-12s %-12s %-12s%n", "head", "0x0", hex(i.headRawLength()),
          i.headCompressedLength() + " (slot " + i.headSlotLength() + ")");
      long body = i.rawLength() - i.headRawLength();
      long frames = i.frames() - 1;
      if (frames > 0) {
        long last = body - (frames - 1) * i.bodyFrameRawLength();
        out.printf("              %-6s %-12s %-12s %-12s%n", "body", hex(i.headRawLength()),
            frames == 1 ? hex(last) : frames + " x " + hex(i.bodyFrameRawLength())
                + (last != i.bodyFrameRawLength() ? " (last " + hex(last) + ")" : ""),
            i.compressedLength() - i.headSlotLength());
      }
    }
    dev.gcpt.core.image.ImageInfo d = i.toImageInfo();
    out.printf("              %s: content %s   body raw %s   file slot %s body %s%n", d.digest().id(),
        abbrev(i.content()), abbrev(d.bodyRawDigest()), abbrev(d.headSlotDigest()), abbrev(d.bodyDigest()));
  }

  private static String count(BundleManifest m, java.util.function.Predicate<BundleManifest.Hart> p) {
    long n = m.hartStates().stream().filter(p).count();
    return n == 0 ? "-" : n + "/" + m.hartStates().size();
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  private static String abbrev(String sha) {
    return sha == null ? "-" : sha.length() > SHA_SHOWN ? sha.substring(0, SHA_SHOWN) + "..." : sha;
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  private static String yn(boolean b) {
    return b ? "yes" : "-";
  }
}
