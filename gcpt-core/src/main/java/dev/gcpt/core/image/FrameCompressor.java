package dev.gcpt.core.image;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.gcpt.core.codec.Codec;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses one frame: a zstd frame with its content size and a checksum, or a gzip member with
 * MTIME 0, XFL 0, OS 255 ("unknown") and no name. The bytes depend only on the input, the codec,
 * the level and the library versions (zstd-jni's libzstd, the JDK's zlib), never on the thread
 * or the time. Not thread-safe: one per worker.
 */
final class FrameCompressor implements AutoCloseable {
  /** gzip member header: 1f 8b, CM 8, FLG 0, MTIME 0, XFL 0, OS 255. */
  static final byte[] GZIP_HEADER = {0x1F, (byte) 0x8B, 8, 0, 0, 0, 0, 0, 0, (byte) 0xFF};
  static final int GZIP_TRAILER_SIZE = 8;

  private final Codec codec;
  private final ZstdCompressCtx zstd;
  private final Deflater deflater;
  private final CRC32 crc;
  private byte[] scratch = new byte[0];

  FrameCompressor(Codec codec, int level) {
    this.codec = codec;
    if (codec == Codec.ZSTD) {
      zstd = new ZstdCompressCtx();
      zstd.setLevel(level).setChecksum(true).setContentSize(true);
      deflater = null;
      crc = null;
    } else if (codec == Codec.GZIP) {
      zstd = null;
      deflater = new Deflater(level, true);
      crc = new CRC32();
    } else {
      throw new IllegalArgumentException("cannot compress frames as " + codec);
    }
  }

  /** Upper bound of one compressed frame holding {@code rawLength} bytes. */
  static long compressedBound(Codec codec, long rawLength) {
    if (codec == Codec.ZSTD) {
      return Zstd.compressBound(rawLength);
    }
    // zlib's deflateBound for stored blocks, plus the gzip header and trailer
    return rawLength + (rawLength >> 12) + (rawLength >> 14) + (rawLength >> 25) + 7 + GZIP_HEADER.length
        + GZIP_TRAILER_SIZE;
  }

  /** One complete frame (zstd) or member (gzip) holding {@code src[off, off+len)}. */
  byte[] compress(byte[] src, int off, int len) {
    int bound = Math.toIntExact(compressedBound(codec, len));
    if (scratch.length < bound) {
      scratch = new byte[bound];
    }
    int size = codec == Codec.ZSTD ? zstd.compressByteArray(scratch, 0, scratch.length, src, off, len)
        : gzipMember(src, off, len);
    return Arrays.copyOf(scratch, size);
  }

  private int gzipMember(byte[] src, int off, int len) {
    System.arraycopy(GZIP_HEADER, 0, scratch, 0, GZIP_HEADER.length);
    int pos = GZIP_HEADER.length;
    deflater.reset();
    deflater.setInput(src, off, len);
    deflater.finish();
    while (!deflater.finished()) {
      if (pos == scratch.length - GZIP_TRAILER_SIZE) {
        scratch = Arrays.copyOf(scratch, scratch.length * 2);
      }
      pos += deflater.deflate(scratch, pos, scratch.length - GZIP_TRAILER_SIZE - pos);
    }
    crc.reset();
    crc.update(src, off, len);
    pos = putIntLE(scratch, pos, (int) crc.getValue());
    return putIntLE(scratch, pos, len);
  }

  private static int putIntLE(byte[] b, int pos, int value) {
    for (int i = 0; i < 4; i++) {
      b[pos + i] = (byte) (value >>> (8 * i));
    }
    return pos + 4;
  }

  @Override
  public void close() {
    if (zstd != null) {
      zstd.close();
    }
    if (deflater != null) {
      deflater.end();
    }
  }
}
