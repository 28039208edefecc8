package dev.gcpt.core.codec;

/** Compression of a checkpoint file, always detected by magic bytes, never by file name. */
public enum Codec {
  RAW("raw", ""),
  GZIP("gz", ".gz"),
  ZSTD("zstd", ".zstd");

  private final String cliName;
  private final String suffix;

  Codec(String cliName, String suffix) {
    this.cliName = cliName;
    this.suffix = suffix;
  }

  /** The name used on the command line and in manifests ({@code raw}, {@code gz}, {@code zstd}). */
  public String cliName() {
    return cliName;
  }

  /** The file suffix producers use for this codec. */
  public String suffix() {
    return suffix;
  }

  public static Codec fromCliName(String name) {
    for (Codec c : values()) {
      if (c.cliName.equalsIgnoreCase(name) || c.name().equalsIgnoreCase(name)) {
        return c;
      }
    }
    if ("gzip".equalsIgnoreCase(name)) {
      return GZIP;
    }
    throw new IllegalArgumentException("unknown codec '" + name + "' (expected raw, gz or zstd)");
  }

  /**
   * Detects the codec from the first bytes of a file: gzip 1f 8b, zstd 28 b5 2f fd (or a zstd
   * skippable frame, 5x 2a 4d 18, which a zstd stream may start with), else raw.
   */
  public static Codec sniff(byte[] head, int len) {
    if (len >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
      return GZIP;
    }
    if (len >= ZstdFormat.MAGIC_SIZE) {
      int magic = ZstdFormat.readIntLE(head, 0);
      if (magic == ZstdFormat.MAGIC || ZstdFormat.isSkippableMagic(magic)) {
        return ZSTD;
      }
    }
    return RAW;
  }
}
