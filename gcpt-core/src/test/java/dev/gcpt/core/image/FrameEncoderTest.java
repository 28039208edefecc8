package dev.gcpt.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import dev.gcpt.core.codec.Codec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FrameEncoderTest {
  private static final int PAGE = 4096;
  private static final int FRAME = 2 << 20;

  /** Pages: zeros first, then data, small integers, zeros again, data to the end. */
  private static byte[] sample(int length, long seed) {
    byte[] b = new byte[length];
    Random r = new Random(seed);
    for (int p = length / 8; p < length; p += PAGE) {
      int kind = r.nextInt(4);
      for (int i = p; i < Math.min(length, p + PAGE); i++) {
        b[i] = switch (kind) {
          case 0 -> (byte) r.nextInt();
          case 1 -> (byte) (i % 8 == 0 ? r.nextInt(16) : 0);
          default -> 0;
        };
      }
    }
    return b;
  }

  private static byte[] sliced(FrameEncoder e, byte[] data, int declared, boolean mayEndShort, int... slicePages) {
    e.begin(declared, mayEndShort);
    int off = 0;
    for (int i = 0; off < data.length; i++) {
      int n = Math.min(slicePages[i % slicePages.length] * PAGE, data.length - off);
      e.add(data, off, n);
      off += n;
    }
    return e.finish().compressed();
  }

  private static byte[] decode(Codec codec, byte[] frame) throws IOException {
    if (codec == Codec.ZSTD) {
      assertEquals(frame.length, Zstd.findFrameCompressedSize(frame));
      return Zstd.decompress(frame, Math.toIntExact(Zstd.getFrameContentSize(frame)));
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(frame))) {
      return in.readAllBytes();
    }
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void bytesDoNotDependOnHowTheFrameIsSliced(Codec codec) throws IOException {
    byte[] data = sample(FRAME, 1);
    try (FrameEncoder e = new FrameEncoder(codec, codec == Codec.ZSTD ? 1 : 6)) {
      byte[] whole = e.encode(data, 0, data.length);
      assertArrayEquals(data, decode(codec, whole));
      assertArrayEquals(whole, sliced(e, data, FRAME, false, 1));
      assertArrayEquals(whole, sliced(e, data, FRAME, false, 3, 64, 7));
      assertArrayEquals(whole, sliced(e, data, FRAME, false, FRAME / PAGE));
      assertArrayEquals(whole, sliced(e, data, FRAME, true, 32));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void aFrameThatEndsShortIsTheFrameOfWhatArrived(Codec codec) throws IOException {
    try (FrameEncoder e = new FrameEncoder(codec, codec == Codec.ZSTD ? 1 : 6);
        FrameEncoder fresh = new FrameEncoder(codec, codec == Codec.ZSTD ? 1 : 6)) {
      for (int length : new int[] {PAGE, 5 * PAGE + 17, FRAME / 2, FRAME - PAGE, FRAME - 1}) {
        byte[] data = sample(length, length);
        byte[] expected = fresh.encode(data, 0, data.length);
        byte[] got = sliced(e, data, FRAME, true, 32);
        assertArrayEquals(expected, got, "length " + length);
        assertArrayEquals(data, decode(codec, got));
      }
      byte[] zeros = new byte[FRAME / 2];
      assertArrayEquals(fresh.encode(zeros, 0, zeros.length), sliced(e, zeros, FRAME, true, 32));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void pageDigestsMatchTheBodyDigestsPages(Codec codec) {
    byte[] data = sample(FRAME - 100, 3);
    try (FrameEncoder e = new FrameEncoder(codec, 1)) {
      e.begin(FRAME, true);
      e.add(data, 0, 32 * PAGE);
      e.add(data, 32 * PAGE, data.length - 32 * PAGE);
      assertArrayEquals(PagedCrcReference.checks(data), e.finish().pageChecks());
    }
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void allZeroFramesReuseTheirBytes(Codec codec) {
    byte[] zeros = new byte[FRAME];
    try (FrameEncoder e = new FrameEncoder(codec, 1); FrameEncoder fresh = new FrameEncoder(codec, 1)) {
      e.begin(FRAME, false);
      e.add(zeros, 0, FRAME);
      ImageWriter.FrameResult first = e.finish();
      assertArrayEquals(fresh.encode(zeros, 0, FRAME), first.compressed());
      e.begin(FRAME, false);
      e.add(zeros, 0, FRAME);
      assertSame(first.compressed(), e.finish().compressed());
      // a shorter all-zero frame (an image's last) does not evict the full frame's bytes
      e.begin(FRAME, true);
      e.add(zeros, 0, FRAME / 2);
      assertArrayEquals(fresh.encode(zeros, 0, FRAME / 2), e.finish().compressed());
      e.begin(FRAME, false);
      e.add(zeros, 0, FRAME);
      assertSame(first.compressed(), e.finish().compressed());
      // leading zeros fed late give the bytes of zeros fed at once
      byte[] data = new byte[FRAME];
      data[FRAME - 1] = 7;
      assertArrayEquals(fresh.encode(data, 0, FRAME), sliced(e, data, FRAME, false, 32));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void anAbortedFrameLeavesTheEncoderReady(Codec codec) {
    byte[] data = sample(FRAME, 4);
    try (FrameEncoder e = new FrameEncoder(codec, 1); FrameEncoder fresh = new FrameEncoder(codec, 1)) {
      e.begin(FRAME, false);
      e.add(data, 0, FRAME / 2);
      assertTrue(e.isOpen());
      e.abort();
      assertFalse(e.isOpen());
      assertArrayEquals(fresh.encode(data, 0, FRAME), e.encode(data, 0, FRAME));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void misuseFailsLoudly(Codec codec) {
    byte[] data = sample(FRAME, 5);
    try (FrameEncoder e = new FrameEncoder(codec, 1)) {
      assertThrows(IllegalStateException.class, () -> e.add(data, 0, PAGE));
      e.begin(PAGE * 4, false);
      assertThrows(IllegalStateException.class, () -> e.begin(PAGE, false));
      e.add(data, 0, 100);
      IllegalStateException after = assertThrows(IllegalStateException.class, () -> e.add(data, 0, PAGE));
      assertEquals("bytes added after a partial page", after.getMessage());
      e.abort();
      e.begin(PAGE, false);
      assertThrows(IllegalStateException.class, () -> e.add(data, 0, 2 * PAGE));
      e.abort();
      if (codec == Codec.ZSTD) {
        e.begin(2 * PAGE, false);
        e.add(data, 0, PAGE);
        IllegalStateException shortFrame = assertThrows(IllegalStateException.class, e::finish);
        assertEquals("zstd frame declared as 8192 bytes ended after 4096", shortFrame.getMessage());
        e.abort();
      }
    }
  }
}
