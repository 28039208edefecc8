package dev.gcpt.core.image;

import static dev.gcpt.core.codec.TestStreams.concat;
import static dev.gcpt.core.codec.TestStreams.skippable;
import static dev.gcpt.core.image.ImageWriterTest.BODY;
import static dev.gcpt.core.image.ImageWriterTest.HEAD;
import static dev.gcpt.core.image.ImageWriterTest.options;
import static dev.gcpt.core.image.ImageWriterTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.CodecException;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.codec.Frame;
import dev.gcpt.core.codec.ZstdFormat;
import dev.gcpt.core.image.ImageWriterTest.Written;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FrameScannerTest {
  private static Written zstdImage;

  @BeforeAll
  static void writeImage() throws IOException {
    zstdImage = write(options(Codec.ZSTD, 2), HEAD, BODY, BODY.length);
  }

  private static List<Frame> scan(byte[] file) throws IOException {
    return FrameScanner.scan(new ByteArrayInputStream(file), "img.zstd");
  }

  /** The frames a full decode reports, for comparison with the header-only walk. */
  private static List<Frame> decodedFrames(byte[] file) throws IOException {
    List<Frame> frames = new ArrayList<>();
    try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(file), "x", Long.MAX_VALUE, frames::add)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return frames;
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void scanningFindsTheFramesADecodeFinds(Codec codec) throws IOException {
    Written w = codec == Codec.ZSTD ? zstdImage : write(options(codec, 2), HEAD, BODY, BODY.length);
    List<Frame> frames = scan(w.file());
    assertEquals(decodedFrames(w.file()), frames);
    assertEquals(w.file().length, frames.get(frames.size() - 1).compressedEnd());
  }

  @Test
  void skippableFramesAreListed() throws IOException {
    byte[] skip = skippable(3, new byte[100]);
    byte[] file = concat(skip, zstdImage.file(), skip);
    List<Frame> frames = scan(file);
    assertEquals(decodedFrames(file), frames);
    assertEquals(new Frame(0, 0, skip.length, 0, 0, true), frames.get(0));
    assertTrue(frames.get(frames.size() - 1).skippable());
  }

  @Test
  void truncationAnywhereIsAnError() {
    byte[] file = zstdImage.file();
    long head = zstdImage.info().headCompressedLength();
    long[] cuts = {2, 6, head - ZstdFormat.CHECKSUM_SIZE, head - 1, head + 2, head + 7, head + 500, file.length - 1};
    for (long cut : cuts) {
      CodecException e = assertThrows(CodecException.class, () -> scan(Arrays.copyOf(file, (int) cut)), "cut " + cut);
      assertTrue(e.getMessage().startsWith("img.zstd: zstd truncated "), e.getMessage());
      assertEquals(cut, e.compressedOffset(), e.getMessage());
      assertEquals(CodecException.Kind.TRUNCATED, e.kind());
    }
  }

  @Test
  void trailingGarbageIsAnError() {
    CodecException e = assertThrows(CodecException.class, () -> scan(concat(zstdImage.file(), "junk".getBytes())));
    assertTrue(e.getMessage().contains("unknown magic 0x6b6e756a where frame 7 should start"), e.getMessage());
    assertEquals(CodecException.Kind.CORRUPT, e.kind());
  }

  @Test
  void aReservedBlockTypeIsAnError() {
    byte[] file = zstdImage.file().clone();
    int blockHeader = ZstdFormat.parseFrameHeader(file, 0).headerSize();
    file[blockHeader] |= 0x06;
    CodecException e = assertThrows(CodecException.class, () -> scan(file));
    assertTrue(e.getMessage().contains("reserved block type in frame 0"), e.getMessage());
  }

  @Test
  void rawInputHasNoFrames() {
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> scan(new byte[] {1, 2, 3, 4, 5}));
    assertEquals("img.zstd: not compressed: no frames to scan", e.getMessage());
  }

  @Test
  void checkLayoutNamesTheFirstDifference() throws IOException {
    List<Frame> frames = scan(zstdImage.file());
    ImageInfo i = zstdImage.info();
    FrameScanner.checkLayout(i, frames, "img");
    ImageFormatException count = assertThrows(ImageFormatException.class,
        () -> FrameScanner.checkLayout(i, frames.subList(0, 6), "img"));
    assertEquals("img: 6 frames, the manifest says 7", count.getMessage());
    ImageInfo otherHead = new ImageInfo(i.codec(), i.level(), false, i.rawLength(), i.compressedLength(),
        i.headRawLength(), i.headCompressedLength() + 1, i.headSlotLength(), i.frameCount(), i.bodyFrameRawSize(),
        i.digest(), i.headRawDigest(), i.bodyRawDigest(), i.headSlotDigest(), i.bodyDigest());
    ImageFormatException head = assertThrows(ImageFormatException.class,
        () -> FrameScanner.checkLayout(otherHead, frames, "img"));
    assertTrue(head.getMessage().startsWith("img: head frame holds 1048576 raw bytes in "), head.getMessage());
    ImageInfo otherSize = new ImageInfo(i.codec(), i.level(), false, i.rawLength(), i.compressedLength(),
        i.headRawLength(), i.headCompressedLength(), i.headSlotLength(), i.frameCount(), 2 * i.bodyFrameRawSize(),
        i.digest(), i.headRawDigest(), i.bodyRawDigest(), i.headSlotDigest(), i.bodyDigest());
    ImageFormatException body = assertThrows(ImageFormatException.class,
        () -> FrameScanner.checkLayout(otherSize, frames, "img"));
    assertTrue(body.getMessage().contains("holds 4194304 raw bytes, the body frame size is 8388608"), body.getMessage());
    ImageInfo otherSlot = new ImageInfo(i.codec(), i.level(), false, i.rawLength(), i.compressedLength(),
        i.headRawLength(), i.headCompressedLength(), i.headSlotLength() + HeadSlot.ALIGNMENT, i.frameCount(),
        i.bodyFrameRawSize(), i.digest(), i.headRawDigest(), i.bodyRawDigest(), i.headSlotDigest(), i.bodyDigest());
    ImageFormatException slot = assertThrows(ImageFormatException.class,
        () -> FrameScanner.checkLayout(otherSlot, frames, "img"));
    assertEquals("img: the first body frame starts at compressed offset " + i.headSlotLength()
        + ", the manifest's head slot ends at " + (i.headSlotLength() + HeadSlot.ALIGNMENT), slot.getMessage());
  }
}
