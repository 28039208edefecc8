package dev.gcpt.core.image;

import static dev.gcpt.core.codec.TestStreams.concat;
import static dev.gcpt.core.codec.TestStreams.pad;
import static dev.gcpt.core.codec.TestStreams.sample;
import static dev.gcpt.core.image.ImageWriterTest.BODY;
import static dev.gcpt.core.image.ImageWriterTest.HEAD;
import static dev.gcpt.core.image.ImageWriterTest.MIB;
import static dev.gcpt.core.image.ImageWriterTest.decode;
import static dev.gcpt.core.image.ImageWriterTest.options;
import static dev.gcpt.core.image.ImageWriterTest.sha256;
import static dev.gcpt.core.image.ImageWriterTest.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.image.ImageWriterTest.Written;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class HeadSwapTest {
  /** The old head with a new restorer: same length, different bytes at the start. */
  static final byte[] NEW_HEAD = newHead();

  private static byte[] newHead() {
    byte[] head = HEAD.clone();
    byte[] restorer = sample(0x2000, 99);
    System.arraycopy(restorer, 0, head, 0, restorer.length);
    return head;
  }

  private static Written swapped(Written old, boolean bodyOnly) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageInfo info;
    if (bodyOnly) {
      int h = (int) old.info().headSlotLength();
      ByteArrayInputStream range = new ByteArrayInputStream(old.file(), h, old.file().length - h);
      info = HeadSwap.swapBody(old.info(), NEW_HEAD, range, out, "old.zstd");
    } else {
      info = HeadSwap.swap(old.info(), NEW_HEAD, new ByteArrayInputStream(old.file()), out, "old.zstd");
    }
    return new Written(out.toByteArray(), info);
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void swappingTheHeadEqualsWritingTheNewImage(Codec codec) throws IOException {
    Written old = write(options(codec, 2), HEAD, BODY, BODY.length);
    Written fresh = write(options(codec, 1), NEW_HEAD, BODY, BODY.length);
    for (boolean bodyOnly : new boolean[] {false, true}) {
      Written swapped = swapped(old, bodyOnly);
      assertArrayEquals(fresh.file(), swapped.file(), "bodyOnly=" + bodyOnly);
      assertEquals(fresh.info(), swapped.info(), "bodyOnly=" + bodyOnly);
    }
    assertArrayEquals(concat(NEW_HEAD, pad(BODY)), decode(fresh.file()));
    assertEquals(PagedCrcReference.hex(NEW_HEAD), fresh.info().headRawDigest());
    assertEquals(old.info().bodyRawDigest(), fresh.info().bodyRawDigest());
    assertEquals(old.info().bodyDigest(), fresh.info().bodyDigest());
  }

  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void aSlotOfTheSameLengthIsWrittenInPlace(Codec codec) throws IOException {
    Written old = write(options(codec, 2), HEAD, BODY, BODY.length);
    Written fresh = write(options(codec, 1), NEW_HEAD, BODY, BODY.length);
    HeadSwap.checkOldSlot(old.info(), Arrays.copyOf(old.file(), (int) old.info().headSlotLength()), "old");
    HeadSwap.Swap swap = HeadSwap.prepare(old.info(), NEW_HEAD);
    assertTrue(swap.inPlace());
    assertTrue(!old.info().headSlotDigest().equals(swap.info().headSlotDigest()), "the head slots differ");
    byte[] file = old.file().clone();
    System.arraycopy(swap.slot(), 0, file, 0, swap.slot().length);
    assertArrayEquals(fresh.file(), file);
    assertEquals(fresh.info(), swap.info());
  }

  @Test
  void aHeadThatOutgrowsTheSlotIsCopiedIntoALongerOne() throws IOException {
    Written old = write(options(Codec.ZSTD, 2), HEAD, BODY, BODY.length);
    byte[] noisy = new byte[MIB];
    new java.util.Random(7).nextBytes(noisy); // incompressible: a longer head frame than HEAD's
    Written fresh = write(options(Codec.ZSTD, 1), noisy, BODY, BODY.length);
    HeadSwap.Swap swap = HeadSwap.prepare(old.info(), noisy);
    assertFalse(swap.inPlace());
    assertTrue(swap.info().headSlotLength() > old.info().headSlotLength());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int h = (int) old.info().headSlotLength();
    HeadSwap.copy(old.info(), swap, new ByteArrayInputStream(old.file(), h, old.file().length - h), out, "o");
    assertArrayEquals(fresh.file(), out.toByteArray());
    assertEquals(fresh.info(), swap.info());
  }

  @Test
  void theBodyBytesAreCopiedUnchanged() throws IOException {
    Written old = write(options(Codec.ZSTD, 2), HEAD, BODY, BODY.length);
    Written swapped = swapped(old, false);
    int oldHead = (int) old.info().headSlotLength();
    int newHead = (int) swapped.info().headSlotLength();
    assertArrayEquals(Arrays.copyOfRange(old.file(), oldHead, old.file().length),
        Arrays.copyOfRange(swapped.file(), newHead, swapped.file().length));
  }

  @Test
  void aManifestWithTheWrongSlotLengthIsCaught() throws IOException {
    Written old = write(options(Codec.ZSTD, 2), HEAD, BODY, BODY.length);
    for (long delta : new long[] {-1, 1}) {
      ImageInfo wrong = withHeadSlotLength(old.info(), old.info().headSlotLength() + delta);
      ImageFormatException e = assertThrows(ImageFormatException.class,
          () -> HeadSwap.swap(wrong, NEW_HEAD, new ByteArrayInputStream(old.file()), new ByteArrayOutputStream(), "o"));
      assertTrue(e.getMessage().contains("are not the head slot the manifest describes"), e.getMessage());
      assertThrows(ImageFormatException.class, () -> HeadSwap.swapBody(wrong, NEW_HEAD,
          new ByteArrayInputStream(old.file(), (int) wrong.headSlotLength(), old.file().length),
          new ByteArrayOutputStream(), "o"));
      assertThrows(ImageFormatException.class, () -> HeadSwap.checkOldSlot(wrong,
          Arrays.copyOf(old.file(), (int) wrong.headSlotLength()), "o"));
    }
  }

  @Test
  void aManifestOfAnotherFileIsCaught() throws IOException {
    Written old = write(options(Codec.ZSTD, 2), HEAD, BODY, BODY.length);
    ImageInfo i = old.info();
    ImageInfo otherBody = new ImageInfo(i.codec(), i.level(), false, i.rawLength(), i.compressedLength(),
        i.headRawLength(), i.headCompressedLength(), i.headSlotLength(), i.frameCount(), i.bodyFrameRawSize(),
        i.digest(), i.headRawDigest(), i.bodyRawDigest(), i.headSlotDigest(), sha256(new byte[1]));
    ImageFormatException e = assertThrows(ImageFormatException.class,
        () -> HeadSwap.swap(otherBody, NEW_HEAD, new ByteArrayInputStream(old.file()), new ByteArrayOutputStream(), "o"));
    assertTrue(e.getMessage().contains("the manifest does not describe this file"), e.getMessage());
    ImageInfo otherHead = new ImageInfo(i.codec(), i.level(), false, i.rawLength(), i.compressedLength(),
        i.headRawLength(), i.headCompressedLength(), i.headSlotLength(), i.frameCount(), i.bodyFrameRawSize(),
        i.digest(), sha256(new byte[1]), i.bodyRawDigest(), i.headSlotDigest(), i.bodyDigest());
    e = assertThrows(ImageFormatException.class,
        () -> HeadSwap.swap(otherHead, NEW_HEAD, new ByteArrayInputStream(old.file()), new ByteArrayOutputStream(), "o"));
    assertTrue(e.getMessage().startsWith("o: head pagecrc64 digest "), e.getMessage());
    ImageInfo otherSlot = new ImageInfo(i.codec(), i.level(), false, i.rawLength(), i.compressedLength(),
        i.headRawLength(), i.headCompressedLength(), i.headSlotLength(), i.frameCount(), i.bodyFrameRawSize(),
        i.digest(), i.headRawDigest(), i.bodyRawDigest(), sha256(new byte[1]), i.bodyDigest());
    e = assertThrows(ImageFormatException.class, () -> HeadSwap.checkOldSlot(otherSlot,
        Arrays.copyOf(old.file(), (int) i.headSlotLength()), "o"));
    assertTrue(e.getMessage().startsWith("o: head slot [0, " + i.headSlotLength() + ") has pagecrc64 digest "), e.getMessage());
  }

  @Test
  void aTruncatedOrLayoutMismatchedBodyIsCaught() throws IOException {
    Written old = write(options(Codec.ZSTD, 2), HEAD, BODY, BODY.length);
    int h = (int) old.info().headSlotLength();
    byte[] truncated = Arrays.copyOf(old.file(), old.file().length - 100);
    assertThrows(ImageFormatException.class, () -> HeadSwap.swapBody(old.info(), NEW_HEAD,
        new ByteArrayInputStream(truncated, h, truncated.length - h), new ByteArrayOutputStream(), "o"));
    ImageInfo i = old.info();
    ImageInfo otherFrameSize = new ImageInfo(i.codec(), i.level(), false, i.rawLength(), i.compressedLength(),
        i.headRawLength(), i.headCompressedLength(), i.headSlotLength(), i.frameCount(), 8 * MIB, i.digest(),
        i.headRawDigest(), i.bodyRawDigest(), i.headSlotDigest(), i.bodyDigest());
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> HeadSwap.swapBody(otherFrameSize,
        NEW_HEAD, new ByteArrayInputStream(old.file(), h, old.file().length - h), new ByteArrayOutputStream(), "o"));
    assertTrue(e.getMessage().contains("body frame 0 declares 4194304 raw bytes, the body frame size is 8388608"),
        e.getMessage());
  }

  @Test
  void theNewHeadMustHaveTheOldLengthAndTheImageSeparateFrames() throws IOException {
    Written old = write(options(Codec.ZSTD, 2), HEAD, BODY, BODY.length);
    assertThrows(IllegalArgumentException.class, () -> HeadSwap.swap(old.info(), new byte[2 * MIB],
        new ByteArrayInputStream(old.file()), new ByteArrayOutputStream(), "o"));
    Written single = write(options(Codec.ZSTD, 1).withSingleFrame(true), HEAD, BODY, BODY.length);
    assertThrows(IllegalArgumentException.class, () -> HeadSwap.swap(single.info(), NEW_HEAD,
        new ByteArrayInputStream(single.file()), new ByteArrayOutputStream(), "o"));
  }

  private static ImageInfo withHeadSlotLength(ImageInfo i, long length) {
    return new ImageInfo(i.codec(), i.level(), false, i.rawLength(), i.compressedLength(), i.headRawLength(),
        i.headCompressedLength(), length, i.frameCount(), i.bodyFrameRawSize(), i.digest(),
        i.headRawDigest(), i.bodyRawDigest(), i.headSlotDigest(), i.bodyDigest());
  }
}
