package dev.gcpt.core.flash;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.image.Sha256;
import dev.gcpt.core.io.PassThroughInputStream;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.CheckpointException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Flash checkpoints (docs/image-format.md "Flash checkpoints"): NEMU built with
 * {@code riscv64-xs-cpt-with-flash_defconfig} and run with {@code --store-cpt-in-flash} writes the
 * hart state at the V1 offsets from the flash base (0x1000_0000) into its flash device, and dumps
 * the whole flash (256 MiB, one zstd frame or gzip stream) as {@code _flash_} beside the
 * {@code _memory_} image, whose reserved window then holds no state.
 *
 * <p>A bundle of such a point carries two images:
 * <ul>
 *   <li>the <b>memory image</b>: DRAM with the flash's state copied into the reserved window
 *       ({@link #memoryWithState}), so it is a V1 image that normalizes as any other and restores
 *       on its own in every simulator that takes one image (NEMU, whose flash config resets at
 *       0x8000_0000; XS-GEM5; the emu without {@code -F});</li>
 *   <li>the <b>flash image</b>: the first {@value #IMAGE_LENGTH} bytes of flash, normalized the same
 *       way (restorer at the flash base, descriptor at 0xEC000, the state where NEMU put it), whose
 *       restorer executes in place ({@code PlatformProfile.inFlashAt}): what XiangShan, which
 *       resets into its flash, runs.</li>
 * </ul>
 * Plain Java; the bundle writer ({@code BundleBuilder}) calls it.
 */
public final class FlashCheckpoint {
  /** Where XiangShan and NEMU map their flash ({@code CONFIG_FLASH_START_ADDR}). */
  public static final long FLASH_BASE = 0x1000_0000L;
  /**
   * Bytes of flash a bundle's flash image holds: the reserved window (restorer, descriptor, state).
   * Also the XiangShan emu's default flash size (difftest {@code DEFAULT_EMU_FLASH_SIZE}): its
   * loader refuses a compressed flash image that decompresses to more ({@code readFromZstd}: "Binary
   * size larger than memory"), so NEMU's own 256 MiB flash files do not load in a default emu.
   */
  public static final int IMAGE_LENGTH = 0x10_0000;
  /** Where the V1 state starts (its magic); the copy into DRAM takes [STATE_START, IMAGE_LENGTH). */
  static final int STATE_START = (int) StateLayout.RVGCVH.magic();
  private static final int JAL_OPCODE = 0x6F;
  private static final int SCAN = 1 << 16;
  private static final byte[] ZEROS = new byte[SCAN];

  private FlashCheckpoint() {}

  /**
   * A flash file, read: its first {@value #IMAGE_LENGTH} bytes (zeros past a shorter file, as in
   * the simulators' flash) and what the manifest says of the file.
   */
  public record FlashSource(String name, Codec codec, byte[] window, long rawLength, long compressedLength,
      String sha256) {
    /** Whether the window holds V1 state (magic 0xBEEF at 0xECDB0), as NEMU writes it. */
    public boolean hasState() {
      return u64(window, STATE_START) == Offsets.STATE_MAGIC;
    }

    /** Whether the window starts with a restorer (a JAL at 0, as a gcpt flash image does). */
    public boolean hasRestorer() {
      return (u32(window, 0) & 0x7F) == JAL_OPCODE;
    }
  }

  /**
   * Reads a flash file (gzip, zstd or raw, by magic). Everything past {@value #IMAGE_LENGTH} must be
   * zero: a bundle's flash image does not carry it.
   *
   * @throws CheckpointException a corrupt or truncated file, data past the window, or no state
   */
  public static FlashSource read(InputStream raw, String name, long maxRawBytes) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    PassThroughInputStream counted = PassThroughInputStream.digesting(raw, digest);
    byte[] window;
    long rawLength;
    Codec codec;
    try (DecodedStream in = DecodedStream.open(counted, name, maxRawBytes)) {
      codec = in.codec();
      window = in.readNBytes(IMAGE_LENGTH);
      rawLength = window.length;
      byte[] buf = new byte[SCAN];
      int n;
      while ((n = in.read(buf, 0, buf.length)) >= 0) {
        int i = Arrays.mismatch(buf, 0, n, ZEROS, 0, n); // vectorized: the 255 MiB of zeros cost little
        if (i >= 0) {
          throw new CheckpointException(Reason.INCONSISTENT, name + ": the flash holds data at offset 0x"
              + Long.toHexString(rawLength + i) + " (byte 0x" + Integer.toHexString(buf[i] & 0xFF) + "), past the"
              + " first 0x" + Integer.toHexString(IMAGE_LENGTH) + " bytes (restorer, descriptor, state) that a"
              + " bundle's flash image holds");
        }
        rawLength += n;
      }
      counted.drain();
    } catch (CheckpointException e) {
      throw e;
    } catch (dev.gcpt.core.codec.CodecException e) {
      throw CheckpointReader.asCheckpointException(name, e);
    }
    if (rawLength == 0) {
      throw new CheckpointException(Reason.EMPTY, name + ": empty flash image");
    }
    FlashSource s = new FlashSource(name, codec, Arrays.copyOf(window, IMAGE_LENGTH), rawLength, counted.count(),
        Sha256.hex(digest));
    if (!s.hasState()) {
      throw new CheckpointException(Reason.NOT_A_CHECKPOINT, name + ": no hart state in the flash (u64 at flash offset"
          + " 0x" + Integer.toHexString(STATE_START) + " is 0x" + Long.toHexString(u64(s.window(), STATE_START))
          + ", not the magic 0xbeef): not a flash checkpoint (taken without --store-cpt-in-flash?)");
    }
    return s;
  }

  /**
   * The memory image of a flash checkpoint with the flash's state copied into its reserved window
   * (DRAM [0xECDB0, 0x100000)), as a raw stream the checkpoint reader takes as a V1 image.
   *
   * <p>Refused (with the offset) when that part of DRAM is not free: the memory image's window must
   * be reserved, as it is when the workload was booted through a restorer (a JAL at 0, the payload
   * at 0x100000), and hold nothing at the state offsets. A memory image that holds state of its
   * own is refused too: which state is the checkpoint's would be a guess.
   *
   * @param memory the memory image's decoded bytes, from offset 0; closed with the stream returned
   */
  public static InputStream memoryWithState(InputStream memory, String memoryName, FlashSource flash)
      throws IOException {
    byte[] head = memory.readNBytes(IMAGE_LENGTH);
    if (head.length < 8 || (u32(head, 0) & 0x7F) != JAL_OPCODE) {
      throw new CheckpointException(Reason.NOT_A_CHECKPOINT, memoryName + ": the memory image of a flash checkpoint"
          + " must start with a restorer (a JAL at offset 0, the workload at 0x100000) for its reserved window to"
          + " take the state; word 0 is " + (head.length < 4 ? "missing" : "0x" + Integer.toHexString(u32(head, 0)))
          + " (a workload linked into the window runs from flash only, which gcpt does not bundle yet)");
    }
    int end = Math.min(head.length, IMAGE_LENGTH);
    for (int i = STATE_START; i < end; i++) {
      if (head[i] != 0) {
        throw new CheckpointException(Reason.INCONSISTENT, memoryName + ": DRAM offset 0x" + Integer.toHexString(i)
            + " holds 0x" + Integer.toHexString(head[i] & 0xFF) + " where the flash's hart state ("
            + flash.name() + ") would be copied: the window [0x" + Integer.toHexString(STATE_START) + ", 0x"
            + Integer.toHexString(IMAGE_LENGTH) + ") of a flash checkpoint's memory must be free");
      }
    }
    byte[] merged = Arrays.copyOf(head, IMAGE_LENGTH);
    System.arraycopy(flash.window(), STATE_START, merged, STATE_START, IMAGE_LENGTH - STATE_START);
    if (head.length < IMAGE_LENGTH) {
      memory.close();
      return new ByteArrayInputStream(merged); // the memory image ended inside the window
    }
    // SequenceInputStream closes each stream it exhausts, but the caller may still drain memory
    // (to hash the file's last bytes): it is closed with the merged stream only
    InputStream keptOpen = new java.io.FilterInputStream(memory) {
      @Override
      public void close() {}
    };
    return new java.io.FilterInputStream(new SequenceInputStream(new ByteArrayInputStream(merged), keptOpen)) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          memory.close();
        }
      }
    };
  }

  /**
   * The flash image's file name beside a memory image named {@code memoryImage}: NEMU's
   * convention, {@code _memory_} replaced by {@code _flash_} ({@code _77_0.31_memory_.zstd} →
   * {@code _77_0.31_flash_.zstd}); other names get {@code .flash} before their codec suffix.
   */
  public static String flashFileName(String memoryImage) {
    int at = memoryImage.lastIndexOf("_memory_");
    if (at >= 0) {
      return memoryImage.substring(0, at) + "_flash_" + memoryImage.substring(at + "_memory_".length());
    }
    int dot = memoryImage.lastIndexOf('.');
    return dot > 0 ? memoryImage.substring(0, dot) + ".flash" + memoryImage.substring(dot) : memoryImage + ".flash";
  }

  static long u64(byte[] b, int off) {
    return off + 8 <= b.length ? ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off) : 0;
  }

  static int u32(byte[] b, int off) {
    return off + 4 <= b.length ? ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(off) : 0;
  }
}
