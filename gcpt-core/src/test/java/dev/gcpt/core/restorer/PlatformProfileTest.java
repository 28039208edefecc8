package dev.gcpt.core.restorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
  void resolveReadsANameAFileOrAProfilesTextBackToTheSameProfile() throws java.io.IOException {
    for (String name : PlatformProfile.BUILTIN) {
      PlatformProfile p = PlatformProfile.resolve(name);
      assertEquals(p, PlatformProfile.resolve(p.toPropertiesText()), name);
    }
    java.nio.file.Path file = java.nio.file.Files.createTempFile("lab", ".properties");
    try {
      java.nio.file.Files.writeString(file, "name=lab\ndramBase=0x80000000\nclintBase=0x38000000\n");
      PlatformProfile lab = PlatformProfile.resolve(file.toString());
      assertEquals("lab", lab.name());
      assertEquals(lab, PlatformProfile.resolve(lab.toPropertiesText()));
    } finally {
      java.nio.file.Files.delete(file);
    }
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> PlatformProfile.resolve("nemo"));
    assertTrue(e.getMessage().startsWith("unknown platform 'nemo'; known: xiangshan, nemu"), e.getMessage());
  }

  @Test
  void builtinProfilesCarryTheirClintBases() {
    for (String name : List.of("xiangshan", "nemu", "gem5")) {
      PlatformProfile p = PlatformProfile.named(name);
      assertEquals(name, p.name());
      assertEquals(0x3800_0000L, p.clintBase());
      assertEquals(0x8000_0000L, p.dramBase());
      assertEquals(!name.equals("gem5"), p.sstc(), "NEMU's XiangShan configs and XiangShan Kunminghu have Sstc; XS-GEM5 has no stimecmp");
      assertTrue(p.exitDevice().isEmpty());
      assertEquals(0x3800_4008L, p.mtimecmpAddress(1));
      assertEquals(0x3800_BFF8L, p.mtimeAddress());
    }
    PlatformProfile q = PlatformProfile.named("qemu-virt");
    assertEquals(0x0200_0000L, q.clintBase());
    assertTrue(q.sstc());
    assertEquals(0x100000L, q.exitDevice().getAsLong());
    assertEquals(0, q.windowBase());
    assertEquals(0x8000_0000L, q.windowAddress());
  }

  @Test
  void theOpenSbiProfileMovesTheWindowAboveTheFirmware() {
    PlatformProfile p = PlatformProfile.named("qemu-virt-opensbi");
    assertEquals(0x100_0000L, p.windowBase());
    assertEquals(0x8100_0000L, p.windowAddress());
    assertEquals(PlatformProfile.named("qemu-virt").clintBase(), p.clintBase());
    assertTrue(p.sstc());
  }

  @Test
  void badWindowBasesNameTheSource() {
    Properties p = new Properties();
    p.setProperty("name", "x");
    p.setProperty("dramBase", "0x80000000");
    p.setProperty("clintBase", "0x2000000");
    p.setProperty("windowBase", "0x1234");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlatformProfile.parse(p, "x.properties"));
    assertEquals("x.properties: platform x: windowBase must be a multiple of 0x1000 in 0..0x4000000 inside DRAM, got 0x1234",
        e.getMessage());
    p.setProperty("windowBase", "0x8000000");
    e = assertThrows(IllegalArgumentException.class, () -> PlatformProfile.parse(p, "x.properties"));
    assertTrue(e.getMessage().contains("got 0x8000000"), e.getMessage());
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
