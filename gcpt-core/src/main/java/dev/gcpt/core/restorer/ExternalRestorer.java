package dev.gcpt.core.restorer;

import dev.gcpt.core.descriptor.Descriptors;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Checks a restorer image made elsewhere (a LibCheckpoint or LibCheckpointAlpha gcpt.bin, or one
 * of ours) against the contract every loader relies on:
 *
 * <pre>
 * offset      must hold
 * 0           jal x0, entry        (opcode 0x6F, rd = x0, entry inside [8, size))
 * 4           u32 size             (multiple of 4, 16 .. file length)
 * size - 4    u32 0xCAFF           LibCheckpoint: the flag is the last word within size
 *   or
 * size - 8    u32 0xCAFF, then 0   gcpt: flag, then a zero word
 * </pre>
 *
 * A variant is restorable when {@code size} stays below both the normalized descriptor and the
 * source's state: V1/V2/V3 below 0xEC000, V0 below 0xF00 (its state stays in place at 0xF00).
 */
public final class ExternalRestorer {
  private ExternalRestorer() {}

  private static final int OPCODE_MASK = 0x7F;
  private static final int OPCODE_JAL = 0x6F;
  private static final int HEADER_BYTES = 8;
  private static final int MIN_SIZE = 16;

  /** Where the completion flag was found. */
  public enum FlagPlacement {
    /** u32 0xCAFF at size - 4 (LibCheckpoint, LibCheckpointAlpha). */
    LAST_WORD(4),
    /** u32 0xCAFF at size - 8 followed by u32 0 (gcpt's generated restorers). */
    SECOND_TO_LAST_WORD(8);

    private final int fromEnd;

    FlagPlacement(int fromEnd) {
      this.fromEnd = fromEnd;
    }

    /** Distance of the flag from {@code size}. */
    public int fromEnd() {
      return fromEnd;
    }
  }

  /** A valid restorer image. */
  public record Report(String name, long size, long entry, FlagPlacement flag, Set<Variant> variants,
      long fileLength, String sha256) {

    public Report {
      variants = Collections.unmodifiableSet(EnumSet.copyOf(variants));
    }

    /** Offset of the completion flag. */
    public long flagOffset() {
      return size - flag.fromEnd();
    }

    /** A few lines for people. */
    public String describe() {
      StringBuilder b = new StringBuilder();
      b.append(name).append(": valid restorer\n");
      b.append("  size        ").append(size).append(" bytes (0x").append(Long.toHexString(size)).append(")\n");
      b.append("  entry       0x").append(Long.toHexString(entry)).append("\n");
      b.append("  flag        0xcaff at 0x").append(Long.toHexString(flagOffset()))
          .append(flag == FlagPlacement.LAST_WORD ? " (size-4, LibCheckpoint style)" : " (size-8, gcpt style)")
          .append("\n");
      b.append("  restores    ").append(variants.isEmpty() ? "none" : variants.toString()).append("\n");
      b.append("  sha256      ").append(sha256).append("\n");
      if (fileLength > size) {
        b.append("  note        ").append(fileLength - size).append(" bytes after size (payload or padding)\n");
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
   * Validates {@code bytes} (a restorer file, possibly followed by a payload) named {@code name}.
   *
   * @throws RestorerException naming the file, the offset and the value, if the image breaks the
   *     contract or fits no variant
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
    int last = b.getInt((int) size - 4);
    int secondLast = b.getInt((int) size - 8);
    FlagPlacement flag;
    if (last == Offsets.RESTORER_FLAG) {
      flag = FlagPlacement.LAST_WORD;
    } else if (secondLast == Offsets.RESTORER_FLAG && last == 0) {
      flag = FlagPlacement.SECOND_TO_LAST_WORD;
    } else {
      throw new RestorerException(name, size - 4, String.format(
          "no 0xcaff completion flag: u32 at size-4 (0x%x) is 0x%x, u32 at size-8 (0x%x) is 0x%x",
          size - 4, last, size - 8, secondLast));
    }
    Set<Variant> variants = EnumSet.noneOf(Variant.class);
    for (Variant v : Variant.values()) {
      if (size <= limit(v)) {
        variants.add(v);
      }
    }
    if (variants.isEmpty()) {
      throw new RestorerException(name, 4, "size 0x" + Long.toHexString(size)
          + " reaches the descriptor/state window (0x" + Long.toHexString(limit(Variant.V1)) + "): it restores no variant");
    }
    return new Report(name, size, entry, flag, variants, bytes.length,
        Restorer.sha256Hex(java.util.Arrays.copyOf(bytes, (int) size)));
  }

  private static long jalOffset(int insn) {
    int imm = ((insn >>> 31) & 1) << 20 | ((insn >>> 12) & 0xFF) << 12 | ((insn >>> 20) & 1) << 11
        | ((insn >>> 21) & 0x3FF) << 1;
    return imm << 11 >> 11; // sign-extend 21 bits
  }
}
