package dev.gcpt.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.pipeline.io.Storage.StoredFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local paths without scheme. */
class LocalStorageTest extends StorageContract {
  @TempDir static Path dir;

  @BeforeAll
  static void localOnly() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  @Override
  String root() {
    return dir.toString();
  }

  /** However a directory is written, listed URIs start with {@code directory(root) + "/"}. */
  @Test
  void directoryIsSpelledAsTheListingSpellsItsFiles() throws IOException {
    Path p = dir.resolve("spelled/a/b.bin");
    put(p.toString(), bytes("b"));
    Path cwd = Path.of("").toAbsolutePath();
    String abs = dir.resolve("spelled").toString();
    String relative = cwd.relativize(dir.resolve("spelled")).toString();
    for (String written : List.of(abs, abs + "/", relative, "./" + relative + "/", "file://" + abs,
        dir + "/spelled/a/..")) {
      String base = Storage.directory(written);
      assertEquals(abs, base, written);
      assertEquals(List.of(new StoredFile(base + "/a/b.bin", 1)), Storage.list(written), written);
    }
    assertEquals("s3://bucket/set", Storage.directory("s3://bucket/set/"));
    assertEquals(cwd.toString(), Storage.directory("."));
  }

  @Test
  void fileUrisAndPlainPathsAreTheSameFiles() throws IOException {
    Path p = dir.resolve("scheme/x.bin");
    put("file://" + p, bytes("via file://"));
    assertArrayEquals(bytes("via file://"), Files.readAllBytes(p));
    assertTrue(Storage.exists(p.toString()));
    assertEquals(List.of(new StoredFile(p.toString(), 11)), Storage.list(dir.resolve("scheme").toString()));
  }

  @Test
  void relativePathsResolveAgainstTheWorkingDirectory() throws IOException {
    Path cwd = Path.of("").toAbsolutePath();
    Path target = Files.createTempDirectory(cwd.resolve("target"), "storage-rel");
    String relative = cwd.relativize(target).resolve("r.bin").toString();
    put(relative, bytes("relative"));
    assertArrayEquals(bytes("relative"), Files.readAllBytes(target.resolve("r.bin")));
    assertEquals(8, Storage.size(relative));
  }
}
