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

  /** The documented shell recipe for the body digest gives {@link ChunkedSha256}'s value. */
  @Test
  void theBodyDigestCanBeCheckedWithStockTools() throws IOException, InterruptedException {
    assumeTool("zstd");
    assumeTool("python3");
    Path image = writeImage(options(Codec.ZSTD, 2), "img.zstd");
    ImageInfo info;
    try (ImageWriter writer = new ImageWriter(options(Codec.ZSTD, 1))) {
      info = writer.write(HEAD, new java.io.ByteArrayInputStream(BODY), OutputStream.nullOutputStream());
    }
    String recipe = "zstd -dc " + image + " | tail -c +" + (HEAD.length + 1)
        + " | python3 -c \"import hashlib,sys,functools;t=hashlib.sha256()\n"
        + "[t.update(hashlib.sha256(p).digest()) for p in iter(functools.partial(sys.stdin.buffer.read,4096),b'')]\n"
        + "print(t.hexdigest())\"";
    Run r = run(dir.resolve("digest.txt"), "sh", "-c", recipe);
    assertEquals(0, r.exit(), r.stderr());
    assertEquals(info.bodyRawChunkedSha256() + "\n", r.stdout());
    assertEquals(ChunkedSha256.of(pad(BODY)), info.bodyRawChunkedSha256());
    Run head = run(dir.resolve("head.txt"), "sh", "-c", "zstd -dc " + image + " | head -c " + HEAD.length + " | sha256sum");
    assertEquals(info.headRawSha256() + "  -\n", head.stdout());
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
