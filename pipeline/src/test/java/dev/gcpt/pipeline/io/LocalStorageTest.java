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
