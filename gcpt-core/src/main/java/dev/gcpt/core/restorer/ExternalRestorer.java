package dev.gcpt.core.restorer;

import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.descriptor.Descriptors;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a restorer image made elsewhere (a LibCheckpoint or LibCheckpointAlpha gcpt.bin, or one
 * of ours) against the contract every loader relies on, and recognizes what it is, so that it is
 * paired only with images it can restore:
 *
 * <pre>
 * offset      must hold
 * 0           jal x0, entry        (opcode 0x6F, rd = x0, entry inside [8, size))
 * 4           u32 size             (multiple of 4, 16 .. file length)
 * flag        u32 0xCAFF, the last non-zero word below size, then only zero words up to size:
 *               gcpt and LibCheckpoint: at size - 8, then one zero word
 *               LibCheckpointAlpha 58019e35: at 0x8b0, zero padding up to size 0xc00
 *               (a flag as the very last word, size - 4, is accepted too)
 * </pre>
 *
 * Only the first {@code size} bytes are the restorer: what follows in the file (LibCheckpointAlpha
 * and LibCheckpoint put a default payload at 0x100000, so their files are about 1 MiB) is never
 * paired, hashed or counted.
 *
 * <p>Kinds ({@link Kind}), by signature:
 * <ul>
 *   <li>{@link Kind#GCPT}: carries one of gcpt's descriptors (8-aligned, magic
 *       {@code 08 ef fd b6 f5 0d}) that it compares with memory at boot: restores exactly that
 *       descriptor's variant and hart count; the platform and options are found by regenerating.
 *   <li>{@link Kind#LIBCHECKPOINT_ALPHA}: its {@code get_restorer_entry_pc} at 0x10
 *       ({@code auipc s1,0; li t1,0x10; sub s1,s1,t1; ret}, placed there by its linker script):
 *       V1 images (fixed V1 offsets from its base), one hart.
 *   <li>LibCheckpoint: its {@code get_restorer_entry_pc} at 0x8 ({@code auipc t0,0; li t1,8;
 *       sub t0,t0,t1; ret}), whose result {@code _entry} hands to {@code gcpt_c_start} as the
 *       {@code start_address} of the checkpoint. Built in protobuf mode ({@code ./configure}, the
 *       default, and what NEMU's LibCheckpoint config uses) it decodes the checkpoint header at
 *       that address, its own base, where a gcpt image holds the restorer: {@link
 *       Kind#LIBCHECKPOINT_PROTOBUF}, refused. The protobuf and fixed-layout builds share every
 *       instruction up to {@code gcpt_c_start}; what only the protobuf build contains is the
 *       read-only data of its decoding branch, so the signature is the message that branch prints
 *       when the header does not decode ({@link #LIBCHECKPOINT_PROTOBUF_MARKER}) within
 *       {@code size}. A build without it ({@code --mode=bare_metal} or {@code dual_core}) restores
 *       fixed offsets: {@link Kind#LIBCHECKPOINT_FIXED}.
 *   <li>{@link Kind#UNKNOWN}: none of these; restorable variants by its size alone.
 * </ul>
 */
public final class ExternalRestorer {
  private ExternalRestorer() {}

  private static final int OPCODE_MASK = 0x7F;
  private static final int OPCODE_JAL = 0x6F;
  private static final int HEADER_BYTES = 8;
  private static final int MIN_SIZE = 16;

  /** LibCheckpointAlpha's get_restorer_entry_pc at 0x10: auipc s1,0; li t1,0x10; sub s1,s1,t1; ret. */
  private static final int[] ALPHA_LOCATION = {0x00000497, 0x01000313, 0x406484B3, 0x00008067};
  private static final int ALPHA_LOCATION_AT = 0x10;
  /** LibCheckpoint's get_restorer_entry_pc at 0x8: auipc t0,0; li t1,8; sub t0,t0,t1; ret. */
  private static final int[] LIBCHECKPOINT_LOCATION = {0x00000297, 0x00800313, 0x406282B3, 0x00008067};
  private static final int LIBCHECKPOINT_LOCATION_AT = 0x8;
  /**
   * Printed by LibCheckpoint's {@code gcpt_c_start} (src/gcpt.c, protobuf branch only) when the
   * header at its own base does not decode: present exactly in protobuf-mode builds.
   */
  public static final String LIBCHECKPOINT_PROTOBUF_MARKER = "Decode header from device failed";
  /** nanopb encoding of magic_number = 0xDEADBEEF, the first bytes of every gcpt descriptor. */
  private static final byte[] DESCRIPTOR_MAGIC = {0x08, (byte) 0xEF, (byte) 0xFD, (byte) 0xB6, (byte) 0xF5, 0x0D};

  /** What LibCheckpointAlpha leaves out (one line each, for manifests). */
  public static final List<String> ALPHA_NOT_RESTORED = List.of(
      "LibCheckpointAlpha does not restore vxrm, vxsat or vstart (the vector fixed-point rounding mode and"
          + " saturation flag come back as reset values), nor stimecmp",
      "LibCheckpointAlpha reads the V1 state at fixed offsets from its base (one hart, no barrier) and writes"
          + " mtimecmp/mtime to its built-in CLINT (0x38000000 unless built otherwise)",
      "LibCheckpointAlpha refuses a hart saved in M-mode (BAD TRAP, code 1)");

  /** What LibCheckpoint's fixed-layout builds leave out. */
  public static final List<String> LIBCHECKPOINT_NOT_RESTORED = List.of(
      "LibCheckpoint does not restore fcsr/frm, vxrm, vxsat, vstart or stimecmp",
      "LibCheckpoint built with --mode=bare_metal reads V1 state at 0x800ECDB0..., with --mode=dual_core V2"
          + " blocks from 0x80300000; the bytes do not say which: pair it only with the matching images");

  /** What an external restorer is, by signature. */
  public enum Kind {
    /** Generated by gcpt (ours): compares its embedded descriptor with memory at boot. */
    GCPT("gcpt-generated"),
    /** LibCheckpointAlpha (NEMU's resource/gcpt_restore): fixed V1 offsets. */
    LIBCHECKPOINT_ALPHA("LibCheckpointAlpha"),
    /** LibCheckpoint in protobuf mode: header decoded at its own base; refused. */
    LIBCHECKPOINT_PROTOBUF("LibCheckpoint (protobuf mode)"),
    /** LibCheckpoint built with --mode=bare_metal or dual_core: fixed offsets. */
    LIBCHECKPOINT_FIXED("LibCheckpoint (fixed layout)"),
    /** Follows the header contract, not recognized. */
    UNKNOWN("unrecognized");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** For people. */
    public String label() {
      return label;
    }
  }

  /** Where the completion flag was found. */
  public enum FlagPlacement {
    /** u32 0xCAFF at size - 4. */
    LAST_WORD,
    /** u32 0xCAFF at size - 8 followed by u32 0 (gcpt's generated restorers, LibCheckpoint). */
    SECOND_TO_LAST_WORD,
    /** u32 0xCAFF earlier, followed only by zero padding up to size (LibCheckpointAlpha: 0x8b0 of 0xc00). */
    PADDED
  }

  /**
   * A valid restorer image.
   *
   * @param size the size word: the restorer's bytes (the rest of the file is not the restorer)
   * @param flagOffset where the 0xCAFF flag is
   * @param variants the layouts it restores
   * @param harts the hart count it restores, when it is fixed (gcpt-generated), else empty
   * @param sha256 of the first {@code size} bytes
   * @param kind what it is
   * @param worksFor for which images it works, one sentence
   * @param notRestored state it does not restore, one line each (for manifests)
   */
  public record Report(String name, long size, long entry, FlagPlacement flag, long flagOffset,
      Set<Variant> variants, java.util.OptionalInt harts, long fileLength, String sha256, Kind kind,
      String worksFor, List<String> notRestored) {

    public Report {
      variants = Collections.unmodifiableSet(EnumSet.copyOf(variants));
      notRestored = List.copyOf(notRestored);
    }

    /** Whether it restores an image of {@code variant} with {@code hartCount} harts. */
    public boolean restores(Variant variant, int hartCount) {
      return variants.contains(variant) && (harts.isEmpty() || harts.getAsInt() == hartCount);
    }

    /** A few lines for people. */
    public String describe() {
      StringBuilder b = new StringBuilder();
      b.append(name).append(": valid restorer\n");
      b.append("  kind        ").append(kind.label()).append("\n");
      b.append("  size        ").append(size).append(" bytes (0x").append(Long.toHexString(size))
          .append(", the size word)\n");
      b.append("  entry       0x").append(Long.toHexString(entry)).append("\n");
      b.append("  flag        0xcaff at 0x").append(Long.toHexString(flagOffset)).append(switch (flag) {
        case LAST_WORD -> " (size-4)";
        case SECOND_TO_LAST_WORD -> " (size-8, then a zero word)";
        case PADDED -> " (then zero padding up to size)";
      }).append("\n");
      b.append("  restores    ").append(variants.isEmpty() ? "none" : variants.toString())
          .append(harts.isPresent() ? ", " + harts.getAsInt() + " hart(s)" : "").append("\n");
      b.append("  works for   ").append(worksFor).append("\n");
      for (String n : notRestored) {
        b.append("  not restored ").append(n).append("\n");
      }
      b.append("  sha256      ").append(sha256).append(" (of the first ").append(size).append(" bytes)\n");
      if (fileLength > size) {
        b.append("  note        ").append(fileLength - size).append(" bytes after size (payload or padding;"
            + " not part of the restorer, never paired)\n");
      }
      return b.toString();
    }
  }

  /**
   * The highest restorer size that leaves a normalized image of {@code variant} intact: the
   * lower of the descriptor offset and the start of the source's own state.
   */
  public static long limit(Variant variant) {
    long stateStart = switch (variant) {
      case V0 -> StateLayout.ORIGINAL.start();
      case V1 -> StateLayout.RVGCVH.start();
      case V2 -> Offsets.V2_FIRST_BLOCK + StateLayout.RVGCVH.start();
      case V3 -> Descriptors.NEMU_V3_CPT_OFFSET + StateLayout.RVGCVH.start();
    };
    return Math.min(Descriptors.descriptorOffset(variant), stateStart);
  }

  /**
   * The completion flag's offset in a restorer of {@code size} bytes at the start of {@code buf}:
   * the last non-zero u32 below {@code size} when it is 0xCAFF (so it is followed only by zero
   * words), else -1. Shared by {@link #validate} and the reader of an image's embedded restorer.
   */
  public static long flagOffset(byte[] buf, int size) {
    ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = (size & ~3) - 4; at >= HEADER_BYTES; at -= 4) {
      int word = b.getInt(at);
      if (word != 0) {
        return word == Offsets.RESTORER_FLAG ? at : -1;
      }
    }
    return -1;
  }

  /** What a restorer of {@code size} bytes at the start of {@code buf} is (its header already checked). */
  public static Kind kind(byte[] buf, int size) {
    if (matches(buf, size, ALPHA_LOCATION_AT, ALPHA_LOCATION)) {
      return Kind.LIBCHECKPOINT_ALPHA;
    }
    if (matches(buf, size, LIBCHECKPOINT_LOCATION_AT, LIBCHECKPOINT_LOCATION)) {
      return indexOf(buf, size, LIBCHECKPOINT_PROTOBUF_MARKER.getBytes(java.nio.charset.StandardCharsets.US_ASCII)) >= 0
          ? Kind.LIBCHECKPOINT_PROTOBUF : Kind.LIBCHECKPOINT_FIXED;
    }
    return gcptDescriptor(buf, size).isPresent() ? Kind.GCPT : Kind.UNKNOWN;
  }

  private static boolean matches(byte[] buf, int size, int at, int[] words) {
    if (at + 4 * words.length > size) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < words.length; i++) {
      if (b.getInt(at + 4 * i) != words[i]) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] buf, int size, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= size; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The variant and descriptor a gcpt-generated restorer carries, if {@code buf} holds one. */
  private record Carried(Variant variant, Descriptor descriptor) {}

  private static Optional<Carried> gcptDescriptor(byte[] buf, int size) {
    for (int at = HEADER_BYTES; at + DESCRIPTOR_MAGIC.length <= size; at += 8) {
      if (!Arrays.equals(buf, at, at + DESCRIPTOR_MAGIC.length, DESCRIPTOR_MAGIC, 0, DESCRIPTOR_MAGIC.length)) {
        continue;
      }
      Descriptor d;
      try {
        d = Descriptor.decode(buf, at, size).descriptor();
      } catch (RuntimeException notOne) {
        continue;
      }
      for (Variant v : Variant.values()) {
        try {
          if (Descriptors.forVariant(v, d.cpuNum()).equals(d)) {
            return Optional.of(new Carried(v, d));
          }
        } catch (IllegalArgumentException wrongHarts) {
          // V0, V1, V3 hold one hart
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The spec a gcpt-generated restorer was made from, found by regenerating it with each built-in
   * platform, F/V/H on and off, VLEN 128 and the variant's default payload position; empty when
   * none gives the same bytes (another VLEN, payload position, platform file or parked hart).
   */
  private static Optional<RestorerSpec> regenerated(Variant variant, int harts, byte[] restorer) {
    for (String platform : PlatformProfile.BUILTIN) {
      RestorerSpec base = RestorerSpec.forVariant(variant, harts, PlatformProfile.named(platform));
      for (int bits = 0; bits < 8; bits++) {
        RestorerSpec s;
        try {
          s = base.withFloat((bits & 1) != 0).withVector((bits & 2) != 0).withHypervisor((bits & 4) != 0);
          if (Arrays.equals(RestorerGenerator.generate(s).bytes(), restorer)) {
            return Optional.of(s);
          }
        } catch (IllegalArgumentException impossible) {
          // e.g. vector restore for a layout without a vector area
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Validates {@code bytes} (a restorer file, possibly followed by a payload) named {@code name}.
   *
   * @throws RestorerException naming the file, the offset and the value, if the image breaks the
   *     contract, fits no variant, or restores none of gcpt's images (LibCheckpoint in protobuf mode)
   */
  public static Report validate(byte[] bytes, String name) {
    if (bytes.length < HEADER_BYTES) {
      throw new RestorerException(name, 0, "file is " + bytes.length + " bytes, shorter than the "
          + HEADER_BYTES + "-byte restorer header (jal + size)");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int jal = b.getInt(0);
    if ((jal & OPCODE_MASK) != OPCODE_JAL) {
      throw new RestorerException(name, 0, String.format("word 0x%08x is not a jal (opcode 0x%02x, expected 0x6f)",
          jal, jal & OPCODE_MASK));
    }
    int rd = (jal >>> 7) & 0x1F;
    if (rd != 0) {
      throw new RestorerException(name, 0, String.format("word 0x%08x is a jal that links x%d; expected j (rd = x0)", jal, rd));
    }
    long entry = jalOffset(jal);
    long size = Integer.toUnsignedLong(b.getInt(4));
    if (size < MIN_SIZE || size > bytes.length || size % 4 != 0) {
      throw new RestorerException(name, 4, "size word 0x" + Long.toHexString(size) + " is not a multiple of 4 in "
          + MIN_SIZE + ".." + bytes.length + " (the file's length)");
    }
    if (entry < HEADER_BYTES || entry >= size) {
      throw new RestorerException(name, 0, "jal jumps to 0x" + Long.toHexString(entry)
          + ", outside the restorer [0x8, 0x" + Long.toHexString(size) + ")");
    }
    int n = (int) size;
    long flagAt = flagOffset(bytes, n);
    if (flagAt < 0) {
      int last = lastNonZeroWord(bytes, n);
      throw new RestorerException(name, last < 0 ? size - 4 : last, last < 0
          ? "no 0xcaff completion flag: every word in [0x8, size 0x" + Long.toHexString(size) + ") is zero"
          : String.format("no 0xcaff completion flag: the last non-zero word below size 0x%x is 0x%x at 0x%x"
              + " (the flag must be followed only by zero words up to size)", size, b.getInt(last), last));
    }
    FlagPlacement flag = flagAt == size - 4 ? FlagPlacement.LAST_WORD
        : flagAt == size - 8 ? FlagPlacement.SECOND_TO_LAST_WORD : FlagPlacement.PADDED;
    Set<Variant> bySize = EnumSet.noneOf(Variant.class);
    for (Variant v : Variant.values()) {
      if (size <= limit(v)) {
        bySize.add(v);
      }
    }
    if (bySize.isEmpty()) {
      throw new RestorerException(name, 4, "size 0x" + Long.toHexString(size)
          + " reaches the descriptor/state window (0x" + Long.toHexString(limit(Variant.V1)) + "): it restores no variant");
    }
    byte[] restorer = Arrays.copyOf(bytes, n);
    String sha = Restorer.sha256Hex(restorer);
    Kind kind = kind(bytes, n);
    Set<Variant> variants;
    java.util.OptionalInt harts = java.util.OptionalInt.empty();
    String worksFor;
    List<String> notRestored = List.of();
    switch (kind) {
      case LIBCHECKPOINT_PROTOBUF -> throw new RestorerException(name, LIBCHECKPOINT_LOCATION_AT,
          "LibCheckpoint built in protobuf mode decodes the checkpoint header at its own load address (offset 0),"
              + " where a gcpt image holds the restorer (the descriptor is at 0xec000, V0 0x7f000): it restores none"
              + " of gcpt's images; use the built-in restorer, LibCheckpointAlpha or a LibCheckpoint built with"
              + " --mode=bare_metal");
      case GCPT -> {
        Carried c = gcptDescriptor(bytes, n).orElseThrow();
        variants = EnumSet.of(c.variant());
        harts = java.util.OptionalInt.of(c.descriptor().cpuNum());
        Optional<RestorerSpec> spec = regenerated(c.variant(), c.descriptor().cpuNum(), restorer);
        String where = c.variant() + " images with " + c.descriptor().cpuNum() + " hart(s), descriptor at 0x"
            + Long.toHexString(Descriptors.descriptorOffset(c.variant())) + " (checked at boot, trap 3 otherwise)";
        worksFor = spec.map(s -> where + "; platform " + s.platform().name() + " (CLINT 0x"
            + Long.toHexString(s.platform().clintBase()) + "), payload at 0x" + Long.toHexString(s.payloadPosition())
            + ", VLEN " + s.vlen() + ", F " + onOff(s.restoreFloat()) + ", V " + onOff(s.restoreVector()) + ", H "
            + onOff(s.restoreHypervisor()))
            .orElse(where + "; platform and options are not a built-in profile's with default payload position"
                + " and VLEN 128");
        notRestored = spec.map(RestorerSpec::notRestored).orElse(List.of());
      }
      case LIBCHECKPOINT_ALPHA -> {
        variants = EnumSet.of(Variant.V1);
        harts = java.util.OptionalInt.of(1);
        worksFor = "V1 images only, one hart: fixed V1 offsets from its base (magic 0xecdb0), payload at 0x100000;"
            + " no vxrm/vxsat";
        notRestored = ALPHA_NOT_RESTORED;
      }
      case LIBCHECKPOINT_FIXED -> {
        variants = EnumSet.of(Variant.V1, Variant.V2);
        worksFor = "V1 images (built --mode=bare_metal) or V2 images (built --mode=dual_core) at fixed addresses;"
            + " no fcsr, vxrm/vxsat";
        notRestored = LIBCHECKPOINT_NOT_RESTORED;
      }
      default -> {
        variants = bySize;
        worksFor = "unknown: only its header, flag and size were checked; the variants are those its size leaves"
            + " intact";
      }
    }
    variants.retainAll(bySize);
    if (variants.isEmpty()) {
      throw new RestorerException(name, 4, "size 0x" + Long.toHexString(size) + " reaches the descriptor/state"
          + " window of the only layout it restores (" + kind.label() + ")");
    }
    return new Report(name, size, entry, flag, flagAt, variants, harts, bytes.length, sha, kind, worksFor,
        notRestored);
  }

  private static String onOff(boolean on) {
    return on ? "on" : "off";
  }

  private static int lastNonZeroWord(byte[] buf, int size) {
    ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = size - 4; at >= HEADER_BYTES; at -= 4) {
      if (b.getInt(at) != 0) {
        return at;
      }
    }
    return -1;
  }

  private static long jalOffset(int insn) {
    int imm = ((insn >>> 31) & 1) << 20 | ((insn >>> 12) & 0xFF) << 12 | ((insn >>> 20) & 1) << 11
        | ((insn >>> 21) & 0x3FF) << 1;
    return imm << 11 >> 11; // sign-extend 21 bits
  }
}
