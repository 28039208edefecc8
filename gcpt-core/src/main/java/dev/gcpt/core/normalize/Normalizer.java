package dev.gcpt.core.normalize;

import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.state.HartState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Rewrites a checkpoint's reserved window into the normalized layout (bundle.md §2): the
 * restorer at 0 followed by zeros up to the descriptor at 0xEC000 (V0: 0x7F000), csr_reserve = hart count, the state
 * left where the producer put it (V0: moved into the compact layout at 0x80000). Everything
 * outside the window is the source's bytes and is not touched here.
 *
 * <p>Pure function of (window bytes, layout, restorer bytes): same inputs, same bytes.
 */
public final class Normalizer {
  private Normalizer() {}

  /** The normalized layout for an opened source. */
  public static NormalizedLayout layoutFor(OpenCheckpoint cp) throws NormalizeException {
    int harts = cp.harts().size();
    if (cp.variant() == Variant.V0) {
      return NormalizedLayout.of(Variant.V0, harts, 0, 0, cp.layout(), Offsets.VERSION_NEMU);
    }
    long base0 = cp.coreBase(0);
    long step = harts > 1 ? cp.coreBase(1) - base0
        : cp.sourceDescriptor().map(Descriptor::singleCoreSize).orElse(Offsets.CORE_BLOCK);
    long version = cp.sourceDescriptor().map(Descriptor::version)
        .orElse(Offsets.VERSION_NEMU);
    StateLayout l = cp.layout();
    if (cp.normalizedDescriptorOffset().isPresent()) {
      // already normalized: the layout is relative to the descriptor; express it per DRAM offset
      long off = cp.normalizedDescriptorOffset().getAsLong();
      if (off == Offsets.DESCRIPTOR_V0) {
        return NormalizedLayout.of(Variant.V0, harts, 0, 0, l, version);
      }
      base0 = cp.coreBase(0) - off;
      l = NormalizedLayout.shift(l, off);
      return NormalizedLayout.of(cp.variant(), harts, base0, step, l, version);
    }
    long lowest = base0 + l.start();
    if (lowest < Offsets.DESCRIPTOR_RVGCVH + 0x400) {
      throw new NormalizeException(cp.name() + ": state starts at 0x" + Long.toHexString(lowest)
          + ", below the descriptor window at 0x" + Long.toHexString(Offsets.DESCRIPTOR_RVGCVH));
    }
    return NormalizedLayout.of(cp.variant(), harts, base0, step, l, version);
  }

  /**
   * The head of the normalized image: a fresh array of {@code cp.windowBase() + cp.windowLength()}
   * bytes, the source's bytes below the window base unchanged (none for W = 0), then the
   * normalized window. {@code nl}'s offsets are relative to the window base, as the restorer's
   * are to its own base.
   *
   * @throws NormalizeException when the restorer does not fit below the descriptor
   */
  public static byte[] window(OpenCheckpoint cp, NormalizedLayout nl, byte[] restorer) throws NormalizeException {
    byte[] w = normalizedWindow(cp, nl, restorer);
    if (cp.windowBase() == 0) {
      return w;
    }
    byte[] head = java.util.Arrays.copyOf(cp.prefix(), Math.toIntExact(cp.windowBase() + w.length));
    System.arraycopy(w, 0, head, (int) cp.windowBase(), w.length);
    return head;
  }

  private static byte[] normalizedWindow(OpenCheckpoint cp, NormalizedLayout nl, byte[] restorer)
      throws NormalizeException {
    byte[] w = cp.window();
    ByteBuffer b = ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN);
    byte[] descriptor = nl.descriptor().encode();
    if (restorer.length > nl.descriptorOffset()) {
      throw new NormalizeException(cp.name() + ": restorer of " + restorer.length + " bytes does not fit below the"
          + " descriptor at 0x" + Long.toHexString(nl.descriptorOffset()));
    }
    int harts = cp.harts().size();
    StateLayout target = nl.descriptor().layout();
    if (cp.variant() == Variant.V0 && cp.normalizedDescriptorOffset().isEmpty()) {
      for (HartState h : cp.harts()) {
        h.write(b, nl.coreBase(h.hart()), StateLayout.COMPACT, Offsets.STATE_MAGIC, harts);
      }
    } else {
      for (int i = 0; i < harts; i++) {
        b.putLong((int) (nl.coreBase(i) + target.csrReserve()), harts);
      }
    }
    long stateStart = nl.coreBase(0) + target.start();
    if (nl.descriptorOffset() + descriptor.length > stateStart) {
      throw new NormalizeException(cp.name() + ": descriptor at 0x" + Long.toHexString(nl.descriptorOffset())
          + " (" + descriptor.length + " bytes) would overlap the state at 0x" + Long.toHexString(stateStart));
    }
    // The gap below the descriptor holds the restorer and nothing else: clearing it removes a V3
    // producer's header (the upstream defect: header and restorer both claim offset 0) and any
    // older restorer's tail, so a regenerated image equals one built from scratch.
    java.util.Arrays.fill(w, 0, (int) nl.descriptorOffset(), (byte) 0);
    System.arraycopy(restorer, 0, w, 0, restorer.length);
    System.arraycopy(descriptor, 0, w, (int) nl.descriptorOffset(), descriptor.length);
    return w;
  }
}
