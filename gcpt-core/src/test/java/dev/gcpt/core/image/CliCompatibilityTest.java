package dev.gcpt.core.image;

import static dev.gcpt.core.codec.TestStreams.concat;
import static dev.gcpt.core.codec.TestStreams.pad;
import static dev.gcpt.core.image.ImageWriterTest.BODY;
import static dev.gcpt.core.image.ImageWriterTest.HEAD;
import static dev.gcpt.core.image.ImageWriterTest.decode;
import static dev.gcpt.core.image.ImageWriterTest.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gcpt.core.codec.Codec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stock zstd and gzip CLIs (the loaders' libraries) read what ImageWriter writes. */
class CliCompatibilityTest {
  private static final long TOOL_TIMEOUT_SECONDS = 60;
  private static final byte[] IMAGE = concat(HEAD, pad(BODY));

  @TempDir
  Path dir;

  private record Run(int exit, String stderr, String stdout) {}

  private Run run(Path stdout, String... command) throws IOException, InterruptedException {
    Path err = dir.resolve("stderr.txt");
    Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS), "timed out: " + List.of(command));
    return new Run(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8),
        Files.readString(stdout, StandardCharsets.ISO_8859_1));
  }

  private static void assumeTool(String tool) {
    boolean present;
    try {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      present = p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      present = false;
    }
    assumeTrue(present, tool + " CLI not installed (Debian package '" + tool + "'): compatibility not checked");
  }

  private Path writeImage(ImageOptions options, String name) throws IOException {
    Path file = dir.resolve(name);
    try (ImageWriter writer = new ImageWriter(options); OutputStream out = Files.newOutputStream(file)) {
      writer.write(HEAD, new java.io.ByteArrayInputStream(BODY), BODY.length, out);
    }
    return file;
  }

  private void assertDecodesToTheImage(Path image, String tool) throws IOException, InterruptedException {
    Path raw = dir.resolve(image.getFileName() + ".raw");
    Run r = run(raw, tool, "-d", "-c", image.toString());
    assertEquals(0, r.exit(), tool + " -d failed: " + r.stderr());
    assertEquals("", r.stderr(), tool + " warned");
    assertArrayEquals(IMAGE, Files.readAllBytes(raw), tool + " -d output differs from the image");
    assertArrayEquals(IMAGE, decode(Files.readAllBytes(image)), "DecodedStream output differs from the image");
  }

  @Test
  void zstdReadsTheFramedImageAndCountsItsFrames() throws IOException, InterruptedException {
    assumeTool("zstd");
    Path image = writeImage(options(Codec.ZSTD, 2), "_1_0.5_memory_.zstd");
    assertDecodesToTheImage(image, "zstd");
    Run list = run(dir.resolve("list.txt"), "zstd", "-lv", image.toString());
    assertEquals(0, list.exit(), list.stderr());
    assertTrue(list.stdout().contains("# Zstandard Frames: 7"), list.stdout());
    assertTrue(list.stdout().contains("Check: XXH64"), list.stdout());
    assertTrue(list.stdout().contains("(" + IMAGE.length + " B)"), list.stdout());
  }

  @Test
  void zstdReadsTheSingleFrameImage() throws IOException, InterruptedException {
    assumeTool("zstd");
    Path image = writeImage(options(Codec.ZSTD, 2).withSingleFrame(true), "single.zstd");
    assertDecodesToTheImage(image, "zstd");
    Run list = run(dir.resolve("list.txt"), "zstd", "-lv", image.toString());
    assertTrue(list.stdout().contains("# Zstandard Frames: 1"), list.stdout());
    assertTrue(list.stdout().contains("Decompressed Size: ") && list.stdout().contains("(" + IMAGE.length + " B)"),
        list.stdout());
  }

  /**
   * The documented recipes (bin/pagecrc64, docs/image-format.md "Digests") give the four digests
   * the writer records, and the reference implementation's.
   */
  @Test
  void theDigestsCanBeCheckedWithStockTools() throws IOException, InterruptedException {
    assumeTool("zstd");
    assumeTool("python3");
    Path script = Path.of("..", "bin", "pagecrc64").toAbsolutePath().normalize();
    assumeTrue(Files.isRegularFile(script), script + " not found (run from the module directory)");
    ImageInfo info;
    Path image = dir.resolve("img.zstd");
    try (ImageWriter writer = new ImageWriter(options(Codec.ZSTD, 2)); OutputStream out = Files.newOutputStream(image)) {
      info = writer.write(HEAD, new java.io.ByteArrayInputStream(BODY), BODY.length, out);
    }
    assertEquals(ImageDigest.PAGE_CRC64, info.digest());
    String py = "python3 " + script;
    long h = info.headRawLength();
    long s = info.headSlotLength();
    List<String[]> recipes = List.of(
        new String[] {"zstd -dc " + image + " | head -c " + h + " | " + py, info.headRawDigest()},
        new String[] {"zstd -dc " + image + " | tail -c +" + (h + 1) + " | " + py, info.bodyRawDigest()},
        new String[] {"head -c " + s + " " + image + " | " + py, info.headSlotDigest()},
        new String[] {"tail -c +" + (s + 1) + " " + image + " | " + py, info.bodyDigest()});
    for (String[] recipe : recipes) {
      Run r = run(dir.resolve("digest.txt"), "sh", "-c", recipe[0]);
      assertEquals(0, r.exit(), r.stderr());
      assertEquals(recipe[1] + "\n", r.stdout(), recipe[0]);
    }
    assertEquals(PagedCrcReference.hex(pad(BODY)), info.bodyRawDigest());
    assertEquals(PagedCrcReference.hex(HEAD), info.headRawDigest());
  }

  @Test
  void gzipReadsTheMultiMemberImage() throws IOException, InterruptedException {
    assumeTool("gzip");
    Path image = writeImage(options(Codec.GZIP, 2), "_1_0.5_memory_.gz");
    assertDecodesToTheImage(image, "gzip");
    Run test = run(dir.resolve("t.txt"), "gzip", "-t", image.toString());
    assertEquals(0, test.exit(), test.stderr());
  }
}
