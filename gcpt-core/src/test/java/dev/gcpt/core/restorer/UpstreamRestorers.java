package dev.gcpt.core.restorer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Byte-faithful stand-ins for the upstream gcpt.bin files, built from the facts of their builds
 * (NEMU cc2dd3dd's resource/gcpt_restore = LibCheckpointAlpha 58019e35 and resource/LibCheckpoint =
 * LibCheckpoint 2115c400, built with riscv64-unknown-elf-gcc 12): the words every loader and
 * {@link ExternalRestorer} look at are the real ones, the code in between is {@code nop}s.
 */
public final class UpstreamRestorers {
  private UpstreamRestorers() {}

  private static final int NOP = 0x00000013;

  /** LibCheckpointAlpha's size word. */
  public static final int ALPHA_SIZE = 0xC00;
  /** Where LibCheckpointAlpha's 0xCAFF flag is: the end of its code, 8-aligned. */
  public static final int ALPHA_FLAG = 0x8B0;
  /** LibCheckpointAlpha's file: the restorer, zeros, its default payload (wfi; j .-4) at 0x100000. */
  public static final int ALPHA_FILE_LENGTH = 1_048_600;

  /** LibCheckpoint's size word (557,088: code, data and 128 4-KiB stacks). */
  public static final int LIBCHECKPOINT_SIZE = 0x88020;
  /** LibCheckpoint's file length (its default payload, li a0,1; ret, at 0x100000). */
  public static final int LIBCHECKPOINT_FILE_LENGTH = 1_048_584;

  /**
   * LibCheckpointAlpha's gcpt.bin: {@code j 0x20} at 0, size 0xc00 at 4, get_restorer_entry_pc at
   * 0x10 ({@code auipc s1,0; li t1,0x10; sub s1,s1,t1; ret}), code from 0x20, the 0xCAFF flag and a
   * zero word at 0x8b0, zero padding to 0xc00, its payload at 0x100000.
   */
  public static byte[] libCheckpointAlpha() {
    ByteBuffer b = ByteBuffer.allocate(ALPHA_FILE_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x0200006F); // j boot_decide_vector (0x20)
    b.putInt(4, ALPHA_SIZE);
    b.putInt(0x10, 0x00000497).putInt(0x14, 0x01000313).putInt(0x18, 0x406484B3).putInt(0x1C, 0x00008067);
    for (int at = 0x20; at < ALPHA_FLAG; at += 4) {
      b.putInt(at, NOP);
    }
    b.putInt(0x8A8, 0x30200073); // mret, the last instruction
    b.putInt(ALPHA_FLAG, 0xCAFF);
    b.putInt(0x100000, 0x10500073).putInt(0x100004, 0xFFDFF06F); // wfi; j payload_bin
    return b.array();
  }

  /**
   * LibCheckpoint's gcpt.bin: {@code j 0x18} at 0, size 0x88020, get_restorer_entry_pc at 0x8
   * ({@code auipc t0,0; li t1,8; sub t0,t0,t1; ret}), the 0xCAFF flag and a zero word at size - 8;
   * built in protobuf mode (the default) its read-only data holds the message its header-decoding
   * branch prints ({@link ExternalRestorer#LIBCHECKPOINT_PROTOBUF_MARKER}).
   */
  public static byte[] libCheckpoint(boolean protobufMode) {
    ByteBuffer b = ByteBuffer.allocate(LIBCHECKPOINT_FILE_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x0180006F); // j boot_check (0x18)
    b.putInt(4, LIBCHECKPOINT_SIZE);
    b.putInt(0x8, 0x00000297).putInt(0xC, 0x00800313).putInt(0x10, 0x406282B3).putInt(0x14, 0x00008067);
    for (int at = 0x18; at < 0x4000; at += 4) {
      b.putInt(at, NOP);
    }
    b.put(0x4210, "Hello, gcpt at cpu %d start address %lx\n\0".getBytes(StandardCharsets.US_ASCII));
    if (protobufMode) {
      b.put(0x42C8, "Decode header from device failed or get magic number failed\n\0"
          .getBytes(StandardCharsets.US_ASCII));
    }
    b.putInt(LIBCHECKPOINT_SIZE - 8, 0xCAFF);
    b.putInt(0x100000, 0x00100513).putInt(0x100004, 0x00008067); // li a0, 1; ret
    return b.array();
  }
}
