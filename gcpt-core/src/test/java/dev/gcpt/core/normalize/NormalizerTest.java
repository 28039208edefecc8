package dev.gcpt.core.normalize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import dev.gcpt.core.state.HartState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class NormalizerTest {
  /** A stand-in restorer: j +8, size word, body, 0xCAFF, 0. */
  static byte[] fakeRestorer(int size) {
    byte[] r = new byte[size];
    ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x0080006F).putInt(4, size).putInt(size - 8, Offsets.RESTORER_FLAG);
    for (int i = 8; i < size - 8; i++) {
      r[i] = (byte) i;
    }
    return r;
  }

  static OpenCheckpoint open(byte[] raw) throws IOException {
    return CheckpointReader.open(new ByteArrayInputStream(raw), "mem://src", CheckpointReader.Options.DEFAULT);
  }

  static byte[] raw(SyntheticCheckpoint s) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    s.writeRaw(o);
    return o.toByteArray();
  }

  /** Normalizes and returns the full normalized image. */
  static byte[] normalize(byte[] src, byte[] restorer) throws IOException {
    try (OpenCheckpoint cp = open(src)) {
      NormalizedLayout nl = Normalizer.layoutFor(cp);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(Normalizer.window(cp, nl, restorer));
      cp.drain(out);
      return out.toByteArray();
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void normalizedImageReadsBackWithTheSameHarts(Variant v) throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(v).harts(v == Variant.V2 ? 4 : 1)
        .modes(0, 1, 3).vectorState(v != Variant.V0).nemuStyle(true).seed(5).build();
    byte[] src = raw(s);
    byte[] norm = normalize(src, fakeRestorer(0x400));
    assertEquals(src.length, norm.length);
    try (OpenCheckpoint cp = open(norm)) {
      assertEquals(v, cp.variant());
      long off = v == Variant.V0 ? Offsets.DESCRIPTOR_V0 : Offsets.DESCRIPTOR_RVGCVH;
      assertEquals(off, cp.normalizedDescriptorOffset().orElseThrow());
      assertEquals(s.harts().size(), cp.harts().size());
      for (int i = 0; i < s.harts().size(); i++) {
        HartState a = s.harts().get(i);
        HartState b = cp.harts().get(i);
        assertEquals(a.pc(), b.pc());
        assertEquals(a.mode(), b.mode());
        assertEquals(a.mtimecmp(), b.mtimecmp());
        assertArrayEquals(a.xs(), b.xs());
        assertArrayEquals(a.fs(), b.fs());
        assertArrayEquals(a.csrTable(), b.csrTable());
        if (v != Variant.V0) {
          assertArrayEquals(a.vregs(), b.vregs());
        }
      }
      assertEquals(0x400, cp.embeddedRestorer().orElseThrow().size());
      assertTrue(cp.embeddedRestorer().orElseThrow().complete());
      // csr_reserve = hart count (fixes NEMU's 0)
      ByteBuffer b = ByteBuffer.wrap(norm).order(ByteOrder.LITTLE_ENDIAN);
      Descriptor d = cp.sourceDescriptor().orElseThrow();
      for (int i = 0; i < d.cpuNum(); i++) {
        assertEquals(d.cpuNum(), b.getLong((int) (off + d.coreBase(i) + d.layout().csrReserve())));
      }
    }
    // outside the window, the source's bytes
    int window = v == Variant.V2 ? 0x700000 : 0x100000;
    assertArrayEquals(Arrays.copyOfRange(src, window, src.length), Arrays.copyOfRange(norm, window, norm.length));
  }

  @Test
  void v1StateStaysInPlaceAndDescriptorIsAtEc000() throws IOException {
    byte[] src = raw(SyntheticCheckpoint.builder().build());
    byte[] norm = normalize(src, fakeRestorer(0x100));
    // state bytes untouched except csr_reserve (0xF5FF8)
    assertArrayEquals(Arrays.copyOfRange(src, 0xECDB0, 0xF5FF8), Arrays.copyOfRange(norm, 0xECDB0, 0xF5FF8));
    Descriptor d = Descriptor.decode(norm, 0xEC000, 0xED000).descriptor();
    assertEquals(0, d.cptOffset());
    assertEquals(0xDB0, d.layout().magic());
    assertEquals(1, d.cpuNum());
  }

  @Test
  void v3HeaderIsReplacedAndStateDescribedInPlace() throws IOException {
    byte[] src = raw(SyntheticCheckpoint.builder().variant(Variant.V3).build());
    byte[] norm = normalize(src, fakeRestorer(0x40));
    assertEquals(0, norm[0x40]); // the old header's tail is cleared
    assertEquals(0, norm[0x61]);
    Descriptor d = Descriptor.decode(norm, 0xEC000, 0xED000).descriptor();
    assertEquals(0xA8, d.cptOffset());
    assertEquals(Offsets.VERSION_NEMU, d.version());
  }

  @Test
  void regeneratingWithAnotherRestorerEqualsBuildingFromScratch() throws IOException {
    byte[] src = raw(SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).build());
    byte[] first = normalize(src, fakeRestorer(0x800));
    byte[] again = normalize(first, fakeRestorer(0x200));
    assertArrayEquals(normalize(src, fakeRestorer(0x200)), again);
  }

  @Test
  void restorerLargerThanTheGapIsRefused() throws IOException {
    byte[] src = raw(SyntheticCheckpoint.builder().variant(Variant.V0).build());
    NormalizeException e = assertThrows(NormalizeException.class, () -> normalize(src, fakeRestorer(0x80000)));
    assertTrue(e.getMessage().contains("does not fit below the descriptor at 0x7f000"), e.getMessage());
  }

  @Test
  void deterministic() throws IOException {
    byte[] src = raw(SyntheticCheckpoint.builder().variant(Variant.V1).seed(9).build());
    assertArrayEquals(normalize(src, fakeRestorer(0x300)), normalize(src, fakeRestorer(0x300)));
  }
}
