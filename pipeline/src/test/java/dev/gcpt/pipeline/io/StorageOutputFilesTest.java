package dev.gcpt.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Relative paths under the output root: a '..' segment is refused, a name holding ".." is a name. */
class StorageOutputFilesTest {
  @TempDir Path dir;

  @Test
  void aNameWithTwoDotsIsANameAndADotDotSegmentIsRefused() throws IOException {
    try (StorageOutputFiles out = new StorageOutputFiles(dir.toString(), null)) {
      try (OutputStream o = out.create("a..b/7/x.partial")) {
        o.write(1);
      }
      out.commit("a..b/7/x.partial", "a..b/7/x");
      assertTrue(out.exists("a..b/7/x"));
      assertEquals(1, Files.size(dir.resolve("a..b/7/x")));
      for (String bad : new String[] {"../x", "a/../../x", "a/..", "/etc/x"}) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> out.exists(bad), bad);
        assertEquals("not a safe relative path: " + bad, e.getMessage());
      }
    }
  }
}
