package dev.gcpt.core.image;

import static dev.gcpt.core.codec.TestStreams.concat;
import static dev.gcpt.core.codec.TestStreams.pad;
import static dev.gcpt.core.codec.TestStreams.sample;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.codec.Frame;
import dev.gcpt.core.codec.ZstdFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageWriterTest {
  static final int MIB = 1 << 20;
  static final int FRAME = 4 * MIB;
  static final byte[] HEAD = sample(MIB, 21);
  /** Five full 4 MiB frames and a short last one. */
  static final byte[] BODY = sample(5 * FRAME + 12_345, 22);

  static ImageOptions options(Codec codec, int threads) {
    return ImageOptions.defaults().withCodec(codec).withBodyFrameRawSize(FRAME).withThreads(threads);
  }

  /** Written bytes and the info the writer returned. */
  record Written(byte[] file, ImageInfo info) {}

  static Written write(ImageOptions options, byte[] head, byte[] body, long declaredBodyLength) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageWriter writer = new ImageWriter(options)) {
      ImageInfo info = writer.write(head, new ByteArrayInputStream(body), declaredBodyLength, out);
      return new Written(out.toByteArray(), info);
    }
  }

  static byte[] decode(byte[] file) throws IOException {
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(file), "image", Long.MAX_VALUE)) {
      return in.readAllBytes();
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void writesAHeadFrameAndFixedSizeBodyFramesThatReadBackAsOneImage(Codec codec) throws IOException {
    Written w = write(options(codec, 2), HEAD, BODY, BODY.length);
    assertArrayEquals(concat(HEAD, pad(BODY)), decode(w.file()));

    List<Frame> all = FrameScanner.scan(new ByteArrayInputStream(w.file()), "image");
    // zstd pads inside the head frame (no frame of nothing, which would stop the simulators'
    // loaders); gzip follows the head member with empty members
    assertEquals(codec == Codec.ZSTD ? 7 : 8, all.size());
    assertEquals(codec == Codec.GZIP, FrameScanner.isPadding(all.get(1)), all.get(1).toString());
    List<Frame> frames = all.stream().filter(f -> !FrameScanner.isPadding(f)).toList();
    assertEquals(7, frames.size());
    assertEquals(MIB, frames.get(0).rawLength());
    long slot = frames.get(1).compressedOffset();
    assertEquals(0, slot % HeadSlot.ALIGNMENT);
    assertTrue(codec == Codec.ZSTD ? slot == frames.get(0).compressedLength() : slot > frames.get(0).compressedLength());
    for (int i = 1; i < 6; i++) {
      assertEquals(FRAME, frames.get(i).rawLength());
      assertEquals(MIB + (long) (i - 1) * FRAME, frames.get(i).rawOffset());
    }
    assertEquals(128 << 10, frames.get(6).rawLength()); // 12,345 bytes, then zeros to 128 KiB

    ImageInfo info = w.info();
    assertEquals(new ImageInfo(codec, codec == Codec.ZSTD ? 1 : 6, false, HEAD.length + (long) pad(BODY).length,
        w.file().length, MIB, frames.get(0).compressedLength(), slot, 7, FRAME, ImageDigest.PAGE_CRC64,
        PagedCrcReference.hex(HEAD), PagedCrcReference.hex(pad(BODY)),
        PagedCrcReference.hex(Arrays.copyOf(w.file(), (int) slot)),
        PagedCrcReference.hex(Arrays.copyOfRange(w.file(), (int) slot, w.file().length))),
        info);
    FrameScanner.checkLayout(info, all, "image");
  }

  /** Reference for the legacy body digest ({@link ImageDigest#SHA256}): SHA-256 of the list of SHA-256 of each 4 KiB page. */
  static String chunkedSha256(byte[] data) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (int p = 0; p < data.length; p += 4096) {
      list.writeBytes(HexFormat.of().parseHex(sha256(Arrays.copyOfRange(data, p, Math.min(data.length, p + 4096)))));
    }
    return sha256(list.toByteArray());
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void zeroFramesReuseTheFirstZeroFrameAndStayDeterministic(Codec codec) throws IOException {
    byte[] body = new byte[4 * FRAME + 100];
    System.arraycopy(BODY, 0, body, FRAME + 5, 3 * MIB);
    Written one = write(options(codec, 1), HEAD, body, body.length);
    Written three = write(options(codec, 3), HEAD, body, body.length);
    assertArrayEquals(one.file(), three.file());
    assertArrayEquals(concat(HEAD, pad(body)), decode(one.file()));
    assertEquals(PagedCrcReference.hex(pad(body)), one.info().bodyRawDigest());
    byte[] zeroFrame;
    try (FrameEncoder fresh = new FrameEncoder(codec, options(codec, 1).level())) {
      zeroFrame = fresh.encode(new byte[FRAME], 0, FRAME);
    }
    List<Frame> frames = FrameScanner.scan(new ByteArrayInputStream(one.file()), "image").stream()
        .filter(f -> !FrameScanner.isPadding(f)).toList();
    for (int i : new int[] {1, 3, 4}) {
      Frame f = frames.get(i);
      assertArrayEquals(zeroFrame, Arrays.copyOfRange(one.file(), (int) f.compressedOffset(), (int) f.compressedEnd()),
          "frame " + i);
    }
  }

  @Test
  void bodyFramesAreWholeMib() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageOptions.defaults().withBodyFrameRawSize(MIB + 4096));
    assertTrue(e.getMessage().startsWith("body frame raw size must be a multiple of 1048576"), e.getMessage());
  }

  @Test
  void zstdFramesDeclareTheirContentSizeAndCarryAChecksum() throws IOException {
    Written w = write(options(Codec.ZSTD, 1), HEAD, BODY, BODY.length);
    List<Frame> frames = FrameScanner.scan(new ByteArrayInputStream(w.file()), "image");
    // no padding frame: the head frame fills the head slot (its padding is empty blocks inside it)
    assertTrue(frames.stream().noneMatch(FrameScanner::isPadding));
    assertEquals(w.info().headSlotLength(), w.info().headCompressedLength());
    assertEquals(w.info().headSlotLength(), frames.get(0).compressedEnd());
    for (Frame f : frames) {
      byte[] header = Arrays.copyOfRange(w.file(), (int) f.compressedOffset(),
          (int) f.compressedOffset() + ZstdFormat.MAX_FRAME_HEADER_SIZE);
      ZstdFormat.FrameHeader h = ZstdFormat.parseFrameHeader(header, 0);
      assertEquals(f.rawLength(), h.contentSize());
      assertTrue(h.hasChecksum());
      assertEquals(0, h.dictionaryId());
    }
  }

  @Test
  void gzipMembersHaveMtimeZeroFixedOsAndNoName() throws IOException {
    Written w = write(options(Codec.GZIP, 1), HEAD, BODY, BODY.length);
    byte[] expected = {0x1F, (byte) 0x8B, 8, 0, 0, 0, 0, 0, 0, (byte) 0xFF};
    byte[] padding = {0x1F, (byte) 0x8B, 8, 4, 0, 0, 0, 0, 0, (byte) 0xFF}; // FEXTRA: the head slot's padding
    List<Frame> frames = FrameScanner.scan(new ByteArrayInputStream(w.file()), "image");
    for (Frame f : frames) {
      int o = (int) f.compressedOffset();
      boolean pad = FrameScanner.isPadding(f);
      assertEquals(pad, o >= w.info().headCompressedLength() && o < w.info().headSlotLength(), "member " + f.index());
      assertArrayEquals(pad ? padding : expected, Arrays.copyOfRange(w.file(), o, o + expected.length),
          "member " + f.index());
    }
    assertEquals(w.info().headSlotLength(), frames.get(2).compressedOffset());
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void outputIsDeterministicWhateverTheThreadCount(Codec codec) throws IOException {
    Written one = write(options(codec, 1), HEAD, BODY, ImageWriter.UNKNOWN_LENGTH);
    Written four = write(options(codec, 4), HEAD, BODY, ImageWriter.UNKNOWN_LENGTH);
    Written oneInFlight = write(options(codec, 3).withMaxFramesInFlight(1), HEAD, BODY, ImageWriter.UNKNOWN_LENGTH);
    Written inline = write(options(codec, 0), HEAD, BODY, ImageWriter.UNKNOWN_LENGTH);
    assertArrayEquals(one.file(), four.file());
    assertArrayEquals(one.file(), inline.file(), "compressed on the caller's thread");
    assertEquals(one.info(), inline.info());
    assertArrayEquals(one.file(), oneInFlight.file());
    assertEquals(one.info(), four.info());
    assertEquals(one.info(), oneInFlight.info());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void aBodyOfWholeFramesHasNoEmptyLastFrame(int threads) throws IOException {
    byte[] body = Arrays.copyOf(BODY, 2 * FRAME);
    Written w = write(options(Codec.ZSTD, threads), HEAD, body, ImageWriter.UNKNOWN_LENGTH);
    assertEquals(3, w.info().frameCount());
    assertEquals(3, FrameScanner.scan(new ByteArrayInputStream(w.file()), "image").size()); // padding inside the head
    assertArrayEquals(concat(HEAD, pad(body)), decode(w.file()));
  }

  @Test
  void anEmptyBodyGivesTheHeadFrameAlone() throws IOException {
    Written w = write(options(Codec.ZSTD, 2), HEAD, new byte[0], 0);
    assertEquals(1, w.info().frameCount());
    assertEquals(w.file().length, w.info().headSlotLength());
    assertEquals(0, w.info().headSlotLength() % HeadSlot.ALIGNMENT);
    assertEquals(sha256(new byte[0]), w.info().bodyRawDigest());
    assertArrayEquals(HEAD, decode(w.file()));
  }

  @Test
  void aMultiMibHeadIsOneFrame() throws IOException {
    byte[] head = sample(3 * MIB, 5);
    Written w = write(options(Codec.ZSTD, 2), head, BODY, BODY.length);
    List<Frame> frames = FrameScanner.scan(new ByteArrayInputStream(w.file()), "image");
    assertEquals(3 * MIB, frames.get(0).rawLength());
    assertEquals(frames.get(0).compressedLength(), w.info().headCompressedLength());
    assertArrayEquals(concat(head, pad(BODY)), decode(w.file()));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void aBodyOfAnotherLengthThanDeclaredFails(int threads) {
    ImageFormatException shorter = assertThrows(ImageFormatException.class,
        () -> write(options(Codec.ZSTD, threads), HEAD, BODY, BODY.length + 1L));
    assertEquals("the body holds " + BODY.length + " bytes, " + (BODY.length + 1L) + " were declared",
        shorter.getMessage());
    ImageFormatException longer = assertThrows(ImageFormatException.class,
        () -> write(options(Codec.ZSTD, threads), HEAD, BODY, FRAME));
    assertEquals("the body is longer than the declared " + FRAME + " bytes", longer.getMessage());
  }

  @Test
  void theHeadMustBeWholeMib() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> write(options(Codec.ZSTD, 1), new byte[MIB + 1], BODY, BODY.length));
    assertEquals("head length must be a non-zero multiple of 1048576 bytes, got 1048577", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> write(options(Codec.ZSTD, 1), new byte[0], BODY, BODY.length));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void aFailingBodyStreamFailsTheWriteAndLeavesTheWriterUsable(int threads) throws IOException {
    InputStream failing = new InputStream() {
      private long served;

      @Override
      public int read() {
        throw new UnsupportedOperationException();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (served > 3L * FRAME) {
          throw new IOException("connection reset");
        }
        served += len;
        return len;
      }
    };
    try (ImageWriter writer = new ImageWriter(options(Codec.ZSTD, threads))) {
      IOException e = assertThrows(IOException.class, () -> writer.write(HEAD, failing, new ByteArrayOutputStream()));
      assertEquals("connection reset", e.getMessage());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writer.write(HEAD, new ByteArrayInputStream(BODY), out);
      assertArrayEquals(concat(HEAD, pad(BODY)), decode(out.toByteArray()));
    }
  }

  @Test
  void singleFrameModeWritesOneFrameDeclaringTheWholeImage() throws IOException {
    ImageOptions single = options(Codec.ZSTD, 1).withSingleFrame(true);
    Written one = write(single, HEAD, BODY, BODY.length);
    Written four = write(single.withThreads(4), HEAD, BODY, BODY.length);
    assertArrayEquals(one.file(), four.file());
    assertArrayEquals(concat(HEAD, pad(BODY)), decode(one.file()));
    List<Frame> frames = FrameScanner.scan(new ByteArrayInputStream(one.file()), "image");
    assertEquals(List.of(new Frame(0, 0, one.file().length, 0, HEAD.length + (long) pad(BODY).length, false)), frames);
    ZstdFormat.FrameHeader h = ZstdFormat.parseFrameHeader(one.file(), 0);
    assertTrue(h.hasChecksum());
    assertEquals(new ImageInfo(Codec.ZSTD, 1, true, HEAD.length + (long) pad(BODY).length, one.file().length, MIB,
        ImageInfo.NO_HEAD_FRAME, 0, 1, 0, ImageDigest.PAGE_CRC64, PagedCrcReference.hex(HEAD),
        PagedCrcReference.hex(pad(BODY)), sha256(new byte[0]), PagedCrcReference.hex(one.file())),
        one.info());
    FrameScanner.checkLayout(one.info(), frames, "image");
  }

  @Test
  void singleFrameModeNeedsTheLengthAndZstd() {
    ImageOptions single = options(Codec.ZSTD, 1).withSingleFrame(true);
    assertThrows(IllegalArgumentException.class, () -> write(single, HEAD, BODY, ImageWriter.UNKNOWN_LENGTH));
    assertThrows(IllegalArgumentException.class, () -> single.withCodec(Codec.GZIP).withSingleFrame(true));
    assertThrows(ImageFormatException.class, () -> write(single, HEAD, BODY, BODY.length - 1L));
  }

  @Test
  void theContentShaFoldsHeadAndBodyDigests() throws IOException {
    ImageInfo info = write(options(Codec.ZSTD, 1), HEAD, BODY, BODY.length).info();
    HexFormat hex = HexFormat.of();
    byte[] both = concat(hex.parseHex(PagedCrcReference.hex(HEAD)), hex.parseHex(PagedCrcReference.hex(pad(BODY))));
    assertEquals(sha256(both), info.contentDigest());
  }

  @Test
  void theMemoryBoundDoesNotDependOnTheImage() {
    ImageOptions o = ImageOptions.defaults().withThreads(2);
    assertEquals(4, o.maxFramesInFlight());
    long bound = o.memoryBoundBytes();
    assertTrue(bound > 4L * 8 * MIB && bound < 100L * MIB, "bound " + bound);
  }
}
