package dev.gcpt.core.codec;

import static dev.gcpt.core.codec.TestStreams.concat;
import static dev.gcpt.core.codec.TestStreams.cut;
import static dev.gcpt.core.codec.TestStreams.decode;
import static dev.gcpt.core.codec.TestStreams.flip;
import static dev.gcpt.core.codec.TestStreams.gzip;
import static dev.gcpt.core.codec.TestStreams.sample;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** gzip through {@link DecodedStream}: a valid stream, then one thing broken at a time. */
class GzipDecodingTest {
  private static final long NO_LIMIT = Long.MAX_VALUE;
  private static final byte[] DATA = sample(3 << 20, 7);
  private static final byte[] GZ = gzip(DATA);
  private static final int TRAILER = 8;

  /** Decoding must fail with a CodecException that names input, codec and both offsets. */
  private static CodecException fails(byte[] compressed, String expectedProblem) {
    CodecException e = assertThrows(CodecException.class, () -> decode(compressed, "s3://b/x.gz", NO_LIMIT));
    String m = e.getMessage();
    assertTrue(m.startsWith("s3://b/x.gz: gz "), m);
    assertTrue(m.contains(expectedProblem), m);
    assertTrue(m.contains("decompressed offset 0x") && m.contains("compressed offset 0x"), m);
    assertEquals("s3://b/x.gz", e.input());
    assertEquals(Codec.GZIP, e.codec());
    assertTrue(e.rawOffset() >= 0 && e.rawOffset() <= DATA.length * 2L, m);
    assertTrue(e.compressedOffset() >= 0 && e.compressedOffset() <= compressed.length, m);
    CodecException.Kind expectedKind = expectedProblem.startsWith("truncated") ? CodecException.Kind.TRUNCATED
        : CodecException.Kind.CORRUPT;
    assertEquals(expectedKind, e.kind(), m);
    return e;
  }

  @Test
  void validStreamDecodesToTheInput() throws IOException {
    assertArrayEquals(DATA, decode(GZ, "x.gz", NO_LIMIT));
  }

  @Test
  void multiMemberReadsAsOneImageAndReportsEachMember() throws IOException {
    byte[] first = gzip(java.util.Arrays.copyOfRange(DATA, 0, 1 << 20));
    byte[] second = gzip(java.util.Arrays.copyOfRange(DATA, 1 << 20, DATA.length));
    byte[] both = concat(first, second);
    List<Frame> frames = new ArrayList<>();
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(both), "x.gz", NO_LIMIT, frames::add)) {
      assertArrayEquals(DATA, in.readAllBytes());
      assertEquals(both.length, in.compressedPosition());
    }
    assertEquals(List.of(
        new Frame(0, 0, first.length, 0, 1 << 20, false),
        new Frame(1, first.length, second.length, 1 << 20, DATA.length - (1 << 20), false)), frames);
  }

  @Test
  void multiMemberFromATrickleStreamReadsEveryMember() throws IOException {
    byte[] both = concat(GZ, GZ);
    try (DecodedStream in = DecodedStream.open(new TestStreams.TrickleInputStream(both, 5), "x.gz", NO_LIMIT)) {
      assertArrayEquals(concat(DATA, DATA), in.readAllBytes());
    }
  }

  /** Why the JDK class is not used: it stops after member 0 when available() is 0 at the boundary. */
  @Test
  void jdkGzipInputStreamDropsLaterMembersOfATrickleStream() throws IOException {
    byte[] both = concat(GZ, GZ);
    try (GZIPInputStream in = new GZIPInputStream(new TestStreams.TrickleInputStream(both, 5))) {
      assertEquals(DATA.length, in.readAllBytes().length);
    }
  }

  /** ... and it drops trailing garbage without a word. */
  @Test
  void jdkGzipInputStreamIgnoresTrailingGarbage() throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(concat(GZ, "garbage!".repeat(8).getBytes())))) {
      assertArrayEquals(DATA, in.readAllBytes());
    }
  }

  @Test
  void truncatedInTheHeader() {
    fails(cut(GZ, 5), "truncated header of member 0");
  }

  @Test
  void truncatedInTheMiddle() {
    CodecException e = fails(cut(GZ, GZ.length / 2), "truncated deflate data in member 0");
    assertEquals(GZ.length / 2, e.compressedOffset());
  }

  @Test
  void truncatedInTheLastBlock() {
    fails(cut(GZ, GZ.length - TRAILER - 1), "truncated deflate data in member 0");
  }

  @Test
  void missingTrailer() {
    fails(cut(GZ, GZ.length - TRAILER), "truncated trailer of member 0 (CRC32 missing)");
  }

  @Test
  void missingIsize() {
    fails(cut(GZ, GZ.length - 4), "truncated trailer of member 0 (ISIZE missing)");
  }

  @Test
  void truncatedSecondMemberHeader() {
    fails(concat(GZ, cut(GZ, 3)), "truncated header of member 1");
  }

  @Test
  void corruptBlock() {
    CodecException e = assertThrows(CodecException.class, () -> decode(flip(GZ, GZ.length / 3), "x.gz", NO_LIMIT));
    assertTrue(e.getMessage().contains("corrupt deflate data in member 0") || e.getMessage().contains("CRC32 mismatch"),
        e.getMessage());
  }

  @Test
  void wrongCrc() {
    CodecException e = fails(flip(GZ, GZ.length - TRAILER), "CRC32 mismatch in member 0");
    assertEquals(DATA.length, e.rawOffset());
  }

  @Test
  void wrongIsize() {
    fails(flip(GZ, GZ.length - 2), "ISIZE mismatch in member 0");
  }

  @Test
  void trailingGarbageIsAnError() {
    CodecException e = fails(concat(GZ, "garbage".getBytes()), "trailing garbage after member 0 (byte 0x67");
    assertEquals(DATA.length, e.rawOffset());
    assertEquals(GZ.length, e.compressedOffset());
  }

  @Test
  void trailingZerosAreAnError() {
    fails(concat(GZ, new byte[16]), "trailing garbage after member 0 (byte 0x0");
  }

  @Test
  void unknownMethodAndReservedFlagsAreErrors() {
    byte[] method = GZ.clone();
    method[2] = 7;
    fails(method, "compression method 7");
    byte[] reserved = GZ.clone();
    reserved[3] = (byte) 0x20;
    fails(reserved, "reserved flag bits");
  }

  @Test
  void optionalHeaderFieldsAreSkippedAndTheHeaderCrcIsChecked() throws IOException {
    byte[] member = memberWithAllHeaderFields(DATA);
    assertArrayEquals(DATA, decode(member, "x.gz", NO_LIMIT));
    int hcrcOffset = headerWithAllFields().length - 2;
    fails(flip(member, hcrcOffset), "header CRC16 mismatch");
  }

  private static byte[] headerWithAllFields() {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.writeBytes(new byte[] {0x1F, (byte) 0x8B, 8, 0x02 | 0x04 | 0x08 | 0x10, 1, 2, 3, 4, 0, 3});
    h.writeBytes(new byte[] {3, 0, 'a', 'b', 'c'});
    h.writeBytes("name.bin\0".getBytes());
    h.writeBytes("a comment\0".getBytes());
    CRC32 crc = new CRC32();
    crc.update(h.toByteArray());
    int c = (int) crc.getValue();
    h.write(c & 0xFF);
    h.write((c >>> 8) & 0xFF);
    return h.toByteArray();
  }

  private static byte[] memberWithAllHeaderFields(byte[] data) {
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    m.writeBytes(headerWithAllFields());
    Deflater deflater = new Deflater(6, true);
    deflater.setInput(data);
    deflater.finish();
    byte[] buf = new byte[1 << 16];
    while (!deflater.finished()) {
      m.write(buf, 0, deflater.deflate(buf));
    }
    deflater.end();
    CRC32 crc = new CRC32();
    crc.update(data);
    long[] words = {crc.getValue(), data.length};
    for (long w : words) {
      for (int i = 0; i < 4; i++) {
        m.write((int) (w >>> (8 * i)) & 0xFF);
      }
    }
    return m.toByteArray();
  }
}
