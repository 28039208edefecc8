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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The head slot's padding, at every length around the 64 KiB steps: whole frames of nothing. */
class HeadSlotTest {
  @ParameterizedTest
  @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP"})
  void paddingDecodesToNothingAndEndsOnA64KiBStep(Codec codec) throws IOException {
    int step = HeadSlot.ALIGNMENT;
    for (int head : new int[] {1, 100, step - 30, step - 26, step - 25, step - 8, step - 7, step - 1, step, step + 1,
        2 * step - 27, 3 * step + 5}) {
      byte[] frame = new byte[head];
      Arrays.fill(frame, (byte) 0x5A);
      byte[] slot = HeadSlot.of(codec, frame);
      assertEquals(HeadSlot.length(codec, head), slot.length);
      assertEquals(0, slot.length % step, "head " + head);
      assertTrue(slot.length - head >= (codec == Codec.ZSTD ? HeadSlot.ZSTD_MIN_PADDING : HeadSlot.GZIP_MIN_MEMBER),
          "head " + head);
      assertTrue(slot.length - head < step + HeadSlot.GZIP_MIN_MEMBER, "head " + head);
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
