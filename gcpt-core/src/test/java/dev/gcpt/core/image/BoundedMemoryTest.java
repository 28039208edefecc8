package dev.gcpt.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heap use does not grow with the image: an 8 GiB image goes through a JVM with a 256 MiB heap,
 * and reads back identical.
 */
@Tag("e2e")
class BoundedMemoryTest {
  private static final long IMAGE_LENGTH = 8L << 30;
  private static final String MAX_HEAP = "-Xmx256m";
  private static final long MAX_HEAP_BYTES = 256L << 20;
  private static final int THREADS = 2;
  private static final long TIMEOUT_MINUTES = 10;

  @TempDir
  Path dir;

  @Test
  void anEightGibImageIsWrittenWithA256MibHeap() throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log = dir.resolve("child.log");
    Process child = new ProcessBuilder(List.of(java.toString(), MAX_HEAP, "-cp", System.getProperty("java.class.path"),
        BoundedMemoryMain.class.getName(), Long.toString(IMAGE_LENGTH), Integer.toString(THREADS),
        dir.resolve("image.zstd").toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(child.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES), "child did not finish");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, child.exitValue(), output);
    Matcher m = Pattern.compile("OK rawLength=(\\d+) frames=(\\d+) compressedLength=\\d+ writeSeconds=\\S+"
        + " peakHeapBytes=(\\d+) maxHeapBytes=(\\d+)").matcher(output);
    assertTrue(m.find(), output);
    assertEquals(IMAGE_LENGTH, Long.parseLong(m.group(1)));
    long bodyFrames = (IMAGE_LENGTH - ImageWriter.HEAD_ALIGNMENT + ImageOptions.DEFAULT_BODY_FRAME_RAW_SIZE - 1)
        / ImageOptions.DEFAULT_BODY_FRAME_RAW_SIZE;
    assertEquals(1 + bodyFrames, Long.parseLong(m.group(2)));
    assertTrue(Long.parseLong(m.group(4)) <= MAX_HEAP_BYTES, output);
    assertTrue(Long.parseLong(m.group(3)) <= MAX_HEAP_BYTES, output);
    System.out.println(output.trim());
  }
}
