package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;

/**
 * How {@link ImageWriter} lays out and compresses an image file.
 *
 * @param codec {@link Codec#ZSTD} (default) or {@link Codec#GZIP}
 * @param level compression level: zstd 1..19 (default 1, what NEMU writes), gzip 0..9 (default 6,
 *     what NEMU's gzopen writes)
 * @param bodyFrameRawSize decompressed bytes per body frame, a multiple of 1 MiB; every body frame
 *     but the last holds exactly this many (default 8 MiB)
 * @param threads compression worker threads (the output does not depend on it); 0 compresses on
 *     the caller's thread, one frame after the other: one core per image, what a pipeline with
 *     one worker per core wants
 * @param singleFrame write the whole image as one zstd frame (for XiangShan's QEMU fork, which
 *     reads only the first frame, by its declared content size); needs the image's length up
 *     front, and the head is then not a separate frame (no {@link HeadSwap})
 * @param maxFramesInFlight body frames read but not yet written, at most; bounds memory (see
 *     {@link #memoryBoundBytes()}); default {@code threads + 2}
 */
public record ImageOptions(Codec codec, int level, long bodyFrameRawSize, int threads, boolean singleFrame,
    int maxFramesInFlight) {
  public static final long MIB = 1L << 20;
  public static final long DEFAULT_BODY_FRAME_RAW_SIZE = 8 * MIB;
  /** Largest frame: frames are compressed from one in-memory array each. */
  public static final long MAX_FRAME_RAW_SIZE = 256 * MIB;
  public static final int ZSTD_DEFAULT_LEVEL = 1;
  public static final int GZIP_DEFAULT_LEVEL = 6;
  static final int ZSTD_MIN_LEVEL = 1;
  static final int ZSTD_MAX_LEVEL = 19;
  static final int GZIP_MIN_LEVEL = 0;
  static final int GZIP_MAX_LEVEL = 9;
  /** Frames the reader may run ahead of the compressors beyond one per thread. */
  static final int READ_AHEAD_FRAMES = 2;

  public ImageOptions {
    if (codec != Codec.ZSTD && codec != Codec.GZIP) {
      throw new IllegalArgumentException("image codec must be zstd or gz, got " + codec);
    }
    int min = codec == Codec.ZSTD ? ZSTD_MIN_LEVEL : GZIP_MIN_LEVEL;
    int max = codec == Codec.ZSTD ? ZSTD_MAX_LEVEL : GZIP_MAX_LEVEL;
    if (level < min || level > max) {
      throw new IllegalArgumentException(codec.cliName() + " level must be in " + min + ".." + max + ", got " + level);
    }
    if (bodyFrameRawSize <= 0 || bodyFrameRawSize > MAX_FRAME_RAW_SIZE) {
      throw new IllegalArgumentException("body frame raw size must be in 1.." + MAX_FRAME_RAW_SIZE + ", got "
          + bodyFrameRawSize);
    }
    if (bodyFrameRawSize % MIB != 0) {
      throw new IllegalArgumentException("body frame raw size must be a multiple of " + MIB + ", got "
          + bodyFrameRawSize);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }
    if (singleFrame && codec != Codec.ZSTD) {
      throw new IllegalArgumentException("single-frame output exists for XiangShan's QEMU fork, which reads zstd;"
          + " gzip consumers read every member");
    }
    if (maxFramesInFlight < 1) {
      throw new IllegalArgumentException("maxFramesInFlight must be >= 1, got " + maxFramesInFlight);
    }
  }

  /**
   * Options from command-line values: {@code level} 0 means the codec's default, frames in MiB,
   * {@code threads + 2} frames in flight.
   */
  public static ImageOptions of(Codec codec, int level, int frameMib, int threads, boolean singleFrame) {
    int l = level > 0 ? level : codec == Codec.GZIP ? GZIP_DEFAULT_LEVEL : ZSTD_DEFAULT_LEVEL;
    return new ImageOptions(codec, l, frameMib * MIB, threads, singleFrame, threads + READ_AHEAD_FRAMES);
  }

  /** zstd level 1, 8 MiB body frames, one thread, framed. */
  public static ImageOptions defaults() {
    return new ImageOptions(Codec.ZSTD, ZSTD_DEFAULT_LEVEL, DEFAULT_BODY_FRAME_RAW_SIZE, 1, false,
        1 + READ_AHEAD_FRAMES);
  }

  /** These options with {@code codec} and its default level. */
  public ImageOptions withCodec(Codec c) {
    int l = c == Codec.GZIP ? GZIP_DEFAULT_LEVEL : ZSTD_DEFAULT_LEVEL;
    return new ImageOptions(c, l, bodyFrameRawSize, threads, singleFrame && c == Codec.ZSTD, maxFramesInFlight);
  }

  public ImageOptions withLevel(int l) {
    return new ImageOptions(codec, l, bodyFrameRawSize, threads, singleFrame, maxFramesInFlight);
  }

  public ImageOptions withBodyFrameRawSize(long size) {
    return new ImageOptions(codec, level, size, threads, singleFrame, maxFramesInFlight);
  }

  /** These options with {@code n} threads and the default {@code n + 2} frames in flight. */
  public ImageOptions withThreads(int n) {
    return new ImageOptions(codec, level, bodyFrameRawSize, n, singleFrame, n + READ_AHEAD_FRAMES);
  }

  public ImageOptions withSingleFrame(boolean single) {
    return new ImageOptions(codec, level, bodyFrameRawSize, threads, single, maxFramesInFlight);
  }

  public ImageOptions withMaxFramesInFlight(int n) {
    return new ImageOptions(codec, level, bodyFrameRawSize, threads, singleFrame, n);
  }

  /**
   * Worst-case heap the writer holds for one image, incompressible data assumed. With threads:
   * per frame in flight its raw buffer and its compressed copy, plus one encoder output per
   * thread. Inline: one slice, the copy of a frame's non-zero pages, the encoder's output and its
   * compressed copy. Independent of the image's size.
   */
  public long memoryBoundBytes() {
    long compressedBound = FrameEncoder.compressedBound(codec, bodyFrameRawSize);
    if (threads == 0) {
      return FrameEncoder.SLICE + bodyFrameRawSize + 2 * compressedBound;
    }
    return maxFramesInFlight * (bodyFrameRawSize + compressedBound) + threads * compressedBound;
  }
}
