package dev.gcpt.core.restorer;

import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.descriptor.Descriptors;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Everything a generated restorer depends on. Two equal specs give byte-identical restorers.
 *
 * @param harts number of harts to restore (1..128); harts with mhartid >= harts park in a
 *     {@code wfi} loop
 * @param payloadPosition offset from the restorer base of the payload booted when no state is
 *     present (default 0x100000)
 * @param platform CLINT base, Sstc, exit device
 * @param vlen vector register length in bits (128 default), a power of two 64..2048
 * @param restoreFloat restore f0..f31 and fcsr
 * @param restoreVector restore v0..v31, vtype/vl, vstart, vxrm, vxsat
 * @param restoreHypervisor restore the H and VS CSRs (the target must implement H)
 * @param descriptor the descriptor the restorer is made for; its bytes are embedded and compared
 *     with memory at boot
 * @param descriptorOffset where the descriptor sits, from the restorer base (0xEC000 or 0x7F000)
 * @param parkHart debug: this hart parks instead of restoring (the barrier waits for the others)
 */
public record RestorerSpec(
    int harts,
    long payloadPosition,
    PlatformProfile platform,
    int vlen,
    boolean restoreFloat,
    boolean restoreVector,
    boolean restoreHypervisor,
    Descriptor descriptor,
    long descriptorOffset,
    OptionalInt parkHart) {

  /** Default VLEN (NEMU, XiangShan and both upstream restorers). */
  public static final int DEFAULT_VLEN = 128;
  private static final int MIN_VLEN = 64;
  private static final int MAX_VLEN = 2048;

  /**
   * What a checkpoint saved in M-mode loses when restored: the restorer returns with
   * {@code mret} and MPP = M, which continues at the saved pc in M-mode.
   */
  public static final String SAVED_M_MODE_NOTE =
      "saved-M restores via mret: mepc equals pc (the producer overwrote the saved mepc), "
      + "mstatus.MIE gets the saved MPIE, mstatus.MPIE becomes 1 and mstatus.MPP becomes U, "
      + "as after any mret; the checkpoint's own mepc, MPP and MPIE are not recovered";

  public RestorerSpec {
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(descriptor, "descriptor");
    Objects.requireNonNull(parkHart, "parkHart");
    if (harts < 1 || harts > Offsets.MAX_HARTS) {
      throw new IllegalArgumentException("harts out of range 1.." + Offsets.MAX_HARTS + ": " + harts);
    }
    if (descriptor.cpuNum() != harts) {
      throw new IllegalArgumentException("descriptor cpu_num " + descriptor.cpuNum()
          + " differs from the restorer's hart count " + harts);
    }
    if (vlen < MIN_VLEN || vlen > MAX_VLEN || Integer.bitCount(vlen) != 1) {
      throw new IllegalArgumentException("VLEN must be a power of two " + MIN_VLEN + ".." + MAX_VLEN + ": " + vlen);
    }
    if (payloadPosition <= 0 || payloadPosition > Integer.MAX_VALUE || payloadPosition % 4 != 0) {
      throw new IllegalArgumentException("payload position must be a positive multiple of 4 below 2 GiB: 0x"
          + Long.toHexString(payloadPosition));
    }
    if (descriptorOffset <= 0 || descriptorOffset > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("descriptor offset out of range: 0x" + Long.toHexString(descriptorOffset));
    }
    if (restoreVector && !descriptor.layout().hasVectorArea()) {
      throw new IllegalArgumentException("vector restore requested but the descriptor's layout has no vector area");
    }
    if (restoreVector && 32L * (vlen / 8) > descriptor.layout().vectorDone() - descriptor.layout().vectorRegs()
        && descriptor.layout().vectorDone() > descriptor.layout().vectorRegs()) {
      throw new IllegalArgumentException("VLEN " + vlen + " does not fit the layout's vector area of "
          + (descriptor.layout().vectorDone() - descriptor.layout().vectorRegs()) + " bytes");
    }
    if (parkHart.isPresent() && (parkHart.getAsInt() < 0 || parkHart.getAsInt() >= harts)) {
      throw new IllegalArgumentException("park hart " + parkHart.getAsInt() + " is not one of the " + harts + " harts");
    }
    long lastCore = descriptorOffset + descriptor.coreBase(harts - 1);
    if (lastCore > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("core bases beyond 2 GiB are not supported: 0x" + Long.toHexString(lastCore));
    }
    // everything the restorer jumps to or reads is at an offset from its base, the platform's
    // window base in DRAM (0: the start of DRAM)
    long dram = platform.dramSize() - platform.windowBase();
    if (payloadPosition >= dram) {
      throw new IllegalArgumentException("payload position 0x" + Long.toHexString(payloadPosition)
          + " lies beyond the DRAM of platform " + platform.name() + " (0x" + Long.toHexString(dram) + " bytes)");
    }
    long descriptorEnd = descriptorOffset + descriptor.encode().length;
    if (descriptorEnd > dram) {
      throw new IllegalArgumentException("the descriptor [0x" + Long.toHexString(descriptorOffset) + ", 0x"
          + Long.toHexString(descriptorEnd) + ") runs past the DRAM of platform " + platform.name() + " (0x"
          + Long.toHexString(dram) + " bytes)");
    }
    long stateEnd = lastCore + descriptor.layout().end(vlen);
    if (stateEnd > dram) {
      throw new IllegalArgumentException("hart " + (harts - 1) + "'s state ends at 0x" + Long.toHexString(stateEnd)
          + ", past the DRAM of platform " + platform.name() + " (0x" + Long.toHexString(dram) + " bytes)");
    }
  }

  /**
   * The usual spec for a normalized image of a {@code variant} source: its descriptor and
   * descriptor offset ({@link Descriptors}), payload at 0x100000 (V0: 0xA0000), VLEN 128, F on,
   * V on except for V0 (which has no vector state), H off, no parked hart.
   */
  public static RestorerSpec forVariant(Variant variant, int harts, PlatformProfile platform) {
    return new RestorerSpec(harts,
        variant == Variant.V0 ? Offsets.V0_PAYLOAD : Offsets.PAYLOAD_DEFAULT,
        platform, DEFAULT_VLEN, true, variant != Variant.V0, false,
        Descriptors.forVariant(variant, harts), Descriptors.descriptorOffset(variant), OptionalInt.empty());
  }

  public RestorerSpec withPayloadPosition(long position) {
    return new RestorerSpec(harts, position, platform, vlen, restoreFloat, restoreVector, restoreHypervisor,
        descriptor, descriptorOffset, parkHart);
  }

  public RestorerSpec withVlen(int bits) {
    return new RestorerSpec(harts, payloadPosition, platform, bits, restoreFloat, restoreVector, restoreHypervisor,
        descriptor, descriptorOffset, parkHart);
  }

  public RestorerSpec withFloat(boolean on) {
    return new RestorerSpec(harts, payloadPosition, platform, vlen, on, restoreVector, restoreHypervisor,
        descriptor, descriptorOffset, parkHart);
  }

  public RestorerSpec withVector(boolean on) {
    return new RestorerSpec(harts, payloadPosition, platform, vlen, restoreFloat, on, restoreHypervisor,
        descriptor, descriptorOffset, parkHart);
  }

  public RestorerSpec withHypervisor(boolean on) {
    return new RestorerSpec(harts, payloadPosition, platform, vlen, restoreFloat, restoreVector, on,
        descriptor, descriptorOffset, parkHart);
  }

  public RestorerSpec withPlatform(PlatformProfile p) {
    return new RestorerSpec(harts, payloadPosition, p, vlen, restoreFloat, restoreVector, restoreHypervisor,
        descriptor, descriptorOffset, parkHart);
  }

  /** Debug: hart {@code hart} parks in a wfi loop instead of restoring. */
  public RestorerSpec withParkHart(int hart) {
    return new RestorerSpec(harts, payloadPosition, platform, vlen, restoreFloat, restoreVector, restoreHypervisor,
        descriptor, descriptorOffset, OptionalInt.of(hart));
  }

  /** Offset of hart {@code hart}'s core base from the restorer base. */
  public long coreBase(int hart) {
    return descriptorOffset + descriptor.coreBase(hart);
  }

  /** Lowest offset (from the restorer base) the restorer must stay below. */
  public long limit() {
    return Math.min(descriptorOffset, coreBase(0) + descriptor.layout().start());
  }

  /** Same as {@link #SAVED_M_MODE_NOTE}: what a hart saved in M-mode loses on restore. */
  public String savedMachineModeNote() {
    return SAVED_M_MODE_NOTE;
  }

  /** What this restorer does not restore, one line each (for manifests). */
  public List<String> notRestored() {
    List<String> out = new ArrayList<>();
    if (!restoreFloat) {
      out.add("f0..f31, fcsr (float restore off)");
    }
    if (!restoreVector) {
      out.add("v0..v31, vtype, vl, vstart, vxrm, vxsat (vector restore off)");
    }
    if (!restoreHypervisor) {
      out.add("hypervisor and VS CSRs, mtval2, mtinst (hypervisor restore off)");
    }
    if (!platform.sstc()) {
      out.add("stimecmp" + (restoreHypervisor ? ", vstimecmp" : "") + " (platform " + platform.name() + " has no Sstc)");
    }
    out.add("misa (deliberately not written)");
    out.add("mcycle, minstret, mhpmcounter*, mhpmevent*, mcountinhibit");
    out.add("mstatus.MPRV and mstatus.MIE are written as 0; mret sets MIE from MPIE and clears MPRV unless MPP is M");
    out.add("pmpcfg0/2 and pmpaddr0..15 are restored last among the CSRs; pmpaddr16..63 are not restored");
    out.add(SAVED_M_MODE_NOTE);
    return out;
  }
}
