package dev.gcpt.core.restorer;

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
 * Numbers accept 0x hex. The CLINT and the exit device must lie outside DRAM: the restorer
 * writes to them.
 *
 * <pre>
 * CLINT register          address
 * mtimecmp of hart i      clintBase + 0x4000 + 8*i
 * mtime                   clintBase + 0xBFF8
 * </pre>
 */
public record PlatformProfile(
    String name, String description, long dramBase, long dramSize, long clintBase, boolean sstc,
    OptionalLong exitDevice) {

  /** DRAM size of a profile that does not give one: 2 GiB. */
  public static final long DEFAULT_DRAM_SIZE = 0x8000_0000L;

  /** CLINT offset of hart 0's mtimecmp. */
  public static final long CLINT_MTIMECMP = 0x4000;
  /** CLINT offset of mtime. */
  public static final long CLINT_MTIME = 0xBFF8;
  /** SiFive test device: "pass" value (exit status 0). */
  public static final int EXIT_PASS = 0x5555;
  /** SiFive test device: "fail" value, ORed with code << 16 (exit status = code). */
  public static final int EXIT_FAIL = 0x3333;

  /** The built-in profile names (one file each under configs/platforms). */
  public static final List<String> BUILTIN = List.of("xiangshan", "nemu", "gem5", "qemu-virt");

  public PlatformProfile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(exitDevice, "exitDevice");
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
  }

  /** Whether physical address {@code address} is DRAM. */
  public boolean inDram(long address) {
    return inRange(address, dramBase, dramSize);
  }

  private static boolean inRange(long address, long base, long size) {
    return address >= base && address - base < size;
  }

  /** Physical address of hart {@code hart}'s mtimecmp. */
  public long mtimecmpAddress(int hart) {
    return clintBase + CLINT_MTIMECMP + 8L * hart;
  }

  /** Physical address of mtime. */
  public long mtimeAddress() {
    return clintBase + CLINT_MTIME;
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
    return new PlatformProfile(name, p.getProperty("description", name).trim(),
        number(p, "dramBase", source),
        dramSize == null || dramSize.isBlank() ? DEFAULT_DRAM_SIZE : parseNumber(dramSize, "dramSize", source),
        number(p, "clintBase", source), Boolean.parseBoolean(sstc),
        exit == null || exit.isBlank() ? OptionalLong.empty() : OptionalLong.of(parseNumber(exit, "exitDevice", source)));
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
