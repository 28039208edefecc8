package dev.gcpt.core.descriptor;

import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;

/**
 * The descriptor convention of normalized images: the single place that says where the
 * descriptor goes and what it contains for each source variant. The normalizer and the restorer
 * generator both use it.
 *
 * <pre>
 * variant  descriptor  cpt_offset  single_core_size  memlayout values           core 0 magic
 * V1       0xEC000     0x0         0x100000          V1 offsets - 0xEC000        0xECDB0
 * V2       0xEC000     0x300000    0x100000          V1 offsets - 0xEC000        0x3ECDB0 (+i MiB)
 * V3       0xEC000     0xA8        0x100000          V1 offsets - 0xEC000        0xECE58
 * V0       0x7F000     0x1000      0x20000           StateLayout.COMPACT         0x80000
 * </pre>
 *
 * cpu_num is the real hart count (V2: 1..128; V0, V1, V3 hold one hart), magic 0xDEADBEEF,
 * version NEMU's 0x20240205.
 */
public final class Descriptors {
  private Descriptors() {}

  /** Size of the hart state a V0 source's compact layout may occupy: up to the V0 payload. */
  public static final long V0_COMPACT_CORE_SIZE = Offsets.V0_PAYLOAD - Offsets.V0_COMPACT_BASE;
  /** NEMU's V3 cpt_offset: the C struct sizes 5*8 + 16*8, not the encoded length. */
  public static final long NEMU_V3_CPT_OFFSET = 0xA8;

  /** DRAM offset of the descriptor in a normalized image of a {@code variant} source. */
  public static long descriptorOffset(Variant variant) {
    return variant == Variant.V0 ? Offsets.DESCRIPTOR_V0 : Offsets.DESCRIPTOR_RVGCVH;
  }

  /**
   * The descriptor a normalized image of a {@code variant} source with {@code harts} harts
   * carries at {@link #descriptorOffset(Variant)}.
   *
   * @throws IllegalArgumentException if harts is outside 1..128, or above 1 for V0, V1, V3
   */
  public static Descriptor forVariant(Variant variant, int harts) {
    if (harts < 1 || harts > Offsets.MAX_HARTS) {
      throw new IllegalArgumentException("hart count out of range 1.." + Offsets.MAX_HARTS + ": " + harts);
    }
    if (variant != Variant.V2 && harts != 1) {
      throw new IllegalArgumentException(variant + " (" + variant.producerName()
          + ") images hold one hart, got " + harts + " (multi-hart images are V2)");
    }
    long offset = descriptorOffset(variant);
    return switch (variant) {
      case V1 -> new Descriptor(Offsets.HEADER_MAGIC, 0, harts, Offsets.CORE_BLOCK,
          Offsets.VERSION_NEMU, shift(StateLayout.RVGCVH, -offset));
      case V2 -> new Descriptor(Offsets.HEADER_MAGIC, Offsets.V2_FIRST_BLOCK, harts, Offsets.CORE_BLOCK,
          Offsets.VERSION_NEMU, shift(StateLayout.RVGCVH, -offset));
      case V3 -> new Descriptor(Offsets.HEADER_MAGIC, NEMU_V3_CPT_OFFSET, harts, Offsets.CORE_BLOCK,
          Offsets.VERSION_NEMU, shift(StateLayout.RVGCVH, -offset));
      case V0 -> new Descriptor(Offsets.HEADER_MAGIC, Offsets.V0_COMPACT_BASE - offset, harts,
          V0_COMPACT_CORE_SIZE, Offsets.VERSION_NEMU, StateLayout.COMPACT);
    };
  }

  /**
   * The descriptor NEMU writes at DRAM offset 0 of a V3 checkpoint (98 bytes encoded): cpt_offset
   * 0xA8, one CPU, memlayout = the V1 offsets.
   */
  public static Descriptor nemuV3Header() {
    return new Descriptor(Offsets.HEADER_MAGIC, NEMU_V3_CPT_OFFSET, 1, Offsets.CORE_BLOCK,
        Offsets.VERSION_NEMU, StateLayout.RVGCVH);
  }

  /** {@code layout} with every offset moved by {@code delta} (absent fields, -1, stay absent). */
  public static StateLayout shift(StateLayout l, long delta) {
    return new StateLayout(
        l.magic() + delta, l.pc() + delta, l.mode() + delta, l.mtime() + delta, l.mtimecmp() + delta,
        opt(l.miscDone(), delta), opt(l.miscReserve(), delta), l.intRegs() + delta, opt(l.intDone(), delta),
        l.floatRegs() + delta, opt(l.floatDone(), delta), l.csrs() + delta, opt(l.csrDone(), delta),
        opt(l.csrReserve(), delta), opt(l.vectorRegs(), delta), opt(l.vectorDone(), delta));
  }

  private static long opt(long v, long delta) {
    return v < 0 ? v : v + delta;
  }
}
