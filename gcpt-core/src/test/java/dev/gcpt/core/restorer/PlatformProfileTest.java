package dev.gcpt.core.restorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PlatformProfileTest {

  @Test
  void builtinProfilesCarryTheirClintBases() {
    for (String name : List.of("xiangshan", "nemu", "gem5")) {
      PlatformProfile p = PlatformProfile.named(name);
      assertEquals(name, p.name());
      assertEquals(0x3800_0000L, p.clintBase());
      assertEquals(0x8000_0000L, p.dramBase());
      assertFalse(p.sstc());
      assertTrue(p.exitDevice().isEmpty());
      assertEquals(0x3800_4008L, p.mtimecmpAddress(1));
      assertEquals(0x3800_BFF8L, p.mtimeAddress());
    }
    PlatformProfile q = PlatformProfile.named("qemu-virt");
    assertEquals(0x0200_0000L, q.clintBase());
    assertTrue(q.sstc());
    assertEquals(0x100000L, q.exitDevice().getAsLong());
  }

  @Test
  void theRepositoryFilesAreTheBuiltinOnes() throws Exception {
    Path dir = Path.of("..", "configs", "platforms");
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".properties")).map(n -> n.substring(0, n.length() - ".properties".length()))
          .sorted().toList();
      assertEquals(PlatformProfile.BUILTIN.stream().sorted().toList(), names);
      for (String n : names) {
        assertEquals(PlatformProfile.load(dir.resolve(n + ".properties")), PlatformProfile.named(n));
      }
    }
  }

  @Test
  void badProfilesNameTheSourceAndKey() {
    Properties p = new Properties();
    p.setProperty("name", "x");
    p.setProperty("dramBase", "0x80000000");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlatformProfile.parse(p, "x.properties"));
    assertEquals("x.properties: missing key 'clintBase'", e.getMessage());
    p.setProperty("clintBase", "0xZZ");
    e = assertThrows(IllegalArgumentException.class, () -> PlatformProfile.parse(p, "x.properties"));
    assertEquals("x.properties: clintBase is not a number: '0xZZ'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PlatformProfile.named("spike"));
    assertTrue(e.getMessage().contains("spike"), e.getMessage());
  }
}
