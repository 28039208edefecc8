package dev.gcpt.pipeline.io;

import static dev.gcpt.pipeline.io.StorageContract.get;
import static dev.gcpt.pipeline.io.StorageContract.put;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** Head replacement on a real S3 server (s3proxy): the kept bytes are copied inside the store. */
class S3HeadReplaceTest {
  static final String BUCKET = "heads";
  @RegisterExtension
  static final S3ServerExtension S3 = new S3ServerExtension(BUCKET);

  @Test
  void theHeadIsReplacedAndTheRestKept() throws IOException {
    byte[] old = new byte[13 << 20];
    new Random(1).nextBytes(old);
    String uri = "s3://" + BUCKET + "/obj";
    put(uri, old);
    byte[] head = "a new head of another length".getBytes();
    try (S3Client c = S3Listing.newClient(S3.options())) {
      assertTrue(S3HeadReplace.replace(c, uri, head, 1000, old.length));
      byte[] now = get(uri);
      assertArrayEquals(head, Arrays.copyOf(now, head.length));
      assertArrayEquals(Arrays.copyOfRange(old, 1000, old.length), Arrays.copyOfRange(now, head.length, now.length));
      // another length than expected: the object changed meanwhile; nothing is written
      IOException e = assertThrows(IOException.class, () -> S3HeadReplace.replace(c, uri, head, 1000, old.length));
      assertTrue(e.getMessage().contains("were expected"), e.getMessage());
      assertArrayEquals(now, get(uri));
      // too short to be worth a multipart upload: declined
      put(uri, Arrays.copyOf(old, 6 << 20));
      assertFalse(S3HeadReplace.replace(c, uri, head, 1000, 6 << 20));
    }
  }

  /** A regenerated bundle on S3 is byte for byte a fresh local build with the new restorer. */
  @Test
  void aRegenerationOnS3CopiesTheBodyInsideTheStore(@TempDir Path dir) throws IOException {
    ByteArrayOutputStream src = new ByteArrayOutputStream();
    SyntheticCheckpoint.builder().imageLength(40 << 20).randomPagesPerMille(500).build().write(src, Codec.ZSTD);
    byte[] source = src.toByteArray();
    BundleBuilder.Target target = new BundleBuilder.Target("w/1", "_1_0.5_memory_.zstd",
        new BundleManifest.SimPoint("w", "1", "0.5", null));
    BundleBuilder.Source s = new BundleBuilder.Source("mem://src", "size=" + source.length);
    try (StorageOutputFiles out = new StorageOutputFiles("s3://" + BUCKET + "/set", S3.options());
        BundleBuilder a = builder("xiangshan"); BundleBuilder b = builder("nemu")) {
      assertEquals(BundleBuilder.Status.BUILT, a.build(s, () -> new ByteArrayInputStream(source), target, out).status());
      BundleBuilder.Result r = b.build(s, () -> {
        throw new IOException("a regeneration must not read the source");
      }, target, out);
      assertEquals(BundleBuilder.Status.REGENERATED, r.status());
      assertTrue(r.manifest().image().compressedLength() > 3 * (5 << 20), "big enough for the multipart path");
      b.build(s, () -> new ByteArrayInputStream(source), target, new LocalOutputFiles(dir));
      assertArrayEquals(Files.readAllBytes(dir.resolve("w/1/_1_0.5_memory_.zstd")),
          get("s3://" + BUCKET + "/set/w/1/_1_0.5_memory_.zstd"));
      assertEquals(Files.readString(dir.resolve("w/1/bundle.json")),
          new String(get("s3://" + BUCKET + "/set/w/1/bundle.json")));
    }
  }

  static BundleBuilder builder(String platform) {
    return new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named(platform), new BundleBuilder.Builtin(),
        ImageOptions.of(Codec.ZSTD, 0, 1, 1, false), 128, 1L << 34));
  }
}
