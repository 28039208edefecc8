package dev.gcpt.core.image;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Manual benchmark (not a test): decodes a compressed image and writes it with ImageWriter.
 * {@code java -cp <test classpath> dev.gcpt.core.image.ImageWriterBenchmark in.zst out.zstd zstd 1 2}
 * (input, output, codec, thread counts...). Prints MiB/s of raw image per run, decode included;
 * a "decode-only" line gives the decoder alone.
 */
public final class ImageWriterBenchmark {
  private static final double MIB = 1 << 20;
  private static final int REPEATS = 3;

  private ImageWriterBenchmark() {}

  public static void main(String[] args) throws IOException {
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Codec codec = Codec.fromCliName(args[2]);
    for (int r = 0; r < REPEATS; r++) {
      long t0 = System.nanoTime();
      long raw;
      try (DecodedStream s = DecodedStream.open(Files.newInputStream(in), in.toString(), Long.MAX_VALUE)) {
        raw = s.transferTo(OutputStream.nullOutputStream());
      }
      report("decode-only", raw, t0, -1);
      for (int i = 3; i < args.length; i++) {
        int threads = Integer.parseInt(args[i]);
        ImageOptions options = ImageOptions.defaults().withCodec(codec).withThreads(threads);
        long t1 = System.nanoTime();
        ImageInfo info;
        try (ImageWriter writer = new ImageWriter(options);
            InputStream image = DecodedStream.open(Files.newInputStream(in), in.toString(), Long.MAX_VALUE);
            OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
          byte[] head = image.readNBytes((int) ImageWriter.HEAD_ALIGNMENT);
          info = writer.write(head, image, o);
        }
        report("decode+write " + codec.cliName() + " threads=" + threads + " -> " + info.compressedLength() + " B",
            info.rawLength(), t1, threads);
      }
    }
  }

  private static void report(String what, long raw, long startNanos, int threads) {
    double s = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf("%-60s %6.2f s %8.0f MiB/s%n", what, s, raw / MIB / s);
  }
}
