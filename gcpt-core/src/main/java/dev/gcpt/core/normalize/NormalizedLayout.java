package dev.gcpt.core.normalize;

import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;

/**
 * Where a normalized image keeps its descriptor and its harts' state (bundle.md §2):
 *
 * <table>
 * <caption>normalized image</caption>
 * <tr><th>region</th><th>V1 / V2 / V3 sources</th><th>V0 sources</th></tr>
 * <tr><td>restorer</td><td>[0, size)</td><td>[0, size)</td></tr>
 * <tr><td>descriptor</td><td>0xEC000</td><td>0x7F000</td></tr>
 * <tr><td>hart state</td><td>left in place (V1 0xECDB0.., V3 +0xA8, V2 blocks from 0x300000)</td>
 *     <td>moved to the compact layout at 0x80000</td></tr>
 * </table>
 *
 * <p>Core i's base is {@code descriptorOffset + cptOffset + i * singleCoreSize}; for state left
 * in place the memlayout values are the source offsets minus the descriptor offset, so the
 * descriptor describes the bytes exactly where the producer put them.
 *
 * <p>With a window base W (PlatformProfile#windowBase) every offset here is relative to W: the
 * restorer sits at DRAM offset W, the descriptor at W + descriptorOffset.
 *
 * @param descriptorOffset DRAM offset of the descriptor (from the window base)
 * @param payloadPosition where the workload starts (restorer boots it when no state is present)
 */
public record NormalizedLayout(Variant variant, long descriptorOffset, Descriptor descriptor, long payloadPosition) {

  /** single_core_size recorded for a V0 source's one compact core. */
  static final long COMPACT_CORE_SIZE = 0x20000;

  /** DRAM offset of hart {@code i}'s core base. */
  public long coreBase(int hart) {
    return descriptorOffset + descriptor.coreBase(hart);
  }

  /**
   * The layout for a source of {@code variant} with {@code harts} harts whose core 0 base sits
   * at {@code sourceCoreBase0} with offsets {@code sourceLayout}; V3 keeps its header's version.
   */
  public static NormalizedLayout of(Variant variant, int harts, long sourceCoreBase0, long singleCoreSize,
      StateLayout sourceLayout, long version) {
    if (variant == Variant.V0) {
      long off = Offsets.DESCRIPTOR_V0;
      Descriptor d = new Descriptor(Offsets.HEADER_MAGIC, Offsets.V0_COMPACT_BASE - off, harts, COMPACT_CORE_SIZE,
          version, StateLayout.COMPACT);
      return new NormalizedLayout(variant, off, d, Offsets.V0_PAYLOAD);
    }
    long off = Offsets.DESCRIPTOR_RVGCVH;
    StateLayout shifted = shift(sourceLayout, -off);
    Descriptor d = new Descriptor(Offsets.HEADER_MAGIC, sourceCoreBase0, harts, singleCoreSize, version, shifted);
    return new NormalizedLayout(variant, off, d, Offsets.PAYLOAD_DEFAULT);
  }

  static StateLayout shift(StateLayout l, long by) {
    return dev.gcpt.core.descriptor.Descriptors.shift(l, by);
  }
}
