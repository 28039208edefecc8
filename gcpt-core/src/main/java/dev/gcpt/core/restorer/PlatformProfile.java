package dev.gcpt.core.restorer;

import dev.gcpt.core.layout.Offsets;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;

/**
 * What the restorer needs to know about the machine it runs on: where DRAM and the CLINT are,
 * whether Sstc (stimecmp) exists, and optionally an exit device that makes a trap visible to
 * the host.
 *
 * <p>Profiles are {@code .properties} files; the built-in ones live in the repository under
 * {@code configs/platforms/<name>.properties} and are packaged as classpath resources
 * {@code platforms/<name>.properties} (gcpt-core's pom points a resource directory at
 * {@code configs/platforms}, so there is one copy). Keys: {@code name}, {@code description},
 * {@code dramBase}, {@code dramSize} (optional, default {@value #DEFAULT_DRAM_SIZE} bytes: the
 * smallest DRAM the restorer's 2 GiB address limit needs), {@code clintBase}, {@code sstc}
 * (true/false, default false), {@code exitDevice} (optional; SiFive test device address).
 * {@code windowBase} (optional, default 0). Numbers accept 0x hex. The CLINT and the exit device
 * must lie outside DRAM: the restorer writes to them.
 *
 * <pre>
 * CLINT register          address
 * msip of hart i          clintBase + 4*i          (written only to restore a pending IPI)
 * mtimecmp of hart i      clintBase + 0x4000 + 8*i
 * mtime                   clintBase + 0xBFF8
 * </pre>
 *
 * <p><b>Window base.</b> {@code windowBase} is the DRAM offset W where the reserved window
 * (restorer at W, descriptor at W + 0xEC000, hart state above it) sits. The XiangShan convention
 * is W = 0; a machine whose firmware stays resident at DRAM start (OpenSBI at 0x8000_0000 under
 * U-Boot or Linux) needs the window elsewhere. Images for such a profile are still guest DRAM
 * from 0x8000_0000; only the window moves, and harts must start at {@code dramBase + W}
 * (docs/capture.md). The generated restorer is position independent, so its bytes do not
 * depend on W.
 *
 * <p><b>Execute in place.</b> {@code xipBase} (optional) says that the restorer runs from
 * read-only memory at that address, a flash device (XiangShan resets into its flash at
 * 0x1000_0000; docs/restorer.md "Flash"). The restorer then writes nothing inside its own image
 * (no barrier counter: one hart only) and nothing to DRAM; without state it boots the payload at
 * {@code dramBase + windowBase + payloadPosition} instead of next to itself. Bundles derive this
 * profile from the run's ({@link #inFlashAt}) for the flash image of a flash checkpoint.
 *
 * <p>{@code smrnmi} (default false): the machine implements Smrnmi, whose {@code mnstatus.NMIE}
 * is 0 at reset, and while it is 0 every trap is a critical error (NEMU: "HIT CRITICAL ERROR: trap
 * when mnstatus.nmie close"). XiangShan's default flash code sets it before it jumps to DRAM; a
 * restorer that runs in place from flash replaces that code, so it sets NMIE first. Restorers in
 * DRAM run after the flash code and never touch it (so the key does not change their bytes).
 */
public record PlatformProfile(
    String name, String description, long dramBase, long dramSize, long clintBase, boolean sstc,
    OptionalLong exitDevice, long windowBase, OptionalLong xipBase, boolean smrnmi) {

  /** DRAM size of a profile that does not give one: 2 GiB. */
  public static final long DEFAULT_DRAM_SIZE = 0x8000_0000L;

  /** CLINT offset of hart 0's msip (software interrupt pending, bit 0). */
  public static final long CLINT_MSIP = 0;
  /** CLINT offset of hart 0's mtimecmp. */
  public static final long CLINT_MTIMECMP = 0x4000;
  /** CLINT offset of mtime. */
  public static final long CLINT_MTIME = 0xBFF8;
  /** SiFive test device: "pass" value (exit status 0). */
  public static final int EXIT_PASS = 0x5555;
  /** SiFive test device: "fail" value, ORed with code << 16 (exit status = code). */
  public static final int EXIT_FAIL = 0x3333;

  /** The built-in profile names (one file each under configs/platforms). */
  public static final List<String> BUILTIN = List.of("xiangshan", "nemu", "gem5", "qemu-virt", "qemu-virt-opensbi");

  public PlatformProfile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(exitDevice, "exitDevice");
    Objects.requireNonNull(xipBase, "xipBase");
    if (xipBase.isPresent() && (xipBase.getAsLong() <= 0 || xipBase.getAsLong() > Integer.MAX_VALUE
        || xipBase.getAsLong() % 8 != 0 || inRange(xipBase.getAsLong(), dramBase, dramSize))) {
      throw new IllegalArgumentException("platform " + name + ": xipBase must be an 8-aligned address below 2 GiB"
          + " outside DRAM, got 0x" + Long.toHexString(xipBase.getAsLong()));
    }
    if (clintBase < 0 || clintBase > Integer.MAX_VALUE - CLINT_MTIME) {
      throw new IllegalArgumentException("platform " + name + ": clintBase must be below 2 GiB, got 0x"
          + Long.toHexString(clintBase));
    }
    if (exitDevice.isPresent() && (exitDevice.getAsLong() < 0 || exitDevice.getAsLong() > Integer.MAX_VALUE)) {
      throw new IllegalArgumentException("platform " + name + ": exitDevice must be below 2 GiB, got 0x"
          + Long.toHexString(exitDevice.getAsLong()));
    }
    if (dramSize <= 0 || dramBase < 0 || dramBase + dramSize < dramBase) {
      throw new IllegalArgumentException("platform " + name + ": DRAM [0x" + Long.toHexString(dramBase) + ", +0x"
          + Long.toHexString(dramSize) + ") is not a valid address range");
    }
    if (inRange(clintBase, dramBase, dramSize) || inRange(clintBase + CLINT_MTIME, dramBase, dramSize)) {
      throw new IllegalArgumentException("platform " + name + ": the CLINT at 0x" + Long.toHexString(clintBase)
          + " lies inside DRAM [0x" + Long.toHexString(dramBase) + ", 0x" + Long.toHexString(dramBase + dramSize) + ")");
    }
    if (exitDevice.isPresent() && inRange(exitDevice.getAsLong(), dramBase, dramSize)) {
      throw new IllegalArgumentException("platform " + name + ": the exit device at 0x"
          + Long.toHexString(exitDevice.getAsLong()) + " lies inside DRAM [0x" + Long.toHexString(dramBase) + ", 0x"
          + Long.toHexString(dramBase + dramSize) + ")");
    }
    if (windowBase < 0 || windowBase > Offsets.MAX_WINDOW_BASE || windowBase % Offsets.WINDOW_ALIGN != 0
        || windowBase >= dramSize) {
      throw new IllegalArgumentException("platform " + name + ": windowBase must be a multiple of 0x"
          + Long.toHexString(Offsets.WINDOW_ALIGN) + " in 0..0x" + Long.toHexString(Offsets.MAX_WINDOW_BASE)
          + " inside DRAM, got 0x" + Long.toHexString(windowBase));
    }
  }

  /** A profile with the window at DRAM start (W = 0, the XiangShan convention). */
  public PlatformProfile(String name, String description, long dramBase, long dramSize, long clintBase, boolean sstc,
      OptionalLong exitDevice) {
    this(name, description, dramBase, dramSize, clintBase, sstc, exitDevice, 0);
  }

  /** A profile whose restorer runs from DRAM (no execute-in-place). */
  public PlatformProfile(String name, String description, long dramBase, long dramSize, long clintBase, boolean sstc,
      OptionalLong exitDevice, long windowBase) {
    this(name, description, dramBase, dramSize, clintBase, sstc, exitDevice, windowBase, OptionalLong.empty(), false);
  }

  /** This profile with the reserved window at DRAM offset {@code base}. */
  public PlatformProfile withWindowBase(long base) {
    return new PlatformProfile(name, description, dramBase, dramSize, clintBase, sstc, exitDevice, base, xipBase,
        smrnmi);
  }

  /** This profile for a restorer that executes in place from read-only memory (flash) at {@code base}. */
  public PlatformProfile inFlashAt(long base) {
    return new PlatformProfile(name, description, dramBase, dramSize, clintBase, sstc, exitDevice, windowBase,
        OptionalLong.of(base), smrnmi);
  }

  /** Whether the restorer runs in place from read-only memory ({@code xipBase} set). */
  public boolean executeInPlace() {
    return xipBase.isPresent();
  }

  /** Physical address of the reserved window: where the restorer sits and the harts start. */
  public long windowAddress() {
    return dramBase + windowBase;
  }

  /**
   * Stable text of the profile: it is part of bundle recipes, so a profile with W = 0 prints as
   * the record did before windowBase existed (existing bundles stay up to date).
   */
  @Override
  public String toString() {
    return "PlatformProfile[name=" + name + ", description=" + description + ", dramBase=" + dramBase
        + ", dramSize=" + dramSize + ", clintBase=" + clintBase + ", sstc=" + sstc + ", exitDevice=" + exitDevice
        + (windowBase != 0 ? ", windowBase=" + windowBase : "")
        + (xipBase.isPresent() ? ", xipBase=" + xipBase.getAsLong() + ", smrnmi=" + smrnmi : "") + "]";
  }

  /** Whether physical address {@code address} is DRAM. */
  public boolean inDram(long address) {
    return inRange(address, dramBase, dramSize);
  }

  private static boolean inRange(long address, long base, long size) {
    return address >= base && address - base < size;
  }

  /** Physical address of hart {@code hart}'s msip. */
  public long msipAddress(int hart) {
    return clintBase + CLINT_MSIP + 4L * hart;
  }

  /** Physical address of hart {@code hart}'s mtimecmp. */
  public long mtimecmpAddress(int hart) {
    return clintBase + CLINT_MTIMECMP + 8L * hart;
  }

  /** Physical address of mtime. */
  public long mtimeAddress() {
    return clintBase + CLINT_MTIME;
  }

  /**
   * The one rule every command and the pipeline resolve {@code --platform} with: a built-in name,
   * a profile's properties text (what {@link #toPropertiesText} gives: how a profile from a file
   * travels to workers that do not have the file), or a path to a {@code .properties} file.
   *
   * @throws IllegalArgumentException naming the value and the choices
   */
  public static PlatformProfile resolve(String nameOrFile) throws IOException {
    if (BUILTIN.contains(nameOrFile)) {
      return named(nameOrFile);
    }
    if (nameOrFile.contains("\n") && nameOrFile.contains("=")) {
      Properties p = new Properties();
      p.load(new java.io.StringReader(nameOrFile));
      return parse(p, "platform profile '" + p.getProperty("name", "?") + "'");
    }
    Path file = Path.of(nameOrFile);
    if (Files.isRegularFile(file)) {
      return load(file);
    }
    throw new IllegalArgumentException("unknown platform '" + nameOrFile + "'; known: " + String.join(", ", BUILTIN)
        + " (or a .properties file, like those in configs/platforms/)");
  }

  /** This profile as properties text, which {@link #resolve} reads back to an equal profile. */
  public String toPropertiesText() {
    StringBuilder b = new StringBuilder();
    b.append("name=").append(name).append('\n');
    b.append("description=").append(description.replace("\n", " ")).append('\n');
    b.append("dramBase=0x").append(Long.toHexString(dramBase)).append('\n');
    b.append("dramSize=0x").append(Long.toHexString(dramSize)).append('\n');
    b.append("clintBase=0x").append(Long.toHexString(clintBase)).append('\n');
    b.append("sstc=").append(sstc).append('\n');
    exitDevice.ifPresent(e -> b.append("exitDevice=0x").append(Long.toHexString(e)).append('\n'));
    if (windowBase != 0) {
      b.append("windowBase=0x").append(Long.toHexString(windowBase)).append('\n');
    }
    xipBase.ifPresent(x -> b.append("xipBase=0x").append(Long.toHexString(x)).append('\n'));
    if (smrnmi) {
      b.append("smrnmi=true\n");
    }
    return b.toString();
  }

  /** A built-in profile by name. */
  public static PlatformProfile named(String name) {
    if (!BUILTIN.contains(name)) {
      throw new IllegalArgumentException("unknown platform '" + name + "'; known: " + String.join(", ", BUILTIN));
    }
    String resource = "/platforms/" + name + ".properties";
    try (InputStream in = PlatformProfile.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("platform profile resource " + resource + " is missing from the classpath");
      }
      return parse(read(in), resource);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }

  /** A profile from a properties file. */
  public static PlatformProfile load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(read(in), file.toString());
    }
  }

  private static Properties read(InputStream in) throws IOException {
    Properties p = new Properties();
    try (Reader r = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p;
  }

  /** A profile from properties; {@code source} names them in errors. */
  public static PlatformProfile parse(Properties p, String source) {
    String name = required(p, "name", source);
    String sstc = p.getProperty("sstc", "false").trim();
    if (!sstc.equals("true") && !sstc.equals("false")) {
      throw new IllegalArgumentException(source + ": sstc must be true or false, got '" + sstc + "'");
    }
    String exit = p.getProperty("exitDevice");
    String dramSize = p.getProperty("dramSize");
    String window = p.getProperty("windowBase");
    String xip = p.getProperty("xipBase");
    String smrnmi = p.getProperty("smrnmi", "false").trim();
    if (!smrnmi.equals("true") && !smrnmi.equals("false")) {
      throw new IllegalArgumentException(source + ": smrnmi must be true or false, got '" + smrnmi + "'");
    }
    try {
      return new PlatformProfile(name, p.getProperty("description", name).trim(),
          number(p, "dramBase", source),
          dramSize == null || dramSize.isBlank() ? DEFAULT_DRAM_SIZE : parseNumber(dramSize, "dramSize", source),
          number(p, "clintBase", source), Boolean.parseBoolean(sstc),
          exit == null || exit.isBlank() ? OptionalLong.empty() : OptionalLong.of(parseNumber(exit, "exitDevice", source)),
          window == null || window.isBlank() ? 0 : parseNumber(window, "windowBase", source),
          xip == null || xip.isBlank() ? OptionalLong.empty() : OptionalLong.of(parseNumber(xip, "xipBase", source)),
          Boolean.parseBoolean(smrnmi));
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(source)) {
        throw e;
      }
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static String required(Properties p, String key, String source) {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(source + ": missing key '" + key + "'");
    }
    return v.trim();
  }

  private static long number(Properties p, String key, String source) {
    return parseNumber(required(p, key, source), key, source);
  }

  private static long parseNumber(String text, String key, String source) {
    try {
      return Long.decode(text.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(source + ": " + key + " is not a number: '" + text.trim() + "'");
    }
  }
}
