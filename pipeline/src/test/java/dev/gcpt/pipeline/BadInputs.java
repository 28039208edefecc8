package dev.gcpt.pipeline;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Broken checkpoints for the pipeline's robustness tests: each starts from a valid {@link
 * SyntheticCheckpoint} and breaks one thing, and says at which stage and for which reason the
 * pipeline must refuse it. Every file is small (at most a few MiB; the decompression bomb is a
 * few KiB of zstd frames that decode to more than the ceiling).
 */
final class BadInputs {
  /** Weight text written into every file name. */
  static final String WEIGHT = "0.100000";
  /** The ceiling the bomb exceeds: the pipeline runs with {@code --maxImageGib=1}. */
  static final long MAX_IMAGE_GIB = 1;
  /** Raw bytes per zero frame of the bomb. */
  private static final int ZERO_FRAME = 64 << 20;
  /** The bomb decodes to the ceiling plus this much. */
  private static final long BOMB_EXCESS = 128L << 20;
  /** Shift of the lying zstd content size. */
  private static final int LIE = 4096;
  private static final int ZSTD_MAGIC_AND_HEADER_BYTE = 5;
  private static final int GZIP_TRAILER = 8;
  private static final int ZSTD_CHECKSUM = 4;

  /**
   * One broken input.
   *
   * @param name what is broken (the test's display name)
   * @param relativePath where it lies in the set
   * @param stage the stage that must refuse it
   * @param reason the reason code failures.jsonl must carry
   * @param bytes the file's content
   */
  record Case(String name, String relativePath, String stage, String reason, Supplier<byte[]> bytes) {
    @Override
    public String toString() {
      return name;
    }
  }

  private BadInputs() {}

  /** A checkpoint file path under the NEMU naming convention, one point per workload. */
  static String path(String workload, String suffix) {
    return workload + "/1/_1_" + WEIGHT + "_memory_" + suffix;
  }

  static SyntheticCheckpoint valid(long seed) {
    return SyntheticCheckpoint.builder().seed(seed).build();
  }

  static byte[] encode(SyntheticCheckpoint cp, Codec codec) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      cp.write(b, codec);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  static byte[] raw(SyntheticCheckpoint cp) {
    return encode(cp, Codec.RAW);
  }

  static byte[] zstd(byte[] raw) {
    try (ZstdCompressCtx c = new ZstdCompressCtx()) {
      c.setLevel(1);
      c.setChecksum(true);
      c.setContentSize(true);
      return c.compress(raw);
    }
  }

  static byte[] cut(byte[] b, int length) {
    return Arrays.copyOf(b, length);
  }

  /** Flips every bit of 64 bytes in the middle of the stream. */
  static byte[] corruptMiddle(byte[] b) {
    byte[] c = b.clone();
    for (int i = c.length / 2; i < c.length / 2 + 64; i++) {
      c[i] = (byte) ~c[i];
    }
    return c;
  }

  /**
   * A single zstd frame whose Frame_Content_Size field claims {@code claimed} bytes (RFC 8878
   * 3.1.1.1: the header descriptor at byte 4 says where the field is and how wide).
   */
  static byte[] zstdClaiming(byte[] raw, long claimed) {
    byte[] f = zstd(raw);
    int fhd = f[4] & 0xFF;
    int fcsFlag = fhd >>> 6;
    boolean singleSegment = (fhd & 0x20) != 0;
    int[] dictIdBytes = {0, 1, 2, 4};
    int at = ZSTD_MAGIC_AND_HEADER_BYTE + (singleSegment ? 0 : 1) + dictIdBytes[fhd & 3];
    int width = switch (fcsFlag) {
      case 0 -> singleSegment ? 1 : 0;
      case 1 -> 2;
      case 2 -> 4;
      default -> 8;
    };
    if (width < 4) {
      throw new IllegalStateException("expected a 4- or 8-byte content size field, flag " + fcsFlag);
    }
    for (int i = 0; i < width; i++) {
      f[at + i] = (byte) (claimed >>> (8 * i));
    }
    return f;
  }

  /**
   * A valid window followed by zeros, as concatenated zstd frames (each zero frame compresses
   * 64 MiB to a few bytes), decoding to more than {@link #MAX_IMAGE_GIB} GiB.
   */
  static byte[] bomb() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] window = valid(90).window();
    b.writeBytes(zstd(window));
    byte[] zeroFrame = zstd(new byte[ZERO_FRAME]);
    long total = window.length;
    while (total <= (MAX_IMAGE_GIB << 30) + BOMB_EXCESS) {
      b.writeBytes(zeroFrame);
      total += ZERO_FRAME;
    }
    return b.toByteArray();
  }

  /** Every broken-input case that a local set can hold. */
  static List<Case> localCases() {
    List<Case> c = new ArrayList<>();
    String read = FailureRecord.STAGE_READ;
    c.add(new Case("zero-byte object", path("zero_byte", ".zstd"), read, "empty-input", () -> new byte[0]));
    c.add(new Case("random bytes", path("random_bytes", ".zstd"), read, "not-a-checkpoint", () -> {
      byte[] junk = new byte[1 << 20];
      new java.util.SplittableRandom(3).nextBytes(junk);
      return junk;
    }));
    c.add(new Case("gzip cut inside the header", path("gzip_cut_header", ".gz"), read, "truncated-stream",
        () -> cut(encode(valid(1), Codec.GZIP), 5)));
    c.add(new Case("gzip cut in the middle", path("gzip_cut_middle", ".gz"), read, "truncated-stream", () -> {
      byte[] g = encode(valid(2), Codec.GZIP);
      return cut(g, g.length / 2);
    }));
    c.add(new Case("gzip cut inside the last block", path("gzip_cut_last_block", ".gz"), read, "truncated-stream",
        () -> {
          byte[] g = encode(valid(3), Codec.GZIP);
          return cut(g, g.length - GZIP_TRAILER - 4);
        }));
    c.add(new Case("gzip without its CRC32/ISIZE trailer", path("gzip_no_trailer", ".gz"), read, "truncated-stream",
        () -> {
          byte[] g = encode(valid(4), Codec.GZIP);
          return cut(g, g.length - GZIP_TRAILER);
        }));
    c.add(new Case("gzip with a corrupt block", path("gzip_corrupt_block", ".gz"), read, "corrupt-stream",
        () -> corruptMiddle(encode(valid(5), Codec.GZIP))));
    c.add(new Case("zstd cut inside the frame header", path("zstd_cut_header", ".zstd"), read, "truncated-stream",
        () -> cut(encode(valid(6), Codec.ZSTD), 5)));
    c.add(new Case("zstd cut in the middle", path("zstd_cut_middle", ".zstd"), read, "truncated-stream", () -> {
      byte[] z = encode(valid(7), Codec.ZSTD);
      return cut(z, z.length / 2);
    }));
    c.add(new Case("zstd cut inside the last block", path("zstd_cut_last_block", ".zstd"), read, "truncated-stream",
        () -> {
          byte[] z = encode(valid(8), Codec.ZSTD);
          return cut(z, z.length - ZSTD_CHECKSUM - 4);
        }));
    c.add(new Case("zstd without its content checksum", path("zstd_no_checksum", ".zstd"), read, "truncated-stream",
        () -> {
          byte[] z = encode(valid(9), Codec.ZSTD);
          return cut(z, z.length - ZSTD_CHECKSUM);
        }));
    c.add(new Case("zstd with a corrupt block", path("zstd_corrupt_block", ".zstd"), read, "corrupt-stream",
        () -> corruptMiddle(encode(valid(10), Codec.ZSTD))));
    c.add(new Case("zstd frame claiming more content than it has", path("zstd_size_too_big", ".zstd"), read,
        "corrupt-stream", () -> {
          byte[] r = raw(valid(11));
          return zstdClaiming(r, r.length + LIE);
        }));
    c.add(new Case("zstd frame claiming less content than it has", path("zstd_size_too_small", ".zstd"), read,
        "corrupt-stream", () -> {
          byte[] r = raw(valid(12));
          return zstdClaiming(r, r.length - LIE);
        }));
    c.add(new Case("decompression bomb past --maxImageGib", path("bomb", ".zstd"), read, "too-large",
        BadInputs::bomb));
    c.add(new Case("valid zstd stream without a checkpoint", path("no_checkpoint", ".zstd"), read,
        "not-a-checkpoint", () -> zstd(new byte[2 << 20])));
    c.add(new Case("V2 image claiming 129 harts", path("v2_129_harts", ".zstd"), read, "too-many-harts",
        () -> encode(SyntheticCheckpoint.builder().variant(Variant.V2).seed(13).csrReserve(Offsets.MAX_HARTS + 1)
            .build(), Codec.ZSTD)));
    c.add(new Case("saved privilege mode 2", path("mode_2", ".zstd"), read, "bad-privilege-mode",
        () -> encode(SyntheticCheckpoint.builder().seed(14).modes(2).build(), Codec.ZSTD)));
    c.add(new Case("V3 header followed by garbage", path("v3_garbage", ".zstd"), read, "bad-descriptor", () -> {
      byte[] r = raw(SyntheticCheckpoint.builder().variant(Variant.V3).seed(15).build());
      // keep the 6-byte magic prefix, then bytes no protobuf field can start with
      Arrays.fill(r, 6, (int) SyntheticCheckpoint.V3_CPT_OFFSET, (byte) 0xFF);
      return zstd(r);
    }));
    c.add(new Case("embedded restorer whose size word runs past the window", path("restorer_size", ".zstd"),
        FailureRecord.STAGE_NORMALIZE, "bad-embedded-restorer", () -> {
          // jal x0, 0 then a size word of 2 MiB: past the state at 0xECDB0
          byte[] restorer = {0x6F, 0, 0, 0, 0, 0, 0x20, 0};
          return encode(SyntheticCheckpoint.builder().seed(16).embeddedRestorer(restorer).build(), Codec.ZSTD);
        }));
    c.add(new Case("first of two checkpoint files in one point", "ambiguous/1/_1_0.100000_memory_.zstd",
        FailureRecord.STAGE_MATCH, "ambiguous-point", () -> encode(valid(17), Codec.ZSTD)));
    c.add(new Case("second of two checkpoint files in one point", "ambiguous/1/_1_0.200000_memory_.zstd",
        FailureRecord.STAGE_MATCH, "ambiguous-point", () -> encode(valid(18), Codec.ZSTD)));
    c.add(new Case("percent-encoded '..' as the workload", path("%2e%2e", ".zstd"), FailureRecord.STAGE_MATCH,
        "unsafe-path", () -> encode(valid(19), Codec.ZSTD)));
    return c;
  }

  /** Valid checkpoints placed beside the bad ones: the set still runs. */
  static List<Case> goodCases() {
    return List.of(
        new Case("valid V1", path("good_v1", ".zstd"), null, null, () -> encode(valid(20), Codec.ZSTD)),
        new Case("valid V2, 2 harts", path("good_v2", ".gz"), null, null,
            () -> encode(SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).seed(21).build(), Codec.GZIP)));
  }
}
