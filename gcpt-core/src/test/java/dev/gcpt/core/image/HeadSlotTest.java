package dev.gcpt.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.codec.Frame;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The head slot at every length around the 64 KiB steps: zstd pads inside the head frame (one
 * frame, the head's content, every loader call yields output), gzip with whole members of nothing.
 */
class HeadSlotTest {
  private static final int STEP = HeadSlot.ALIGNMENT;

  @Test
  void zstdSlotIsOneFrameOfTheHeadThatLoadsInOneCall() throws IOException {
    Random random = new Random(7);
    for (int wanted : new int[] {100, STEP - 30, STEP - 9, STEP - 8, STEP - 7, STEP - 6, STEP - 5, STEP - 1, STEP,
        STEP + 1, 2 * STEP - 27, 3 * STEP + 5}) {
      // incompressible content of about the wanted compressed length
      byte[] content = new byte[Math.max(1, wanted - 20)];
      random.nextBytes(content);
      byte[] frame;
      try (FrameEncoder e = new FrameEncoder(Codec.ZSTD, 1)) {
        frame = e.encode(content, 0, content.length);
      }
      HeadSlot.Slot slot = HeadSlot.of(Codec.ZSTD, frame);
      byte[] bytes = slot.bytes();
      String at = "frame of " + frame.length + " bytes";
      assertEquals(HeadSlot.length(Codec.ZSTD, frame.length), bytes.length, at);
      assertEquals(0, bytes.length % STEP, at);
      assertEquals(bytes.length, slot.headFrameLength(), at);
      assertTrue(bytes.length - frame.length >= HeadSlot.ZSTD_MIN_PADDING, at);
      List<Frame> frames = FrameScanner.scan(new ByteArrayInputStream(bytes), "slot");
      assertEquals(1, frames.size(), at);
      assertEquals(content.length, frames.get(0).rawLength(), at);
      assertEquals(bytes.length, frames.get(0).compressedEnd(), at);
      try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(bytes), "slot", Long.MAX_VALUE)) {
        assertArrayEquals(content, in.readAllBytes(), at);
      }
      // the loaders' loop (NEMU load_zstd_img, difftest readFromZstd): one call returns the whole
      // (small) frame; the call after it returns nothing
      try (ZstdDecompressCtx d = new ZstdDecompressCtx()) {
        ByteBuffer src = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        ByteBuffer dst = ByteBuffer.allocateDirect(Math.max(content.length, 1 << 17));
        d.decompressDirectByteBufferStream(dst, src);
        assertEquals(content.length, dst.position(), at);
        assertEquals(bytes.length, src.position(), at);
      }
    }
  }

  /** What a regeneration decodes: the slot's frame without its padding is the frame the slot was made of. */
  @Test
  void withoutPaddingGivesBackTheHeadFrame() throws IOException {
    Random random = new Random(11);
    for (int wanted : new int[] {100, STEP - 9, STEP - 8, STEP - 7, STEP - 6, STEP - 5, STEP, 2 * STEP - 27}) {
      byte[] content = new byte[1 << 20];
      byte[] noise = new byte[Math.max(1, wanted - 40)];
      random.nextBytes(noise);
      System.arraycopy(noise, 0, content, 4096, noise.length); // a mostly zero head, as real ones are
      byte[] frame;
      try (FrameEncoder e = new FrameEncoder(Codec.ZSTD, 1)) {
        frame = e.encode(content, 0, content.length);
      }
      byte[] slot = HeadSlot.of(Codec.ZSTD, frame).bytes();
      String at = "frame of " + frame.length + " bytes";
      byte[] unpadded = HeadSlot.withoutPadding(Codec.ZSTD, slot);
      assertArrayEquals(frame, unpadded, at);
      try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(unpadded), "unpadded", Long.MAX_VALUE)) {
        assertArrayEquals(content, in.readAllBytes(), at);
      }
    }
    byte[] gzipSlot = HeadSlot.of(Codec.GZIP, new byte[] {1, 2, 3}).bytes();
    assertTrue(gzipSlot == HeadSlot.withoutPadding(Codec.GZIP, gzipSlot), "gzip slots are decoded as they are");
    byte[] notAFrame = new byte[STEP];
    assertTrue(notAFrame == HeadSlot.withoutPadding(Codec.ZSTD, notAFrame), "bytes that are no frame are left alone");
  }

  @Test
  void gzipPaddingDecodesToNothingAndEndsOnA64KiBStep() throws IOException {
    for (int head : new int[] {1, 100, STEP - 30, STEP - 26, STEP - 25, STEP - 8, STEP - 7, STEP - 1, STEP,
        STEP + 1, 2 * STEP - 27, 3 * STEP + 5}) {
      byte[] frame = new byte[head];
      Arrays.fill(frame, (byte) 0x5A);
      HeadSlot.Slot s = HeadSlot.of(Codec.GZIP, frame);
      byte[] slot = s.bytes();
      assertEquals(head, s.headFrameLength());
      assertEquals(HeadSlot.length(Codec.GZIP, head), slot.length);
      assertEquals(0, slot.length % STEP, "head " + head);
      assertTrue(slot.length - head >= HeadSlot.GZIP_MIN_MEMBER, "head " + head);
      assertTrue(slot.length - head < STEP + HeadSlot.GZIP_MIN_MEMBER, "head " + head);
      assertArrayEquals(frame, Arrays.copyOf(slot, head));
      List<Frame> frames = new ArrayList<>();
      try (DecodedStream in = DecodedStream.open(new ByteArrayInputStream(slot, head, slot.length - head), "pad",
          Long.MAX_VALUE, frames::add)) {
        assertEquals(-1, in.read(new byte[16], 0, 16), "head " + head);
      }
      assertTrue(!frames.isEmpty() && frames.stream().allMatch(FrameScanner::isPadding), "head " + head);
      assertEquals(slot.length - head, frames.get(frames.size() - 1).compressedEnd(), "head " + head);
    }
  }
}
