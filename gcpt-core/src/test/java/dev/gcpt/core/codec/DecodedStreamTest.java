package dev.gcpt.core.codec;

import static dev.gcpt.core.codec.TestStreams.decode;
import static dev.gcpt.core.codec.TestStreams.gzip;
import static dev.gcpt.core.codec.TestStreams.sample;
import static dev.gcpt.core.codec.TestStreams.zstd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** What all codecs share: sniffing, empty input, the decompressed-size ceiling, skip. */
class DecodedStreamTest {
  private static final byte[] DATA = sample(1 << 20, 3);

  @Test
  void emptyInputIsAClearError() {
    CodecException e = assertThrows(CodecException.class, () -> decode(new byte[0], "s3://b/empty.zstd", 100));
    assertEquals("s3://b/empty.zstd: empty input (0 bytes): not a checkpoint image", e.getMessage());
    assertEquals("s3://b/empty.zstd", e.input());
    assertEquals(CodecException.Kind.EMPTY, e.kind());
  }

  @Test
  void aTruncatedMagicIsNotARawImage() {
    CodecException e = assertThrows(CodecException.class, () -> decode(new byte[] {0x28, (byte) 0xB5}, "x", 100));
    assertEquals("x: input of 2 bytes is a truncated gzip or zstd magic", e.getMessage());
    assertThrows(CodecException.class, () -> decode(new byte[] {0x1F}, "x", 100));
  }

  @Test
  void rawInputIsPassedThrough() throws IOException {
    byte[] raw = DATA.clone();
    raw[0] = 0x13;
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(raw), "x", raw.length)) {
      assertEquals(Codec.RAW, in.codec());
      assertArrayEquals(raw, in.readAllBytes());
      assertEquals(raw.length, in.position());
      assertEquals(raw.length, in.compressedPosition());
    }
  }

  @Test
  void sniffsByMagicNotByName() throws IOException {
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(zstd(DATA)), "_1_0.5.gz", DATA.length)) {
      assertEquals(Codec.ZSTD, in.codec());
      assertArrayEquals(DATA, in.readAllBytes());
    }
  }

  @Test
  void exactlyTheCeilingIsAllowed() throws IOException {
    assertArrayEquals(DATA, decode(zstd(DATA), "x", DATA.length));
    assertArrayEquals(DATA, decode(gzip(DATA), "x", DATA.length));
  }

  @Test
  void zstdBombFailsPastTheCeiling() {
    byte[] bomb = zstd(new byte[64 << 20]);
    assertTrue(bomb.length < 64 << 10);
    CodecException e = assertThrows(CodecException.class, () -> decode(bomb, "s3://b/bomb.zstd", 1 << 20));
    assertTrue(e.getMessage().startsWith("s3://b/bomb.zstd: zstd decompressed size exceeds the ceiling of 1048576 bytes"),
        e.getMessage());
    assertEquals(1 << 20, e.rawOffset());
    assertEquals(CodecException.Kind.TOO_LARGE, e.kind());
    assertTrue(e.compressedOffset() <= bomb.length);
  }

  @Test
  void gzipBombFailsPastTheCeiling() {
    CodecException e = assertThrows(CodecException.class, () -> decode(gzip(new byte[8 << 20]), "b.gz", 4096));
    assertTrue(e.getMessage().startsWith("b.gz: gz decompressed size exceeds the ceiling of 4096 bytes"), e.getMessage());
  }

  @Test
  void rawInputPastTheCeilingFails() {
    CodecException e = assertThrows(CodecException.class, () -> decode(DATA, "raw.bin", DATA.length - 1));
    assertTrue(e.getMessage().contains("raw decompressed size exceeds the ceiling"), e.getMessage());
  }

  @Test
  void skipDecodesAndChecks() throws IOException {
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(zstd(DATA)), "x", DATA.length)) {
      assertEquals(DATA.length - 10, in.skip(DATA.length - 10));
      byte[] rest = in.readAllBytes();
      assertArrayEquals(java.util.Arrays.copyOfRange(DATA, DATA.length - 10, DATA.length), rest);
    }
    byte[] corrupt = TestStreams.flip(zstd(DATA), 1000);
    assertThrows(CodecException.class, () -> {
      try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(corrupt), "x", DATA.length)) {
        in.skip(DATA.length);
      }
    });
  }

  @Test
  void singleByteReadsWork() throws IOException {
    byte[] small = java.util.Arrays.copyOf(DATA, 1000);
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(gzip(small)), "x", 1000)) {
      for (byte b : small) {
        assertEquals(b & 0xFF, in.read());
      }
      assertEquals(-1, in.read());
    }
  }
}
