package dev.gcpt.core.codec;

import static dev.gcpt.core.codec.TestStreams.concat;
import static dev.gcpt.core.codec.TestStreams.cut;
import static dev.gcpt.core.codec.TestStreams.decode;
import static dev.gcpt.core.codec.TestStreams.flip;
import static dev.gcpt.core.codec.TestStreams.sample;
import static dev.gcpt.core.codec.TestStreams.skippable;
import static dev.gcpt.core.codec.TestStreams.zstd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** zstd through {@link DecodedStream}: a valid stream, then one thing broken at a time. */
class ZstdDecodingTest {
  private static final long NO_LIMIT = Long.MAX_VALUE;
  private static final byte[] DATA = sample(3 << 20, 11);
  private static final byte[] ZST = zstd(DATA);
  private static final ZstdFormat.FrameHeader HEADER = ZstdFormat.parseFrameHeader(ZST, 0);

  private static CodecException fails(byte[] compressed, String expectedProblem) {
    CodecException e = assertThrows(CodecException.class, () -> decode(compressed, "s3://b/x.zstd", NO_LIMIT));
    String m = e.getMessage();
    assertTrue(m.startsWith("s3://b/x.zstd: zstd "), m);
    assertTrue(m.contains(expectedProblem), m);
    assertTrue(m.contains("decompressed offset 0x") && m.contains("compressed offset 0x"), m);
    assertEquals("s3://b/x.zstd", e.input());
    assertEquals(Codec.ZSTD, e.codec());
    assertTrue(e.rawOffset() >= 0 && e.rawOffset() <= DATA.length * 2L, m);
    assertTrue(e.compressedOffset() >= 0 && e.compressedOffset() <= compressed.length, m);
    CodecException.Kind expectedKind = expectedProblem.startsWith("truncated") ? CodecException.Kind.TRUNCATED
        : CodecException.Kind.CORRUPT;
    assertEquals(expectedKind, e.kind(), m);
    return e;
  }

  @Test
  void theSampleFrameHasContentSizeAndChecksum() {
    assertEquals(DATA.length, HEADER.contentSize());
    assertTrue(HEADER.hasChecksum());
  }

  /**
   * A hand-made frame the way streaming compressors end one (an empty last block), declaring
   * {@code declared} bytes of content and holding {@code content}: window descriptor, 8-byte
   * content size, no checksum, one raw block, then the empty last raw block.
   */
  static byte[] frameDeclaring(long declared, byte[] content) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 1 + 1 + 8 + 3 + content.length + 3)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(ZstdFormat.MAGIC).put((byte) 0xC0).put((byte) 0x58).putLong(declared); // FCS 8 bytes; window 32 MiB
    int h = content.length << 3; // raw, not last
    b.put((byte) h).put((byte) (h >> 8)).put((byte) (h >> 16)).put(content);
    b.put((byte) 1).put((byte) 0).put((byte) 0); // empty raw last block
    return b.array();
  }

  @Test
  void aDeclaredContentSizeTheFrameDoesNotHoldIsCorrupt() throws IOException {
    byte[] content = sample(64 << 10, 3);
    assertArrayEquals(content, decode(frameDeclaring(content.length, content), "x.zstd", NO_LIMIT));
    fails(frameDeclaring(1L << 40, content), "frame 0 declares 1099511627776 bytes of content and holds 65536");
    fails(frameDeclaring(content.length + 4096, content), "frame 0 declares 69632 bytes of content and holds 65536");
    fails(concat(ZST, frameDeclaring(content.length - 4096, content)),
        "frame 1 declares 61440 bytes of content and holds 65536");
  }

  @Test
  void validStreamDecodesToTheInput() throws IOException {
    assertArrayEquals(DATA, decode(ZST, "x.zstd", NO_LIMIT));
  }

  @Test
  void concatenatedFramesReadAsOneImageAndSkippableFramesAreFine() throws IOException {
    byte[] a = zstd(Arrays.copyOfRange(DATA, 0, 1 << 20));
    byte[] b = zstd(Arrays.copyOfRange(DATA, 1 << 20, DATA.length));
    byte[] skip = skippable(0xA, "note".getBytes());
    byte[] all = concat(skip, a, skip, b, skip);
    List<Frame> frames = new ArrayList<>();
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(all), "x.zstd", NO_LIMIT, frames::add)) {
      assertEquals(Codec.ZSTD, in.codec());
      assertArrayEquals(DATA, in.readAllBytes());
    }
    int s = skip.length;
    assertEquals(List.of(
        new Frame(0, 0, s, 0, 0, true),
        new Frame(1, s, a.length, 0, 1 << 20, false),
        new Frame(2, s + a.length, s, 1 << 20, 0, true),
        new Frame(3, 2L * s + a.length, b.length, 1 << 20, DATA.length - (1 << 20), false),
        new Frame(4, 2L * s + a.length + b.length, s, DATA.length, 0, true)), frames);
  }

  @Test
  void readsFromATrickleStream() throws IOException {
    try (DecodedStream in = DecodedStream.open(new TestStreams.TrickleInputStream(concat(ZST, ZST), 7), "x", NO_LIMIT)) {
      assertArrayEquals(concat(DATA, DATA), in.readAllBytes());
    }
  }

  @ParameterizedTest(name = "cut at {0} bytes")
  @ValueSource(ints = {5, 9, 12, 100_000})
  void truncatedInTheFrameHeaderOrFirstBlocks(int length) {
    fails(cut(ZST, length), "truncated frame 0");
  }

  @Test
  void truncatedMidBlock() {
    CodecException e = fails(cut(ZST, ZST.length / 2), "truncated frame 0");
    assertEquals(ZST.length / 2, e.compressedOffset());
  }

  @Test
  void truncatedInTheLastBlock() {
    fails(cut(ZST, ZST.length - ZstdFormat.CHECKSUM_SIZE - 1), "truncated frame 0");
  }

  @Test
  void missingChecksum() {
    fails(cut(ZST, ZST.length - ZstdFormat.CHECKSUM_SIZE), "truncated frame 0");
  }

  @Test
  void partialChecksum() {
    fails(cut(ZST, ZST.length - 2), "truncated frame 0");
  }

  @Test
  void truncatedInTheSecondFrame() {
    CodecException e = fails(concat(ZST, cut(ZST, 3)), "truncated frame 1");
    assertEquals(DATA.length, e.rawOffset());
  }

  @Test
  void wrongChecksum() {
    fails(flip(ZST, ZST.length - 1), "corrupt frame 0");
  }

  @Test
  void corruptBlock() {
    fails(flip(ZST, ZST.length / 3), "corrupt frame 0");
  }

  @ParameterizedTest(name = "declared content size off by {0}")
  @ValueSource(longs = {1, -1, 4096, -4096, 1 << 20})
  void declaredContentSizeThatLiesFails(long delta) {
    fails(withContentSize(ZST, HEADER.contentSize() + delta), "corrupt frame 0");
  }

  @Test
  void trailingGarbageIsAnError() {
    CodecException e = fails(concat(ZST, "garbage!".getBytes()), "corrupt frame 1");
    assertEquals(DATA.length, e.rawOffset());
  }

  @Test
  void trailingZerosAreAnError() {
    fails(concat(ZST, new byte[8]), "corrupt frame 1");
  }

  /** zstd-jni's stream: "Truncated source" by default; setContinuous(true) silently returns a short image. */
  @Test
  void zstdJniStreamCharacterization() throws IOException {
    byte[] half = cut(ZST, ZST.length / 2);
    try (ZstdInputStreamNoFinalizer in = new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(half))) {
      ZstdIOException e = assertThrows(ZstdIOException.class, in::readAllBytes);
      assertEquals("Truncated source", e.getMessage());
    }
    try (ZstdInputStreamNoFinalizer in = new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(half))) {
      in.setContinuous(true);
      assertTrue(in.readAllBytes().length < DATA.length);
    }
  }

  /** Rewrites the frame's content size field (same field size) to {@code size}. */
  private static byte[] withContentSize(byte[] frame, long size) {
    byte[] copy = frame.clone();
    int descriptor = copy[ZstdFormat.MAGIC_SIZE] & 0xFF;
    int fcsFlag = descriptor >>> 6;
    assertEquals(2, fcsFlag, "test expects a 4-byte content size field");
    int fcsOffset = HEADER.headerSize() - 4;
    for (int i = 0; i < 4; i++) {
      copy[fcsOffset + i] = (byte) (size >>> (8 * i));
    }
    assertEquals(size, ZstdFormat.parseFrameHeader(copy, 0).contentSize());
    return copy;
  }
}
