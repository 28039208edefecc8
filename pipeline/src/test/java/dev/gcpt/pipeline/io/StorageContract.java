package dev.gcpt.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.pipeline.io.Storage.StoredFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The behaviour every store must show through {@link Storage}; subclasses supply the root URI. */
abstract class StorageContract {
  /** Larger than one 5 MiB multipart part, so S3 uploads use several parts. */
  static final int LARGE_BYTES = 6 * 1024 * 1024 + 12345;
  /** The smallest S3 multipart part size, used by the S3 subclasses. */
  static final int S3_PART_BYTES = 5 * 1024 * 1024;

  /** A URI prefix (no trailing '/') that is empty at the start of each test. */
  abstract String root();

  String base;

  @BeforeEach
  void base(TestInfo info) {
    base = root() + "/" + info.getTestMethod().orElseThrow().getName();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static void put(String uri, byte[] content) throws IOException {
    try (OutputStream out = Storage.create(uri, Storage.BINARY)) {
      out.write(content);
    }
  }

  static byte[] get(String uri) throws IOException {
    try (InputStream in = Storage.open(uri)) {
      return in.readAllBytes();
    }
  }

  @Test
  void putGetExistsSize() throws IOException {
    String uri = base + "/gcc_166/31/_31_0.070885_memory_.zstd";
    assertFalse(Storage.exists(uri));
    assertThrows(FileNotFoundException.class, () -> Storage.size(uri));
    put(uri, bytes("hello checkpoint"));
    assertTrue(Storage.exists(uri));
    assertEquals(16, Storage.size(uri));
    assertArrayEquals(bytes("hello checkpoint"), get(uri));
    assertFalse(Storage.exists(base + "/gcc_166/31"));
    put(uri, bytes("replaced"));
    assertArrayEquals(bytes("replaced"), get(uri));
    assertThrows(IllegalArgumentException.class, () -> Storage.exists(base + "/gcc_166/*"));
    assertThrows(IllegalArgumentException.class, () -> Storage.create(base + "/dir/", Storage.BINARY));
  }

  @Test
  void largeFilesStream() throws IOException, NoSuchAlgorithmException {
    String uri = base + "/big.bin";
    MessageDigest written = MessageDigest.getInstance("SHA-256");
    SplittableRandom random = new SplittableRandom(42);
    byte[] block = new byte[64 * 1024 + 7];
    try (OutputStream out = Storage.create(uri, Storage.BINARY)) {
      for (int left = LARGE_BYTES; left > 0; left -= block.length) {
        int n = Math.min(left, block.length);
        for (int i = 0; i < n; i++) {
          block[i] = (byte) random.nextInt(256);
        }
        out.write(block, 0, n);
        written.update(block, 0, n);
      }
    }
    assertEquals(LARGE_BYTES, Storage.size(uri));
    MessageDigest read = MessageDigest.getInstance("SHA-256");
    long total = 0;
    try (InputStream in = Storage.open(uri)) {
      byte[] buf = new byte[100_000];
      int n;
      while ((n = in.read(buf)) > 0) {
        read.update(buf, 0, n);
        total += n;
      }
    }
    assertEquals(LARGE_BYTES, total);
    assertArrayEquals(written.digest(), read.digest());
  }

  @Test
  void listsEverythingUnderADirectorySortedAndGlobs() throws IOException {
    put(base + "/set/gcc_166/9/_9_0.5_memory_.zstd", bytes("12345"));
    put(base + "/set/gcc_166/31/_31_0.07_memory_.zstd", bytes("123"));
    put(base + "/set/json/checkpoints_all.json", bytes("{}"));
    put(base + "/settings.txt", bytes("not under set/"));
    put(base + "/other/x.zstd", bytes("x"));
    List<StoredFile> expected = List.of(
        new StoredFile(base + "/set/gcc_166/31/_31_0.07_memory_.zstd", 3),
        new StoredFile(base + "/set/gcc_166/9/_9_0.5_memory_.zstd", 5),
        new StoredFile(base + "/set/json/checkpoints_all.json", 2));
    assertEquals(expected, normalize(Storage.list(base + "/set")));
    assertEquals(expected, normalize(Storage.list(base + "/set/")));
    assertEquals(expected, normalize(Storage.list(base + "/set/**")));
    assertEquals(expected.subList(0, 2), normalize(Storage.list(base + "/set/*/*/*.zstd")));
    assertEquals(List.of(), Storage.list(base + "/nothing-here"));
    assertEquals(List.of(), Storage.list(base + "/set/*.none"));
  }

  /** URIs as this store lists them, made comparable with the ones written (local paths may gain a scheme). */
  List<StoredFile> normalize(List<StoredFile> files) {
    return files;
  }

  @Test
  void copiesRenamesAndDeletes() throws IOException {
    String a = base + "/a/x.zstd";
    String b = base + "/b/y.zstd";
    String c = base + "/c/z.zstd";
    put(a, bytes("payload"));
    Storage.copy(a, b);
    assertArrayEquals(bytes("payload"), get(a));
    assertArrayEquals(bytes("payload"), get(b));
    put(c, bytes("old"));
    Storage.rename(b, c);
    assertFalse(Storage.exists(b));
    assertArrayEquals(bytes("payload"), get(c));
    Storage.delete(c);
    assertFalse(Storage.exists(c));
    Storage.delete(c);  // missing: no error
    assertTrue(Storage.exists(a));
  }

  @Test
  void atomicOutputAppearsOnlyOnCommit() throws IOException {
    String uri = base + "/gcc_166/31/_31_0.070885_memory_.zstd";
    try (PendingFile f = Storage.createAtomic(uri, Storage.BINARY)) {
      assertEquals(uri, normalizeUri(f.uri()));
      assertTrue(f.tempUri().contains("/gcc_166/31/" + Storage.TEMP_PREFIX), f.tempUri());
      f.stream().write(bytes("whole image"));
      f.stream().flush();
      assertFalse(Storage.exists(uri));
      f.commit();
      assertThrows(IllegalStateException.class, f::commit);
    }
    assertArrayEquals(bytes("whole image"), get(uri));
    assertEquals(List.of(uri), Storage.list(base).stream().map(x -> normalizeUri(x.uri())).toList());
  }

  @Test
  void abandonedAtomicOutputLeavesNothingAndKeepsTheOldFile() throws IOException {
    String uri = base + "/mcf/77/_77_1_memory_.zstd";
    put(uri, bytes("previous run"));
    try (PendingFile f = Storage.createAtomic(uri, Storage.BINARY)) {
      f.stream().write(bytes("half an ima"));
      // a failure here: no commit
    }
    assertArrayEquals(bytes("previous run"), get(uri));
    assertEquals(List.of(uri), Storage.list(base).stream().map(x -> normalizeUri(x.uri())).toList());
  }

  String normalizeUri(String uri) {
    return uri;
  }
}
