package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.io.Store;
import dev.gcpt.pipeline.io.S3ServerExtension;
import dev.gcpt.pipeline.io.Storage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One input stat'ed alone gets the fingerprint the set listing records for it. */
class FindCheckpointsStatTest {
  static final String BUCKET = "stat";
  @RegisterExtension
  static final S3ServerExtension S3 = new S3ServerExtension(BUCKET);

  @Test
  void anS3ObjectHasTheListingsFingerprintWithItsEtag() throws IOException {
    try (OutputStream o = Storage.create("s3://" + BUCKET + "/set/w/1/_1_0.5_memory_.zstd", Storage.BINARY)) {
      o.write(new byte[1234]);
    }
    List<Store.Entry> listed = Storage.store(S3.options()).list("s3://" + BUCKET + "/set");
    assertEquals(1, listed.size());
    Store.Entry one = Storage.store(S3.options()).stat(listed.get(0).uri());
    assertEquals(listed.get(0).fingerprint(), one.fingerprint());
    assertTrue(one.fingerprint().matches("size=1234,mtime=\\d+,etag=.+"), one.fingerprint());
    FileNotFoundException missing = assertThrows(FileNotFoundException.class,
        () -> Storage.store(S3.options()).stat("s3://" + BUCKET + "/set/none.zstd"));
    assertEquals("no such object: s3://" + BUCKET + "/set/none.zstd", missing.getMessage());
  }

  @Test
  void aLocalFileHasTheListingsFingerprint(@TempDir Path dir) throws IOException {
    Path f = Files.createDirectories(dir.resolve("w/1")).resolve("_1_0.5_memory_.gz");
    Files.write(f, new byte[77]);
    List<Store.Entry> listed = Storage.store(S3.options()).list(dir.toString());
    assertEquals(1, listed.size());
    assertEquals(listed.get(0).fingerprint(), Storage.store(S3.options()).stat(f.toString()).fingerprint());
    assertTrue(listed.get(0).fingerprint().matches("size=77,mtime=\\d+"), listed.get(0).fingerprint());
    FileNotFoundException missing = assertThrows(FileNotFoundException.class,
        () -> Storage.store(S3.options()).stat(dir.resolve("none.gz").toString()));
    assertEquals("no such file: " + dir.resolve("none.gz"), missing.getMessage());
    assertThrows(FileNotFoundException.class, () -> Storage.store(S3.options()).stat(dir.toString()));
  }
}
