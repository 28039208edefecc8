package dev.gcpt.core.capture;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.state.HartState;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a captured checkpoint: guest RAM from 0x8000_0000, streamed from a RAM dump, with the
 * producers' state window at DRAM offset W (the window base) — a V1 image for one hart, V2 for
 * several — compressed as one zstd frame (or gzip, or raw). Only the window is held in memory.
 *
 * <pre>
 * DRAM offset                      content
 * [0, W)                           the guest's RAM as dumped (resident firmware, ...)
 * W + 0xECDB0 (V1)                 hart 0's state, V1 layout (magic 0xBEEF, pc, mode, ...)
 * W + 0x300000 + i MiB + 0xECDB0   hart i's state (V2), mtimecmp of hart i at +0xECDD0 + 8*i
 * rest of [W, W + window)          zeros (the restorer's area, unused V2 blocks)
 * [W + window, RAM size)           the guest's RAM as dumped
 * </pre>
 *
 * With W = 0 this is exactly what NEMU (V1) and XiangShan's QEMU fork (V2) write. The window
 * overwrites guest RAM, so the dump must hold zeros there (RAM nobody used) unless the caller
 * says otherwise.
 */
public final class CheckpointWriter {
  private CheckpointWriter() {}

  private static final int COPY_BUFFER = 1 << 20;

  /** What was written. */
  public record Written(Variant variant, long windowBase, long windowLength, long rawLength, long compressedLength) {}

  /** V1 for one hart, V2 for several. */
  public static Variant variantFor(int harts) {
    return harts == 1 ? Variant.V1 : Variant.V2;
  }

  /** Length of the window for {@code harts} harts: 1 MiB (V1), 3 MiB + 1 MiB per hart (V2). */
  public static long windowLength(int harts) {
    return harts == 1 ? Offsets.CORE_BLOCK : Offsets.V2_FIRST_BLOCK + harts * Offsets.CORE_BLOCK;
  }

  /** Core base of hart {@code hart} inside the window. */
  public static long coreBase(int harts, int hart) {
    return harts == 1 ? 0 : Offsets.V2_FIRST_BLOCK + hart * Offsets.CORE_BLOCK;
  }

  /** The window bytes: zeros with every hart's state at its core base (csr_reserve = hart count). */
  public static byte[] window(List<HartState> harts) {
    if (harts.isEmpty() || harts.size() > Offsets.MAX_HARTS) {
      throw new IllegalArgumentException("1.." + Offsets.MAX_HARTS + " harts, got " + harts.size());
    }
    byte[] w = new byte[Math.toIntExact(windowLength(harts.size()))];
    ByteBuffer b = ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < harts.size(); i++) {
      HartState h = harts.get(i);
      if (h.hart() != i) {
        throw new IllegalArgumentException("harts must be in order 0..n-1; position " + i + " holds hart " + h.hart());
      }
      h.write(b, coreBase(harts.size(), i), StateLayout.RVGCVH, Offsets.STATE_MAGIC, harts.size());
    }
    return w;
  }

  /**
   * Streams {@code ramSize} bytes of {@code ram} to {@code out} through {@code codec}, replacing
   * [W, W + window) with the harts' window; closes {@code out} (the encoder's end of frame).
   *
   * @param allowNonZeroWindow overwrite guest RAM in the window even where it is not zero
   * @throws CaptureException when the window does not fit in RAM or the guest used its RAM
   */
  public static Written write(InputStream ram, long ramSize, long windowBase, List<HartState> harts, Codec codec,
      int level, boolean allowNonZeroWindow, OutputStream out) throws IOException, CaptureException {
    byte[] window = window(harts);
    if (windowBase < 0 || windowBase % Offsets.WINDOW_ALIGN != 0) {
      throw new IllegalArgumentException("window base must be a non-negative multiple of 0x"
          + Long.toHexString(Offsets.WINDOW_ALIGN) + ": 0x" + Long.toHexString(windowBase));
    }
    if (windowBase + window.length > ramSize) {
      throw new CaptureException(String.format("the %s window for %d hart(s) needs [0x%x, 0x%x) of DRAM but the"
          + " machine has 0x%x bytes of RAM", variantFor(harts.size()), harts.size(), windowBase,
          windowBase + window.length, ramSize));
    }
    CountingStream counted = new CountingStream(out);
    try (OutputStream enc = encoder(codec, level, counted)) {
      byte[] buf = new byte[COPY_BUFFER];
      copy(ram, enc, windowBase, buf);
      long firstNonZero = -1;
      long left = window.length;
      long at = windowBase;
      while (left > 0) {
        int n = readFully(ram, buf, (int) Math.min(buf.length, left), at);
        for (int i = 0; i < n && firstNonZero < 0; i++) {
          if (buf[i] != 0) {
            firstNonZero = at + i;
          }
        }
        at += n;
        left -= n;
      }
      if (firstNonZero >= 0 && !allowNonZeroWindow) {
        throw new CaptureException(String.format("guest RAM in the reserved window [0x%x, 0x%x) is in use: byte at"
            + " DRAM offset 0x%x (physical 0x%x) is not zero. The window would overwrite it; pick another window"
            + " base (--window-base or the platform profile), reserve the window in the guest, or force it",
            windowBase, windowBase + window.length, firstNonZero, Offsets.DRAM_BASE + firstNonZero));
      }
      enc.write(window);
      copy(ram, enc, ramSize - windowBase - window.length, buf);
      if (ram.read() >= 0) {
        throw new IOException("the RAM dump is longer than the machine's RAM (0x" + Long.toHexString(ramSize) + ")");
      }
    }
    return new Written(variantFor(harts.size()), windowBase, window.length, ramSize, counted.count);
  }

  private static void copy(InputStream in, OutputStream out, long length, byte[] buf) throws IOException {
    long left = length;
    long at = 0;
    while (left > 0) {
      int n = readFully(in, buf, (int) Math.min(buf.length, left), at);
      out.write(buf, 0, n);
      left -= n;
      at += n;
    }
  }

  private static int readFully(InputStream in, byte[] buf, int len, long at) throws IOException {
    int got = in.readNBytes(buf, 0, len);
    if (got < len) {
      throw new IOException("the RAM dump ended early (" + got + " of " + len + " bytes read near 0x"
          + Long.toHexString(at) + ")");
    }
    return got;
  }

  private static OutputStream encoder(Codec codec, int level, OutputStream out) throws IOException {
    return switch (codec) {
      case ZSTD -> {
        ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, level);
        z.setChecksum(true);
        yield z;
      }
      case GZIP -> new GZIPOutputStream(out, 1 << 16) {
        {
          def.setLevel(Math.max(Deflater.BEST_SPEED, Math.min(level, Deflater.BEST_COMPRESSION)));
        }
      };
      case RAW -> new FilterOutputStream(out) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }
      };
    };
  }

  /** Counts the bytes written through it. */
  private static final class CountingStream extends FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
