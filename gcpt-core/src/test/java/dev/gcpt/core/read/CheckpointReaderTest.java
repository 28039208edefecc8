package dev.gcpt.core.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.read.CheckpointException.Reason;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import dev.gcpt.core.state.HartState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointReaderTest {
  static final CheckpointReader.Options OPT = CheckpointReader.Options.DEFAULT;

  static byte[] bytes(SyntheticCheckpoint s, Codec c) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.write(out, c);
    return out.toByteArray();
  }

  static OpenCheckpoint open(byte[] b) throws IOException {
    return CheckpointReader.open(new ByteArrayInputStream(b), "mem://test", OPT);
  }

  static Stream<Arguments> variantsAndCodecs() {
    return Stream.of(Variant.values()).flatMap(v -> Stream.of(Codec.values()).map(c -> Arguments.of(v, c)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("variantsAndCodecs")
  void readsEveryVariantThroughEveryCodec(Variant v, Codec c) throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(v).harts(v == Variant.V2 ? 3 : 1)
        .vectorState(v != Variant.V0).modes(1, 0, 3).seed(42).build();
    try (OpenCheckpoint cp = open(bytes(s, c))) {
      assertEquals(v, cp.variant());
      assertEquals(c, cp.codec());
      assertEquals(s.harts(), cp.harts());
      assertEquals(s.imageLength(), cp.drain(null));
      assertEquals(v == Variant.V2 ? 0x600000 : 0x100000, cp.windowLength());
    }
  }

  @Test
  void extensionsFollowMisaAndMstatus() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().floatState(false).vectorState(true).hypervisor(true).build();
    try (OpenCheckpoint cp = open(bytes(s, Codec.ZSTD))) {
      HartState h = cp.harts().get(0);
      assertFalse(h.hasFloat());
      assertTrue(h.hasVector());
      assertTrue(h.hasHypervisor());
      assertEquals(512, h.vregs().length);
    }
  }

  @Test
  void v2PerHartMtimecmpAndModes() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(Variant.V2).harts(4).modes(0, 1, 3, 1).build();
    try (OpenCheckpoint cp = open(bytes(s, Codec.RAW))) {
      assertEquals(List.of(0, 1, 3, 1), cp.harts().stream().map(HartState::mode).toList());
      for (int i = 0; i < 4; i++) {
        assertEquals(0x300000 + i * 0x100000L, cp.coreBase(i));
        assertEquals(s.harts().get(i).mtimecmp(), cp.harts().get(i).mtimecmp());
      }
      assertTrue(cp.notes().isEmpty(), cp.notes().toString());
    }
  }

  @Test
  void nemuStyleV1NotesZeroCsrReserve() throws IOException {
    try (OpenCheckpoint cp = open(bytes(SyntheticCheckpoint.builder().nemuStyle(true).build(), Codec.RAW))) {
      assertTrue(cp.notes().get(0).contains("csr_reserve hart count is 0"));
    }
  }

  @Test
  void v3KeepsItsDescriptor() throws IOException {
    try (OpenCheckpoint cp = open(bytes(SyntheticCheckpoint.builder().variant(Variant.V3).build(), Codec.GZIP))) {
      assertEquals(0xA8, cp.sourceDescriptor().orElseThrow().cptOffset());
      assertEquals(0xA8, cp.coreBase(0));
      assertTrue(cp.embeddedRestorer().isEmpty());
    }
  }

  @Test
  void restAndWindowTogetherAreTheImage() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().imageLength(3 << 20).build();
    byte[] raw = bytes(s, Codec.RAW);
    try (OpenCheckpoint cp = open(bytes(s, Codec.ZSTD))) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.write(cp.window());
      cp.drain(all);
      assertArrayEquals(raw, all.toByteArray());
      assertEquals(raw.length, cp.position());
    }
  }

  @Test
  void detectsEmbeddedRestorer() throws IOException {
    byte[] r = new byte[0x200];
    ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x0080006F); // j +8
    b.putInt(4, r.length);
    b.putInt(r.length - 4, 0xCAFF);
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().embeddedRestorer(r).build();
    try (OpenCheckpoint cp = open(bytes(s, Codec.RAW))) {
      EmbeddedRestorer e = cp.embeddedRestorer().orElseThrow();
      assertEquals(0x200, e.size());
      assertEquals(0x1FC, e.flagOffset());
      assertTrue(e.complete());
      assertEquals(64, e.sha256().length());
    }
  }

  /** A real NEMU checkpoint carries LibCheckpointAlpha: flag at 0x8b0, zero padding up to its size 0xc00. */
  @Test
  void libCheckpointAlphasRestorerIsComplete() throws IOException {
    byte[] alpha = java.util.Arrays.copyOf(dev.gcpt.core.restorer.UpstreamRestorers.libCheckpointAlpha(), 0xC00);
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().embeddedRestorer(alpha).build();
    try (OpenCheckpoint cp = open(bytes(s, Codec.ZSTD))) {
      EmbeddedRestorer e = cp.embeddedRestorer().orElseThrow();
      assertEquals(0xC00, e.size());
      assertTrue(e.complete());
      assertEquals(0x8B0, e.flagOffset());
      assertEquals("LibCheckpointAlpha", e.kind());
    }
    alpha[0x8B0] = 0; // a partial copy: the flag is missing
    try (OpenCheckpoint cp = open(bytes(SyntheticCheckpoint.builder().embeddedRestorer(alpha).build(), Codec.RAW))) {
      assertTrue(!cp.embeddedRestorer().orElseThrow().complete());
      assertEquals(-1, cp.embeddedRestorer().orElseThrow().flagOffset());
    }
  }

  // ---- bad inputs: build a valid image, break one thing at a time ----

  static CheckpointException fails(byte[] b) {
    return assertThrows(CheckpointException.class, () -> {
      try (OpenCheckpoint cp = open(b)) {
        cp.drain(null);
      }
    });
  }

  @Test
  void emptyInput() {
    assertEquals(Reason.EMPTY, fails(new byte[0]).reason());
  }

  @Test
  void randomBytesAreNotACheckpoint() {
    byte[] b = new byte[5 << 20];
    new Random(7).nextBytes(b);
    CheckpointException e = fails(b);
    assertEquals(Reason.NOT_A_CHECKPOINT, e.reason());
    assertTrue(e.getMessage().contains("mem://test") && e.getMessage().contains("@0xecdb0"), e.getMessage());
  }

  @Test
  void truncatedZstdAndGzipAreCaught() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().imageLength(4 << 20).build();
    for (Codec c : List.of(Codec.ZSTD, Codec.GZIP)) {
      byte[] full = bytes(s, c);
      for (int cut : new int[] {full.length / 2, full.length - 1, full.length - 4}) {
        CheckpointException e = fails(Arrays.copyOf(full, cut));
        assertTrue(e.reason() == Reason.TRUNCATED || e.reason() == Reason.CORRUPT,
            c + " cut at " + cut + ": " + e.reason() + " " + e.getMessage());
      }
    }
  }

  @Test
  void v2ClaimingTooManyHarts() throws IOException {
    byte[] raw = bytes(SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).csrReserve(129).build(), Codec.RAW);
    CheckpointException e = fails(raw);
    assertEquals(Reason.TOO_MANY_HARTS, e.reason());
    assertTrue(e.getMessage().contains("claims 129 harts"), e.getMessage());
  }

  @Test
  void v2CsrReserveDisagreeingWithBlocks() throws IOException {
    byte[] raw = bytes(SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).csrReserve(3).build(), Codec.RAW);
    assertEquals(Reason.INCONSISTENT, fails(raw).reason());
  }

  @Test
  void savedModeTwoIsRejected() throws IOException {
    byte[] raw = bytes(SyntheticCheckpoint.builder().build(), Codec.RAW);
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putLong((int) StateLayout.RVGCVH.mode(), 2);
    CheckpointException e = fails(raw);
    assertEquals(Reason.BAD_MODE, e.reason());
    assertTrue(e.getMessage().contains("mode 2 at offset 0xecdc0"), e.getMessage());
  }

  @Test
  void v3HeaderWithGarbage() throws IOException {
    byte[] raw = bytes(SyntheticCheckpoint.builder().variant(Variant.V3).build(), Codec.RAW);
    raw[21] = 0x55; // the header's terminator becomes a field tag with wire type 5
    raw[10] = (byte) 0xFF; // and cpt_offset's varint never ends where it should
    assertEquals(Reason.BAD_DESCRIPTOR, fails(raw).reason());
  }

  /**
   * A V3 image (NEMU's header values) whose header is re-encoded with {@code header} and
   * {@code memlayout} applied: values any file can hold, however wrong.
   */
  static byte[] v3With(java.util.function.UnaryOperator<dev.gcpt.proto.checkpoint_header.Builder> header,
      java.util.function.UnaryOperator<dev.gcpt.proto.single_core_rvgc_rvv_rvh_memlayout.Builder> memlayout)
      throws IOException {
    byte[] raw = bytes(SyntheticCheckpoint.builder().variant(Variant.V3).build(), Codec.RAW);
    StateLayout l = StateLayout.RVGCVH;
    dev.gcpt.proto.checkpoint_header h = header.apply(dev.gcpt.proto.checkpoint_header.newBuilder()
        .setMagicNumber(0xDEADBEEFL).setCptOffset(0xA8).setCpuNum(1).setSingleCoreSize(0x100000)
        .setVersion(0x20240205)).build();
    dev.gcpt.proto.single_core_rvgc_rvv_rvh_memlayout m = memlayout.apply(
        dev.gcpt.proto.single_core_rvgc_rvv_rvh_memlayout.newBuilder().setMagicNumberCptAddr(l.magic())
            .setPcCptAddr(l.pc()).setModeCptAddr(l.mode()).setMtimeCptAddr(l.mtime())
            .setMtimeCmpCptAddr(l.mtimecmp()).setMiscDoneCptAddr(l.miscDone()).setMiscReserve(l.miscReserve())
            .setIntRegCptAddr(l.intRegs()).setIntRegDone(l.intDone()).setFloatRegCptAddr(l.floatRegs())
            .setFloatRegDone(l.floatDone()).setCsrRegCptAddr(l.csrs()).setCsrRegDone(l.csrDone())
            .setCsrReserve(l.csrReserve()).setVectorRegCptAddr(l.vectorRegs()).setVectorRegDone(l.vectorDone()))
        .build();
    java.io.ByteArrayOutputStream enc = new java.io.ByteArrayOutputStream();
    enc.writeBytes(h.toByteArray());
    enc.write(0);
    enc.writeBytes(m.toByteArray());
    enc.write(0);
    byte[] e = enc.toByteArray();
    assertTrue(e.length <= 0xA8, "header fits before the state: " + e.length);
    Arrays.fill(raw, 0, 0xA8, (byte) 0);
    System.arraycopy(e, 0, raw, 0, e.length);
    return raw;
  }

  @Test
  void v3HeadersWhoseNumbersCannotHoldTheStateAreRefusedWithTheFieldAndValue() throws IOException {
    try (OpenCheckpoint ok = open(v3With(h -> h, m -> m))) {
      assertEquals(1, ok.harts().size());
    }
    CheckpointException overlap = fails(v3With(h -> h.setCpuNum(2).setSingleCoreSize(0), m -> m));
    assertEquals(Reason.BAD_DESCRIPTOR, overlap.reason());
    assertTrue(overlap.getMessage().contains("cpu_num 2 with single_core_size 0x0: the harts' state would overlap"),
        overlap.getMessage());
    CheckpointException huge = fails(v3With(h -> h, m -> m.setPcCptAddr(-8L)));
    assertEquals(Reason.BAD_DESCRIPTOR, huge.reason());
    assertTrue(huge.getMessage().contains("memlayout pc_cpt_addr is 0xfffffffffffffff8, outside a core's 0x100000"),
        huge.getMessage());
    CheckpointException far = fails(v3With(h -> h, m -> m.setIntRegCptAddr(1L << 40)));
    assertTrue(far.getMessage().contains("int_reg_cpt_addr is 0x10000000000"), far.getMessage());
    CheckpointException vec = fails(v3With(h -> h, m -> m.setVectorRegCptAddr(0xFFFF0)));
    assertTrue(vec.getMessage().contains("past a core's 0x100000 bytes"), vec.getMessage());
    CheckpointException window = fails(v3With(h -> h.setCptOffset(-1L), m -> m));
    assertEquals(Reason.BAD_DESCRIPTOR, window.reason());
    assertTrue(window.getMessage().contains("cpt_offset 0xffffffffffffffff"), window.getMessage());
    CheckpointException cores = fails(v3With(h -> h.setCpuNum(100000).setSingleCoreSize(1L << 62), m -> m));
    assertTrue(cores.getMessage().contains("cpu_num") && cores.getMessage().contains("100000"), cores.getMessage());
  }

  @Test
  void v2WithoutAHartCountAndAGapInItsCoreBlocksIsRefused() throws IOException {
    byte[] raw = bytes(SyntheticCheckpoint.builder().variant(Variant.V2).harts(3).csrReserve(0).build(), Codec.RAW);
    try (OpenCheckpoint cp = open(raw.clone())) {
      assertEquals(3, cp.harts().size());
    }
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putLong((int) (0x400000 + StateLayout.RVGCVH.magic()), 0);
    CheckpointException e = fails(raw);
    assertEquals(Reason.INCONSISTENT, e.reason());
    assertTrue(e.getMessage().contains("V2 core block 1 (0x400000) has no state magic but block 2 (0x500000) has"),
        e.getMessage());
  }

  @Test
  void embeddedRestorerSizeRunningPastTheWindow() throws IOException {
    byte[] r = new byte[16];
    ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x0080006F).putInt(4, 0xF0000);
    byte[] raw = bytes(SyntheticCheckpoint.builder().embeddedRestorer(r).build(), Codec.RAW);
    CheckpointException e = fails(raw);
    assertEquals(Reason.BAD_RESTORER, e.reason());
    assertTrue(e.getMessage().contains("0xf0000"), e.getMessage());
  }

  @Test
  void imageEndingInsideTheState() throws IOException {
    byte[] raw = bytes(SyntheticCheckpoint.builder().build(), Codec.RAW);
    CheckpointException e = fails(Arrays.copyOf(raw, 0xEE000));
    assertEquals(Reason.TOO_SHORT, e.reason());
  }

  @Test
  void decompressionCeiling() throws IOException {
    byte[] z = bytes(SyntheticCheckpoint.builder().imageLength(8 << 20).build(), Codec.ZSTD);
    CheckpointException e = assertThrows(CheckpointException.class, () -> {
      try (OpenCheckpoint cp = CheckpointReader.open(new ByteArrayInputStream(z), "mem://bomb",
          new CheckpointReader.Options(128, 4 << 20))) {
        cp.drain(null);
      }
    });
    assertEquals(Reason.TOO_LARGE, e.reason());
  }

  @Test
  void v0ReadsOriginalOffsets() throws IOException {
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(Variant.V0).modes(0).build();
    byte[] raw = bytes(s, Codec.RAW);
    assertEquals(Offsets.STATE_MAGIC, ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0xF00));
    try (OpenCheckpoint cp = open(raw)) {
      assertEquals(Variant.V0, cp.variant());
      assertEquals(0, cp.harts().get(0).mode());
      assertEquals(s.harts().get(0).pc(), cp.harts().get(0).pc());
    }
  }
}
