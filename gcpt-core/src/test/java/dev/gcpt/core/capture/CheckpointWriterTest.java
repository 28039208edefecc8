package dev.gcpt.core.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import dev.gcpt.core.state.HartState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CheckpointWriterTest {
  static final long W = 0x200000;
  static final long RAM = 0x900000;

  /** RAM as a guest with firmware below W and data above the window would leave it. */
  static byte[] ram(long windowLength) {
    byte[] r = new byte[(int) RAM];
    Random rnd = new Random(5);
    byte[] low = new byte[(int) W];
    rnd.nextBytes(low);
    System.arraycopy(low, 0, r, 0, low.length);
    for (int i = (int) (W + windowLength); i < r.length; i += 4096) {
      r[i] = (byte) (i >>> 12);
    }
    return r;
  }

  static List<HartState> harts(int n) {
    return SyntheticCheckpoint.builder().variant(n == 1 ? Variant.V1 : Variant.V2).harts(n).vectorState(true)
        .imageLength(0x800000).build().harts();
  }

  @ParameterizedTest(name = "{0} hart(s), {1}, window base {2}")
  @CsvSource({"1, zstd, 0x200000", "3, gz, 0x200000", "2, raw, 0", "1, raw, 0"})
  void readsBackAsTheSameHartsWithTheRestOfRamUnchanged(int n, String codec, String base) throws Exception {
    long w = Long.decode(base);
    List<HartState> harts = harts(n);
    long windowLength = CheckpointWriter.windowLength(n);
    byte[] ram = w == 0 ? new byte[(int) RAM] : ram(windowLength);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CheckpointWriter.Written written = CheckpointWriter.write(new ByteArrayInputStream(ram), RAM, w, harts,
        Codec.fromCliName(codec), 3, false, out);
    assertEquals(n == 1 ? Variant.V1 : Variant.V2, written.variant());
    assertEquals(n == 1 ? 0x100000 : 0x300000 + n * 0x100000L, written.windowLength());
    assertEquals(out.size(), written.compressedLength());
    try (OpenCheckpoint cp = CheckpointReader.open(new ByteArrayInputStream(out.toByteArray()), "cpt",
        CheckpointReader.Options.DEFAULT.withWindowBase(w))) {
      assertEquals(written.variant(), cp.variant());
      assertEquals(harts, cp.harts());
      assertArrayEquals(Arrays.copyOf(ram, (int) w), cp.prefix());
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      assertEquals(RAM, cp.drain(rest));
      assertArrayEquals(Arrays.copyOfRange(ram, (int) (w + cp.windowLength()), ram.length), rest.toByteArray());
      byte[] window = cp.window();
      assertEquals(0, window[0], "the restorer's area is zero");
    }
  }

  @Test
  void usedRamInTheWindowIsRefusedUnlessForced() throws Exception {
    byte[] ram = ram(0x100000);
    ram[(int) W + 0x1234] = 7;
    CaptureException e = assertThrows(CaptureException.class, () -> CheckpointWriter.write(new ByteArrayInputStream(ram),
        RAM, W, harts(1), Codec.RAW, 0, false, new ByteArrayOutputStream()));
    assertTrue(e.getMessage().contains("DRAM offset 0x201234 (physical 0x80201234) is not zero"), e.getMessage());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CheckpointWriter.write(new ByteArrayInputStream(ram), RAM, W, harts(1), Codec.RAW, 0, true, out);
    assertEquals(RAM, out.size());
  }

  @Test
  void aWindowBeyondRamOrAShortDumpIsRefused() {
    CaptureException e = assertThrows(CaptureException.class, () -> CheckpointWriter.write(
        new ByteArrayInputStream(new byte[0x400000]), 0x400000, W, harts(2), Codec.RAW, 0, false,
        new ByteArrayOutputStream()));
    assertEquals("the V2 window for 2 hart(s) needs [0x200000, 0x700000) of DRAM but the machine has 0x400000 bytes"
        + " of RAM", e.getMessage());
    IOException io = assertThrows(IOException.class, () -> CheckpointWriter.write(
        new ByteArrayInputStream(new byte[0x300000]), RAM, 0, harts(1), Codec.RAW, 0, false, new ByteArrayOutputStream()));
    assertTrue(io.getMessage().startsWith("the RAM dump ended early"), io.getMessage());
  }
}
