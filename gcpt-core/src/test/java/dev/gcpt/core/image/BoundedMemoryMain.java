package dev.gcpt.core.image;

import dev.gcpt.core.codec.DecodedStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Run in a JVM with a small heap by {@link BoundedMemoryTest}: writes a synthetic image of the
 * given length, reads it back and compares, prints one result line.
 * Arguments: image length, threads, output file.
 */
public final class BoundedMemoryMain {
  static final long RANDOM_EVERY = 256;
  static final long SEED = 42;
  private static final int COMPARE_CHUNK = 1 << 20;

  private BoundedMemoryMain() {}

  public static void main(String[] args) throws IOException {
    long length = Long.parseLong(args[0]);
    int threads = Integer.parseInt(args[1]);
    Path file = Path.of(args[2]);
    ImageOptions options = ImageOptions.defaults().withThreads(threads);
    long started = System.nanoTime();
    ImageInfo info;
    try (ImageWriter writer = new ImageWriter(options);
        InputStream image = new SyntheticImage(length, RANDOM_EVERY, SEED);
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      byte[] head = image.readNBytes((int) ImageWriter.HEAD_ALIGNMENT);
      info = writer.write(head, image, length - head.length, out);
    }
    double writeSeconds = (System.nanoTime() - started) / 1e9;
    try (InputStream in = Files.newInputStream(file)) {
      FrameScanner.checkLayout(info, FrameScanner.scan(in, file.toString()), file.toString());
    }
    try (DecodedStream decoded = DecodedStream.open(Files.newInputStream(file), file.toString(), length);
        InputStream expected = new SyntheticImage(length, RANDOM_EVERY, SEED)) {
      byte[] a = new byte[COMPARE_CHUNK];
      byte[] b = new byte[COMPARE_CHUNK];
      long pos = 0;
      while (true) {
        int n = decoded.readNBytes(a, 0, a.length);
        int m = expected.readNBytes(b, 0, b.length);
        if (n != m || Arrays.mismatch(a, 0, n, b, 0, m) >= 0) {
          throw new IllegalStateException("read-back differs near offset " + pos);
        }
        if (n == 0) {
          break;
        }
        pos += n;
      }
      if (pos != length) {
        throw new IllegalStateException("read back " + pos + " bytes of " + length);
      }
    }
    long peakHeap = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peakHeap += pool.getPeakUsage().getUsed();
      }
    }
    System.out.println("OK rawLength=" + info.rawLength() + " frames=" + info.frameCount() + " compressedLength="
        + info.compressedLength() + " writeSeconds=" + String.format("%.1f", writeSeconds) + " peakHeapBytes=" + peakHeap
        + " maxHeapBytes=" + Runtime.getRuntime().maxMemory() + " memoryBoundBytes=" + options.memoryBoundBytes());
  }
}
