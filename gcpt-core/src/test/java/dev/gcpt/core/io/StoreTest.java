package dev.gcpt.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one storage rule set: what is local, the temporary names, the local listing. */
class StoreTest {

  @Test
  void oneRuleForWhatIsLocal() {
    assertTrue(Uris.isLocal("set"));
    assertTrue(Uris.isLocal("/data/set/"));
    assertTrue(Uris.isLocal("file:///data/set"));
    assertTrue(Uris.isLocal("FILE:/data/set"));
    assertFalse(Uris.isLocal("s3://bucket/set"));
    assertFalse(Uris.isLocal("gs://bucket/set"));
    assertEquals(Path.of("/data/set"), Uris.localPath("file:///data/set"));
    assertEquals(Path.of("rel/set"), Uris.localPath("rel/set"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Uris.localPath("s3://b/k"));
    assertTrue(e.getMessage().contains("s3://b/k"), e.getMessage());
  }

  @Test
  void temporariesAreHiddenSiblingsThatSayWhatTheyBecome() {
    String t = Store.temporary("gcc/31/_31_0.5_.zstd");
    assertTrue(t.matches("gcc/31/\\.gcpt-tmp-_31_0\\.5_\\.zstd\\.[0-9a-f-]{36}"), t);
    assertTrue(Store.temporary("set.json").matches("\\.gcpt-tmp-set\\.json\\.[0-9a-f-]{36}"));
    assertTrue(Store.isTemporary(t));
    assertTrue(Store.isTemporary("s3://b/out/" + Store.temporary("bundle.json")));
    // what earlier versions left behind is still recognized, so their interrupted runs are swept
    assertTrue(Store.isTemporary("/out/gcc/31/_31_.zstd.partial-0123"));
    assertTrue(Store.isTemporary("/out/.gcpt-tmp-6f1c2d3e-0000-4000-8000-000000000000"));
    assertFalse(Store.isTemporary("/out/gcc/31/bundle.json"));
    assertFalse(Store.isTemporary("/out/.partial-dir/bundle.json"), "only the file's own name counts");
  }

  @Test
  void theLocalListingIsSortedAbsoluteAndNamesWhatItCannotRead(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("set/b"));
    Files.write(dir.resolve("set/b/2.zstd"), new byte[3]);
    Files.write(dir.resolve("set/a.gz"), new byte[5]);
    Files.createSymbolicLink(dir.resolve("set/dangling.zstd"), dir.resolve("nowhere"));
    List<Store.Entry> listed = Store.local().list(dir.resolve("set") + "/");
    assertEquals(List.of(dir.resolve("set/a.gz").toString(), dir.resolve("set/b/2.zstd").toString(),
        dir.resolve("set/dangling.zstd").toString()), listed.stream().map(Store.Entry::uri).toList());
    assertEquals(5, listed.get(0).size());
    assertEquals(null, listed.get(0).problem());
    assertTrue(listed.get(2).problem().startsWith("a symbolic link that does not resolve"), listed.get(2).problem());
    assertEquals(List.of(), Store.local().list(dir.resolve("absent").toString()));
    assertEquals(listed.get(1).fingerprint(), Store.local().stat("file://" + dir.resolve("set/b/2.zstd")).fingerprint());
    try (InputStream in = Store.local().open("file://" + dir.resolve("set/a.gz"))) {
      assertEquals(5, in.readAllBytes().length);
    }
    FileNotFoundException missing = assertThrows(FileNotFoundException.class,
        () -> Store.local().open(dir.resolve("set/none").toString()));
    assertEquals("no such file: " + dir.resolve("set/none"), missing.getMessage());
  }
}
