package dev.gcpt.core.descriptor;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.proto.checkpoint_header;
import dev.gcpt.proto.single_core_rvgc_rvv_rvh_memlayout;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * LibCheckpoint's protobuf descriptor: a {@code checkpoint_header} and a
 * {@code single_core_rvgc_rvv_rvh_memlayout}, each nanopb null-terminated, back to back.
 *
 * <p>Core i's base is {@code descriptorStart + cptOffset + i * singleCoreSize}; every memlayout
 * value is an offset from that core base.
 */
public record Descriptor(
    long magic, long cptOffset, int cpuNum, long singleCoreSize, long version, StateLayout layout) {

  public Descriptor {
    if (cpuNum < 1 || cpuNum > Offsets.MAX_HARTS) {
      throw new IllegalArgumentException("cpu_num out of range 1.." + Offsets.MAX_HARTS + ": " + cpuNum);
    }
  }

  /** The encoded bytes: header, 0x00, memlayout, 0x00. */
  public byte[] encode() {
    checkpoint_header header = checkpoint_header.newBuilder()
        .setMagicNumber(magic)
        .setCptOffset(cptOffset)
        .setCpuNum(cpuNum)
        .setSingleCoreSize(singleCoreSize)
        .setVersion(version)
        .build();
    StateLayout l = layout;
    single_core_rvgc_rvv_rvh_memlayout mem = single_core_rvgc_rvv_rvh_memlayout.newBuilder()
        .setMagicNumberCptAddr(l.magic())
        .setPcCptAddr(l.pc())
        .setModeCptAddr(l.mode())
        .setMtimeCptAddr(l.mtime())
        .setMtimeCmpCptAddr(l.mtimecmp())
        .setMiscDoneCptAddr(l.miscDone())
        .setMiscReserve(l.miscReserve())
        .setIntRegCptAddr(l.intRegs())
        .setIntRegDone(l.intDone())
        .setFloatRegCptAddr(l.floatRegs())
        .setFloatRegDone(l.floatDone())
        .setCsrRegCptAddr(l.csrs())
        .setCsrRegDone(l.csrDone())
        .setCsrReserve(l.csrReserve())
        .setVectorRegCptAddr(l.vectorRegs())
        .setVectorRegDone(l.vectorDone())
        .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.writeBytes(NanopbFraming.frame(header.toByteArray()));
    out.writeBytes(NanopbFraming.frame(mem.toByteArray()));
    return out.toByteArray();
  }

  /** Offset of core {@code hart}'s base from the start of the descriptor. */
  public long coreBase(int hart) {
    return cptOffset + (long) hart * singleCoreSize;
  }

  /** A decoded descriptor and how many bytes it took (both terminators included). */
  public record Decoded(Descriptor descriptor, int length) {}

  /**
   * Decodes a descriptor at {@code start} in {@code buf}.
   *
   * @throws DescriptorException naming the offset, if the bytes are not a descriptor or the magic
   *     is not 0xDEADBEEF
   */
  public static Decoded decode(byte[] buf, int start, int limit) {
    int headerLen = NanopbFraming.messageLength(buf, start, limit);
    int memStart = start + headerLen + 1;
    int memLen = NanopbFraming.messageLength(buf, memStart, limit);
    checkpoint_header h;
    single_core_rvgc_rvv_rvh_memlayout m;
    try {
      h = checkpoint_header.parseFrom(Arrays.copyOfRange(buf, start, start + headerLen));
    } catch (InvalidProtocolBufferException e) {
      throw new DescriptorException("checkpoint_header does not decode: " + e.getMessage(), start);
    }
    try {
      m = single_core_rvgc_rvv_rvh_memlayout.parseFrom(Arrays.copyOfRange(buf, memStart, memStart + memLen));
    } catch (InvalidProtocolBufferException e) {
      throw new DescriptorException("memlayout does not decode: " + e.getMessage(), memStart);
    }
    if (h.getMagicNumber() != Offsets.HEADER_MAGIC) {
      throw new DescriptorException("header magic is 0x" + Long.toHexString(h.getMagicNumber())
          + ", expected 0xdeadbeef", start);
    }
    if (h.getCpuNum() < 1 || h.getCpuNum() > Offsets.MAX_HARTS) {
      throw new DescriptorException("cpu_num " + Long.toUnsignedString(h.getCpuNum())
          + " is outside 1.." + Offsets.MAX_HARTS, start);
    }
    StateLayout layout = new StateLayout(
        m.getMagicNumberCptAddr(), m.getPcCptAddr(), m.getModeCptAddr(), m.getMtimeCptAddr(),
        m.getMtimeCmpCptAddr(), m.getMiscDoneCptAddr(), m.getMiscReserve(), m.getIntRegCptAddr(),
        m.getIntRegDone(), m.getFloatRegCptAddr(), m.getFloatRegDone(), m.getCsrRegCptAddr(),
        m.getCsrRegDone(), m.getCsrReserve(), m.getVectorRegCptAddr(), m.getVectorRegDone());
    Descriptor d = new Descriptor(h.getMagicNumber(), h.getCptOffset(), (int) h.getCpuNum(),
        h.getSingleCoreSize(), h.getVersion(), layout);
    return new Decoded(d, memStart + memLen + 1 - start);
  }
}
