package dev.gcpt.core.image;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.gcpt.core.codec.Codec;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Encodes one frame from consecutive slices of its raw bytes: each slice's 4 KiB pages are checked
 * ({@link PageCheck}, the body digest's pages) and the slice goes to the compressor while it is still in the core's
 * cache, so the raw bytes cross memory once, not once per pass. (Hashing a whole 8 MiB frame and
 * then compressing it read it from DRAM twice; with two workers on this project's 2-vCPU machines
 * the memory bus, not the cores, then set the pace.)
 *
 * <p>The frame is a zstd frame with its content size and a checksum, or a gzip member with MTIME
 * 0, XFL 0, OS 255 ("unknown") and no name. Its bytes depend only on the raw bytes, the codec,
 * the level and the library versions (zstd-jni's libzstd, the JDK's zlib), never on how the raw
 * bytes were sliced, the thread or the time: libzstd's streaming compressor and zlib's deflate
 * both buffer their input into blocks of their own (tested in {@code FrameEncoderTest}).
 *
 * <p>Zeros first: while every page so far is zero nothing reaches the compressor; a frame that
 * is all zero reuses the bytes the longest all-zero frame so far compressed to, when it has that
 * length (the bulk of most images, at the cost of a compare). Leading zeros that are followed by data are fed from a
 * constant array, which gives the same bytes as feeding them from the caller's.
 *
 * <p>A frame declared longer than what arrives (the image's last frame, when the body's length is
 * not known up front): zstd declares the content size in the frame header, so the encoder then
 * starts the frame again with the length that arrived, from a copy of the non-zero pages it kept
 * ({@code keepPages}). gzip declares no size and needs no copy.
 *
 * <p>Not thread-safe: one per worker.
 */
final class FrameEncoder implements AutoCloseable {
  /** Raw bytes hashed then compressed at a time: small enough to stay in a core's L2 cache. */
  static final int SLICE = 128 * 1024;
  /** gzip member header: 1f 8b, CM 8, FLG 0, MTIME 0, XFL 0, OS 255. */
  static final byte[] GZIP_HEADER = {0x1F, (byte) 0x8B, 8, 0, 0, 0, 0, 0, 0, (byte) 0xFF};
  static final int GZIP_TRAILER_SIZE = 8;
  private static final int PAGE = PageCheck.PAGE;
  private static final byte[] ZEROS = new byte[SLICE];
  private static final int INITIAL_OUTPUT = 64 * 1024;

  private final Codec codec;
  private final int level;
  private final ZstdCompressCtx zstd;
  private final Deflater deflater;
  private final CRC32 crc;
  private final PageCheck.Checker checker = ImageDigest.CURRENT.bodyPages().checker();
  private final int checkSize = ImageDigest.CURRENT.bodyPages().size();

  private byte[] output = new byte[INITIAL_OUTPUT];
  private int outputLength;
  private byte[] digests = new byte[0];
  private long declared;
  private long added;
  /** Some raw bytes reached the compressor (all pages before them were zero until then). */
  private boolean fed;
  /** A frame is open: {@link #begin} was called, {@link #finish} not yet. */
  private boolean open;
  /** The last slice ended inside a page: nothing may follow it. */
  private boolean partialPageAdded;
  /** The frame may end before its declared length: keep its non-zero pages. */
  private boolean keepPages;
  /** With {@code keepPages}: the frame's non-zero pages, at their offsets, and which they are. */
  private byte[] kept;
  private final BitSet keptPages = new BitSet();
  private byte[] zeroFrame;
  private long zeroFrameLength = -1;

  FrameEncoder(Codec codec, int level) {
    this.codec = codec;
    this.level = level;
    if (codec == Codec.ZSTD) {
      zstd = new ZstdCompressCtx();
      configureZstd();
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

  private void configureZstd() {
    zstd.setLevel(level).setChecksum(true).setContentSize(true);
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

  /** A whole frame at once, {@code src[off, off+len)}, a slice at a time: its bytes and page checks. */
  ImageWriter.FrameResult frame(byte[] src, int off, int len) {
    begin(len, false);
    for (int p = off; p < off + len; p += SLICE) {
      add(src, p, Math.min(SLICE, off + len - p));
    }
    return finish();
  }

  /** The compressed bytes of {@link #frame} (head frames, tests). */
  byte[] encode(byte[] src, int off, int len) {
    return frame(src, off, len).compressed();
  }

  /**
   * Starts a frame of {@code rawLength} bytes.
   *
   * @param mayEndShort fewer bytes may arrive (the caller streams a body of unknown length): keep
   *     a copy of the non-zero pages so that a zstd frame can be encoded again with the length
   *     that arrived
   * @throws IllegalStateException a frame is already open
   */
  void begin(long rawLength, boolean mayEndShort) {
    if (open) {
      throw new IllegalStateException("a frame is already open");
    }
    if (rawLength < 0 || rawLength > ImageOptions.MAX_FRAME_RAW_SIZE) {
      throw new IllegalArgumentException("frame raw length must be in 0.." + ImageOptions.MAX_FRAME_RAW_SIZE
          + ", got " + rawLength);
    }
    open = true;
    keepPages = mayEndShort;
    declared = rawLength;
    added = 0;
    fed = false;
    partialPageAdded = false;
    outputLength = 0;
    int pages = Math.toIntExact((rawLength + PAGE - 1) / PAGE);
    if (digests.length != pages * checkSize) {
      digests = new byte[pages * checkSize];
    }
    keptPages.clear();
    startCompressor(rawLength);
  }

  private void startCompressor(long rawLength) {
    if (codec == Codec.ZSTD) {
      zstd.setPledgedSrcSize(rawLength);
    } else {
      deflater.reset();
      crc.reset();
      System.arraycopy(GZIP_HEADER, 0, output, 0, GZIP_HEADER.length);
      outputLength = GZIP_HEADER.length;
    }
  }

  /**
   * Adds the next raw bytes {@code b[off, off+len)}: a whole number of 4 KiB pages, except for the
   * frame's last bytes.
   */
  void add(byte[] b, int off, int len) {
    if (!open) {
      throw new IllegalStateException("no frame is open");
    }
    if (partialPageAdded) {
      throw new IllegalStateException("bytes added after a partial page");
    }
    if (added + len > declared) {
      throw new IllegalStateException("frame of " + declared + " bytes: " + (added + len) + " added");
    }
    boolean allZero = hashPages(b, off, len);
    if (len % PAGE != 0) {
      partialPageAdded = true;
    }
    if (!allZero || fed) {
      if (!fed) {
        feedZeros(added);
        fed = true;
      }
      feed(b, off, len, EndDirective.CONTINUE);
    }
    added += len;
  }

  /** Checks the pages of the slice into {@link #digests} (and keeps the non-zero ones); true if all were zero. */
  private boolean hashPages(byte[] b, int off, int len) {
    boolean allZero = true;
    int firstPage = (int) (added / PAGE);
    for (int i = 0; i * PAGE < len; i++) {
      int start = off + i * PAGE;
      int n = Math.min(PAGE, off + len - start);
      boolean zero = checker.check(b, start, n, digests, (firstPage + i) * checkSize);
      if (!zero) {
        allZero = false;
        if (keepPages && codec == Codec.ZSTD) {
          keep(firstPage + i, b, start, n);
        }
      }
    }
    return allZero;
  }

  private void keep(int page, byte[] b, int off, int len) {
    if (kept == null || kept.length < declared) {
      kept = new byte[Math.toIntExact(declared)];
    }
    System.arraycopy(b, off, kept, page * PAGE, len);
    keptPages.set(page);
  }

  /**
   * Ends the frame: its compressed bytes and its pages' checks. After a failure the frame stays
   * open: {@link #abort} it.
   */
  ImageWriter.FrameResult finish() {
    if (!open) {
      throw new IllegalStateException("no frame is open");
    }
    if (added < declared && codec == Codec.ZSTD) {
      restartShorter();
    }
    byte[] pageDigests = Arrays.copyOf(digests, Math.toIntExact((added + PAGE - 1) / PAGE) * checkSize);
    byte[] compressed;
    if (fed) {
      compressed = end();
    } else if (zeroFrameLength == added) {
      compressed = zeroFrame; // the compressor saw nothing: only gzip's header in the output is dropped
    } else {
      feedZeros(added);
      compressed = end();
      if (added > zeroFrameLength) { // keep the full frame's bytes, not an image's short last frame
        zeroFrame = compressed;
        zeroFrameLength = added;
      }
    }
    open = false;
    outputLength = 0;
    return new ImageWriter.FrameResult(compressed, pageDigests);
  }

  /** The frame ended before its declared length: starts it again declaring what arrived. */
  private void restartShorter() {
    if (!keepPages) {
      throw new IllegalStateException("zstd frame declared as " + declared + " bytes ended after " + added);
    }
    resetZstd();
    outputLength = 0;
    zstd.setPledgedSrcSize(added);
    if (!fed) {
      return;
    }
    long done = 0;
    while (done < added) {
      int page = (int) (done / PAGE);
      boolean keptPage = keptPages.get(page);
      int end = keptPage ? keptPages.nextClearBit(page) : keptPages.nextSetBit(page);
      long runEnd = end < 0 ? added : Math.min(added, (long) end * PAGE);
      if (keptPage) {
        feed(kept, (int) done, (int) (runEnd - done), EndDirective.CONTINUE);
      } else {
        feedZeros(runEnd - done);
      }
      done = runEnd;
    }
  }

  /** Whether a frame is open (begun, not finished). */
  boolean isOpen() {
    return open;
  }

  /** Drops the open frame, if any (after a failure), so that the encoder can start another. */
  void abort() {
    if (!open) {
      return;
    }
    open = false;
    outputLength = 0;
    if (codec == Codec.ZSTD) {
      resetZstd();
    }
  }

  /** Drops libzstd's frame in progress; the level, checksum and content-size flags are set again. */
  private void resetZstd() {
    zstd.reset();
    configureZstd();
  }

  private void feedZeros(long n) {
    while (n > 0) {
      int k = (int) Math.min(ZEROS.length, n);
      feed(ZEROS, 0, k, EndDirective.CONTINUE);
      n -= k;
    }
  }

  private void feed(byte[] b, int off, int len, EndDirective directive) {
    if (codec == Codec.ZSTD) {
      ByteBuffer src = ByteBuffer.wrap(b, off, len);
      boolean done;
      do {
        ensureOutputSpace();
        ByteBuffer dst = ByteBuffer.wrap(output, outputLength, output.length - outputLength);
        done = zstd.compressByteBufferStream(dst, src, directive);
        outputLength = dst.position();
      } while (src.hasRemaining() || (directive == EndDirective.END && !done));
    } else {
      crc.update(b, off, len);
      deflater.setInput(b, off, len);
      while (!deflater.needsInput()) {
        deflateSome();
      }
    }
  }

  private void deflateSome() {
    ensureOutputSpace();
    outputLength += deflater.deflate(output, outputLength, output.length - outputLength);
  }

  private byte[] end() {
    if (codec == Codec.ZSTD) {
      feed(ZEROS, 0, 0, EndDirective.END);
    } else {
      deflater.finish();
      while (!deflater.finished()) {
        deflateSome();
      }
      if (output.length - outputLength < GZIP_TRAILER_SIZE) {
        output = Arrays.copyOf(output, output.length + GZIP_TRAILER_SIZE);
      }
      outputLength = putIntLE(output, outputLength, (int) crc.getValue());
      outputLength = putIntLE(output, outputLength, (int) added);
    }
    return Arrays.copyOf(output, outputLength);
  }

  /** At least some free room in {@link #output}: doubles it when full. */
  private void ensureOutputSpace() {
    if (output.length - outputLength < 1024) {
      output = Arrays.copyOf(output, output.length * 2);
    }
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
