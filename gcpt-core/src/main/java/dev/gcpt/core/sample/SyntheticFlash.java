package dev.gcpt.core.sample;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.gcpt.core.codec.Codec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * A synthetic flash checkpoint as NEMU's flash config writes one ({@code --store-cpt-in-flash},
 * docs/image-format.md "Flash checkpoints"), made from a V1 {@link SyntheticCheckpoint}: the
 * memory image is its image with the state window [0xECDB0, 0x100000) zeroed (the boot restorer at
 * 0 stays), the flash holds that window at the same offsets, zeros elsewhere, {@code flashLength}
 * bytes in all (NEMU: 256 MiB).
 */
public final class SyntheticFlash {
  /** Where the V1 state starts (its magic). */
  public static final int STATE_START = 0xECDB0;
  public static final int WINDOW = 0x10_0000;

  private SyntheticFlash() {}

  /** Writes the memory image of {@code cp} without its state. */
  public static void writeMemory(SyntheticCheckpoint cp, OutputStream out, Codec codec) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    cp.writeRaw(raw);
    byte[] b = raw.toByteArray();
    Arrays.fill(b, STATE_START, Math.min(WINDOW, b.length), (byte) 0);
    encode(b, out, codec);
  }

  /** Writes the flash of {@code cp}: its state window at the V1 offsets, {@code flashLength} bytes. */
  public static void writeFlash(SyntheticCheckpoint cp, long flashLength, OutputStream out, Codec codec)
      throws IOException {
    byte[] window = cp.window();
    byte[] head = new byte[WINDOW];
    System.arraycopy(window, STATE_START, head, STATE_START, Math.min(WINDOW, window.length) - STATE_START);
    OutputStream o = wrap(out, codec);
    o.write(head, 0, (int) Math.min(WINDOW, flashLength));
    byte[] zeros = new byte[1 << 16];
    for (long at = WINDOW; at < flashLength; at += zeros.length) {
      o.write(zeros, 0, (int) Math.min(zeros.length, flashLength - at));
    }
    finish(o, codec);
  }

  static void encode(byte[] b, OutputStream out, Codec codec) throws IOException {
    OutputStream o = wrap(out, codec);
    o.write(b);
    finish(o, codec);
  }

  private static OutputStream wrap(OutputStream out, Codec codec) throws IOException {
    return switch (codec) {
      case RAW -> out;
      case GZIP -> new GZIPOutputStream(out, 1 << 16);
      case ZSTD -> {
        ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, 1);
        z.setChecksum(true);
        yield z;
      }
    };
  }

  private static void finish(OutputStream o, Codec codec) throws IOException {
    switch (codec) {
      case RAW -> o.flush();
      case GZIP -> ((GZIPOutputStream) o).finish();
      case ZSTD -> o.close();
    }
  }
}
