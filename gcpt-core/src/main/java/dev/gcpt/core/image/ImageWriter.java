package dev.gcpt.core.image;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.gcpt.core.codec.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes one image file as a head frame plus body frames (see {@code docs/image-format.md}):
 *
 * <pre>
 * +------------+---------+------------------+------------------+-----+-----------------+
 * | head frame | padding | body frame 0     | body frame 1     | ... | last body frame |
 * | raw [0, H) | no raw  | raw [H, H+F)     | raw [H+F, H+2F)  |     | raw <= F bytes  |
 * +------------+---------+------------------+------------------+-----+-----------------+
 * |&lt;-- head slot (64 KiB multiple) --&gt;|
 * H = head length (a multiple of 1 MiB), F = body frame raw size (8 MiB by default)
 * padding: {@link HeadSlot} (empty blocks inside the zstd head frame, or empty gzip members)
 * the last body frame ends with zeros up to a multiple of {@link #LENGTH_ALIGNMENT} (128 KiB)
 * zstd: each frame declares its content size and carries a checksum
 * gzip: each member has MTIME 0, XFL 0, OS 255, no name
 * </pre>
 *
 * Every consumer reads the concatenation as one image: every frame yields output and ends on a
 * 128 KiB boundary of the image, as NEMU's, the XiangShan emu's and XS-GEM5's loaders require
 * (shared/spec/checkpoint-formats.md §4a). Frames are independent, so body frames
 * may be compressed in parallel and a later {@link HeadSwap} reuses them as bytes. The output is
 * identical for identical input and options whatever the thread count.
 *
 * <p>Every frame goes through a {@link FrameEncoder}, which checks each 4 KiB page for the body's
 * digest ({@link PagedDigest}) and compresses 128 KiB slices while they are in cache. With 0 threads
 * the caller's thread reads the body straight into one slice, hashes and compresses it: one core
 * per image, and no raw frame buffer (only a copy of the frame's non-zero pages, kept in case the
 * body ends inside it). With threads, the caller's thread reads the body frame
 * by frame into at most {@link ImageOptions#maxFramesInFlight()} buffers, workers encode them and
 * the caller writes them in order. Heap use is bounded by {@link ImageOptions#memoryBoundBytes()},
 * whatever the image's size.
 *
 * <p>Thread-safe: several images may be written at once through one writer (they share its
 * threads). Close it to stop the threads.
 */
public final class ImageWriter implements AutoCloseable {
  /** Pass as the body length when it is not known (framed output only). */
  public static final long UNKNOWN_LENGTH = -1;
  /** The head covers the reserved window rounded up to whole MiB. */
  public static final long HEAD_ALIGNMENT = ImageOptions.MIB;
  /**
   * Every frame's raw length, and so the image's, is a multiple of this: NEMU's zstd loader reads
   * 128 KiB per call and asserts each call filled its buffer, and a call ends at every frame end.
   * The image is padded with zeros to it (the source's own length is in the manifest's source).
   */
  public static final long LENGTH_ALIGNMENT = 128 << 10;
  /** Raw bytes handed to zstd per call in single-frame mode (one digest chunk). */
  private static final int SINGLE_FRAME_CHUNK = 1 << 20;
  /** Compressed bytes collected before a write in single-frame mode. */
  private static final int SINGLE_FRAME_OUT_CHUNK = 1 << 20;

  private final ImageOptions options;
  private final ExecutorService pool;
  private final ConcurrentLinkedQueue<FrameEncoder> idle = new ConcurrentLinkedQueue<>();
  private final List<FrameEncoder> created = new ArrayList<>();

  public ImageWriter(ImageOptions options) {
    this.options = options;
    this.pool = options.singleFrame() || options.threads() == 0 ? null
        : Executors.newFixedThreadPool(options.threads(), new WorkerFactory());
  }

  public ImageOptions options() {
    return options;
  }

  /** Writes an image whose body length is not known up front (framed output only). */
  public ImageInfo write(byte[] head, InputStream body, OutputStream out) throws IOException {
    return write(head, body, UNKNOWN_LENGTH, out);
  }

  /**
   * Writes {@code head} followed by all of {@code body} to {@code out} (which stays open).
   *
   * @param head the head's raw bytes: the normalized reserved window, a non-zero multiple of 1 MiB
   * @param body the rest of the decompressed image, read to its end
   * @param bodyRawLength the body's length if known ({@link #UNKNOWN_LENGTH} otherwise); when given,
   *     a body of another length fails; single-frame output requires it
   * @throws ImageFormatException the body's length differs from {@code bodyRawLength}
   */
  public ImageInfo write(byte[] head, InputStream body, long bodyRawLength, OutputStream out) throws IOException {
    checkHead(head);
    if (options.singleFrame()) {
      if (bodyRawLength < 0) {
        throw new IllegalArgumentException("single-frame output declares the image's content size in the frame header:"
            + " the body length must be known up front");
      }
      return writeSingleFrame(head, body, bodyRawLength, out);
    }
    return writeFramed(head, body, bodyRawLength, out);
  }

  static void checkHead(byte[] head) {
    if (head.length == 0 || head.length % HEAD_ALIGNMENT != 0) {
      throw new IllegalArgumentException("head length must be a non-zero multiple of " + HEAD_ALIGNMENT + " bytes, got "
          + head.length);
    }
    if (head.length > ImageOptions.MAX_FRAME_RAW_SIZE) {
      throw new IllegalArgumentException("head of " + head.length + " bytes exceeds the frame limit of "
          + ImageOptions.MAX_FRAME_RAW_SIZE);
    }
  }

  /** A compressed frame and the checks of its 4 KiB pages ({@link PageCheck}). */
  record FrameResult(byte[] compressed, byte[] pageChecks) {}

  /** One frame in flight: its raw buffer and its result to come. */
  private record Pending(byte[] raw, Future<FrameResult> result) {}

  /** What a body came to: raw bytes and data frames (the head frame included). */
  private record Body(long rawBytes, long frames) {}

  private ImageInfo writeFramed(byte[] head, InputStream body, long bodyRawLength, OutputStream out)
      throws IOException {
    ImageDigest digest = ImageDigest.CURRENT;
    String headDigest = digest.hex(head);
    byte[] headFrame = withEncoder(e -> e.encode(head, 0, head.length));
    HeadSlot.Slot slot = HeadSlot.of(options.codec(), headFrame);
    out.write(slot.bytes());
    DigestingOutputStream sink = new DigestingOutputStream(out, digest.newDigest());
    PagedDigest bodyDigest = digest.newBodyDigest();
    ZeroPadded padded = new ZeroPadded(body);
    long paddedLength = bodyRawLength < 0 ? bodyRawLength : padded(bodyRawLength);
    Body written = pool == null ? writeBodyInline(padded, paddedLength, sink, bodyDigest)
        : writeBodyThreaded(padded, paddedLength, sink, bodyDigest);
    padded.checkSourceLength(bodyRawLength);
    sink.flush();
    return new ImageInfo(options.codec(), options.level(), false, head.length + written.rawBytes(),
        slot.bytes().length + sink.count(), head.length, slot.headFrameLength(), slot.bytes().length,
        written.frames(), options.bodyFrameRawSize(), digest, headDigest, Sha256.hex(bodyDigest),
        digest.hex(slot.bytes()), sink.hex());
  }

  /**
   * Reads, hashes and compresses the body on the caller's thread, one {@link FrameEncoder#SLICE}
   * at a time: each slice is read, hashed and compressed while it is in the core's cache. A frame
   * is declared full; the body's last frame, shorter, is encoded again by the encoder.
   */
  private Body writeBodyInline(InputStream body, long bodyRawLength, DigestingOutputStream sink,
      PagedDigest bodyDigest) throws IOException {
    int frameSize = Math.toIntExact(options.bodyFrameRawSize());
    byte[] slice = new byte[Math.min(FrameEncoder.SLICE, frameSize)];
    FrameEncoder encoder = takeEncoder();
    long bodyRaw = 0;
    long frames = 1;
    try {
      boolean more = true;
      while (more) {
        int inFrame = 0;
        while (inFrame < frameSize) {
          int want = Math.min(slice.length, frameSize - inFrame);
          int n = body.readNBytes(slice, 0, want);
          if (n > 0) {
            bodyRaw += n;
            checkNotLonger(bodyRaw, bodyRawLength);
            if (inFrame == 0) {
              encoder.begin(frameSize, true);
            }
            encoder.add(slice, 0, n);
            inFrame += n;
          }
          if (n < want) {
            more = false;
            break;
          }
        }
        if (inFrame > 0) {
          writeFrame(encoder.finish(), sink, bodyDigest);
          frames++;
        }
      }
    } finally {
      release(encoder);
    }
    return new Body(bodyRaw, frames);
  }

  private static void checkNotLonger(long bodyRaw, long bodyRawLength) throws ImageFormatException {
    if (bodyRawLength >= 0 && bodyRaw > bodyRawLength) {
      throw new ImageFormatException("the body is longer than the declared " + bodyRawLength + " bytes");
    }
  }

  /**
   * Reads the body frame by frame into at most {@link ImageOptions#maxFramesInFlight()} buffers;
   * the pool's workers hash and compress them; written in order.
   */
  private Body writeBodyThreaded(InputStream body, long bodyRawLength, DigestingOutputStream sink,
      PagedDigest bodyDigest) throws IOException {
    int frameSize = Math.toIntExact(options.bodyFrameRawSize());
    ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    ArrayDeque<byte[]> free = new ArrayDeque<>();
    long bodyRaw = 0;
    long frames = 1;
    try {
      while (true) {
        if (inFlight.size() >= options.maxFramesInFlight()) {
          free.add(writeOldest(inFlight, sink, bodyDigest));
        }
        byte[] buf = free.isEmpty() ? new byte[frameSize] : free.poll();
        int n = body.readNBytes(buf, 0, frameSize);
        if (n == 0) {
          break;
        }
        bodyRaw += n;
        checkNotLonger(bodyRaw, bodyRawLength);
        int len = n;
        inFlight.add(new Pending(buf, CompletableFuture.supplyAsync(() -> withEncoder(e -> e.frame(buf, 0, len)), pool)));
        frames++;
        if (n < frameSize) {
          break;
        }
      }
      while (!inFlight.isEmpty()) {
        writeOldest(inFlight, sink, bodyDigest);
      }
    } finally {
      settle(inFlight);
    }
    return new Body(bodyRaw, frames);
  }

  /** Waits for the oldest frame, writes it, returns its raw buffer for reuse. */
  private static byte[] writeOldest(ArrayDeque<Pending> inFlight, DigestingOutputStream sink, PagedDigest bodyDigest)
      throws IOException {
    Pending p = inFlight.poll();
    writeFrame(await(p.result()), sink, bodyDigest);
    return p.raw();
  }

  /** Writes a body frame's bytes and adds its page checks to the body digest, in body order. */
  private static void writeFrame(FrameResult r, DigestingOutputStream sink, PagedDigest bodyDigest)
      throws IOException {
    sink.write(r.compressed());
    bodyDigest.addChecks(r.pageChecks());
  }

  /** After a failure: lets the frames still in the pool finish, so none outlives the call. */
  private static void settle(ArrayDeque<Pending> inFlight) {
    for (Pending p : inFlight) {
      try {
        p.result().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        // the failure that matters is already propagating
      }
    }
    inFlight.clear();
  }

  private static <T> T await(Future<T> future) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing an image");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException("frame compression failed", cause);
    }
  }

  /** An idle encoder, or a new one. */
  private FrameEncoder takeEncoder() {
    FrameEncoder e = idle.poll();
    if (e == null) {
      e = new FrameEncoder(options.codec(), options.level());
      synchronized (created) {
        created.add(e);
      }
    }
    return e;
  }

  /** Back to the pool, ready for another frame (a frame left open by a failure is dropped). */
  private void release(FrameEncoder e) {
    e.abort();
    idle.add(e);
  }

  /** Runs {@code use} with a pooled encoder. */
  private <T> T withEncoder(java.util.function.Function<FrameEncoder, T> use) {
    FrameEncoder e = takeEncoder();
    try {
      return use.apply(e);
    } finally {
      release(e);
    }
  }

  /**
   * One zstd frame for the whole image, content size declared. libzstd's own workers compress it
   * (always at least one, so the bytes are the same for any thread count).
   */
  private ImageInfo writeSingleFrame(byte[] head, InputStream body, long bodyRawLength, OutputStream out)
      throws IOException {
    ImageDigest digest = ImageDigest.CURRENT;
    DigestingOutputStream sink = new DigestingOutputStream(out, digest.newDigest());
    String headDigest = digest.hex(head);
    PagedDigest bodyDigest = digest.newBodyDigest();
    long bodyRaw = 0;
    long paddedLength = padded(bodyRawLength);
    ZeroPadded padded = new ZeroPadded(body);
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      // at least one libzstd worker whatever the thread count: 0 workers would give other bytes
      ctx.setLevel(options.level()).setChecksum(true).setContentSize(true).setWorkers(Math.max(1, options.threads()));
      ctx.setPledgedSrcSize(head.length + paddedLength);
      byte[] dstBytes = new byte[SINGLE_FRAME_OUT_CHUNK];
      ByteBuffer dst = ByteBuffer.wrap(dstBytes);
      feed(ctx, ByteBuffer.wrap(head), dst, sink);
      byte[] chunk = new byte[SINGLE_FRAME_CHUNK];
      while (true) {
        int n = padded.readNBytes(chunk, 0, chunk.length);
        if (n == 0) {
          break;
        }
        bodyRaw += n;
        checkNotLonger(bodyRaw, paddedLength);
        bodyDigest.update(chunk, 0, n);
        feed(ctx, ByteBuffer.wrap(chunk, 0, n), dst, sink);
      }
      padded.checkSourceLength(bodyRawLength);
      ByteBuffer none = ByteBuffer.allocate(0);
      boolean flushed;
      do {
        flushed = ctx.compressByteBufferStream(dst, none, EndDirective.END);
        drain(dst, sink);
      } while (!flushed);
    }
    sink.flush();
    return new ImageInfo(Codec.ZSTD, options.level(), true, head.length + bodyRaw, sink.count(), head.length,
        ImageInfo.NO_HEAD_FRAME, 0, 1, 0, digest, headDigest, Sha256.hex(bodyDigest), digest.hex(new byte[0]),
        sink.hex());
  }

  private static void feed(ZstdCompressCtx ctx, ByteBuffer src, ByteBuffer dst, DigestingOutputStream sink)
      throws IOException {
    while (src.hasRemaining()) {
      ctx.compressByteBufferStream(dst, src, EndDirective.CONTINUE);
      drain(dst, sink);
    }
  }

  private static void drain(ByteBuffer dst, DigestingOutputStream sink) throws IOException {
    if (dst.position() > 0) {
      sink.write(dst.array(), dst.arrayOffset(), dst.position());
      dst.clear();
    }
  }

  /** {@code bodyLength} rounded up to {@link #LENGTH_ALIGNMENT} (the head is a whole number of MiB). */
  static long padded(long bodyLength) {
    return (bodyLength + LENGTH_ALIGNMENT - 1) / LENGTH_ALIGNMENT * LENGTH_ALIGNMENT;
  }

  /**
   * The body, then zeros up to a multiple of {@link #LENGTH_ALIGNMENT}; counts the body's own
   * bytes, so that a body shorter than declared is caught even when padding would hide it.
   */
  private static final class ZeroPadded extends dev.gcpt.core.io.BulkInputStream {
    private final InputStream body;
    private long sourceBytes;
    private long zerosLeft = -1;

    ZeroPadded(InputStream body) {
      this.body = body;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (zerosLeft < 0) {
        int n = body.read(b, off, len);
        if (n >= 0) {
          sourceBytes += n;
          return n;
        }
        zerosLeft = padded(sourceBytes) - sourceBytes;
      }
      if (zerosLeft == 0) {
        return -1;
      }
      int n = (int) Math.min(len, zerosLeft);
      java.util.Arrays.fill(b, off, off + n, (byte) 0);
      zerosLeft -= n;
      return n;
    }

    /** Fails unless the body held {@code declared} bytes (when declared). */
    void checkSourceLength(long declared) throws ImageFormatException {
      if (declared >= 0 && sourceBytes != declared) {
        throw new ImageFormatException("the body holds " + sourceBytes + " bytes, " + declared + " were declared");
      }
    }
  }

  /** Compresses {@code head} as a head frame exactly as {@link #write} does (used by {@link HeadSwap}). */
  static byte[] compressHead(Codec codec, int level, byte[] head) {
    try (FrameEncoder e = new FrameEncoder(codec, level)) {
      return e.encode(head, 0, head.length);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdown();
      try {
        while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
          // frames still compressing: keep waiting, their compressors are closed below
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (created) {
      for (FrameEncoder e : created) {
        e.close();
      }
      created.clear();
    }
    idle.clear();
  }

  /** Daemon workers named gcpt-image-N. */
  private static final class WorkerFactory implements ThreadFactory {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "gcpt-image-" + SEQUENCE.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }
}
