package dev.gcpt.core.restorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.layout.Offsets;
import dev.gcpt.core.layout.Variant;
import java.util.OptionalLong;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * A generated restorer only reaches memory the platform profile says is DRAM: the payload it
 * boots, the descriptor it compares and the hart state it loads all lie inside {@code
 * [dramBase, dramBase + dramSize)}; specs that would leave it are refused before generation.
 */
class RestorerBoundsTest {
  private static final long DRAM_BASE = 0x8000_0000L;
  private static final long CLINT = 0x3800_0000L;
  private static final long EIGHT_GIB = 8L << 30;

  private static PlatformProfile withDram(long size) {
    return new PlatformProfile("small", "small DRAM", DRAM_BASE, size, CLINT, false, OptionalLong.empty());
  }

  @Test
  void builtinProfilesHaveEightGibOfDram() {
    for (String name : PlatformProfile.BUILTIN) {
      assertEquals(EIGHT_GIB, PlatformProfile.named(name).dramSize(), name);
    }
  }

  @Test
  void aPayloadBeyondDramIsRefused() {
    // DRAM of exactly 1 MiB: the default payload position 0x100000 is its first byte past the end
    PlatformProfile oneMib = withDram(Offsets.PAYLOAD_DEFAULT);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RestorerSpec.forVariant(Variant.V1, 1, oneMib));
    assertEquals("payload position 0x100000 lies beyond the DRAM of platform small (0x100000 bytes)", e.getMessage());

    // one page more and the same spec is accepted, and the restorer is generated
    PlatformProfile enough = withDram(Offsets.PAYLOAD_DEFAULT + 0x1000);
    Restorer r = RestorerGenerator.generate(RestorerSpec.forVariant(Variant.V1, 1, enough));
    assertTrue(r.size() < Offsets.PAYLOAD_DEFAULT, "restorer of " + r.size() + " bytes");

    // moving the payload of a valid spec past the end is refused too
    RestorerSpec ok = RestorerSpec.forVariant(Variant.V1, 1, enough);
    e = assertThrows(IllegalArgumentException.class, () -> ok.withPayloadPosition(Offsets.PAYLOAD_DEFAULT + 0x1000));
    assertTrue(e.getMessage().startsWith("payload position 0x101000 lies beyond the DRAM"), e.getMessage());
  }

  @Test
  void hartStateBeyondDramIsRefused() {
    // V2 keeps hart i's state in the 1 MiB block at 0x300000 + i MiB: 4 harts need 7 MiB
    PlatformProfile sixMib = withDram(6L << 20);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RestorerSpec.forVariant(Variant.V2, 4, sixMib));
    assertTrue(e.getMessage().startsWith("hart 3's state ends at 0x6"), e.getMessage());
    assertTrue(e.getMessage().endsWith("past the DRAM of platform small (0x600000 bytes)"), e.getMessage());
    RestorerGenerator.generate(RestorerSpec.forVariant(Variant.V2, 2, sixMib));
  }

  @Test
  void mmioInsideDramIsRefused() {
    // a machine whose DRAM starts at 0 and covers the usual CLINT address
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PlatformProfile("bad", "bad",
        0, 1L << 30, 0x0200_0000L, false, OptionalLong.empty()));
    assertEquals("platform bad: the CLINT at 0x2000000 lies inside DRAM [0x0, 0x40000000)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new PlatformProfile("bad", "bad",
        0x1000_0000L, 1L << 30, CLINT + (1L << 30), false, OptionalLong.of(0x1000_0000L)));
    assertEquals("platform bad: the exit device at 0x10000000 lies inside DRAM [0x10000000, 0x50000000)",
        e.getMessage());
  }

  @Test
  void dramSizeIsReadFromProfilesWithADefault() {
    Properties p = new Properties();
    p.setProperty("name", "x");
    p.setProperty("dramBase", "0x80000000");
    p.setProperty("clintBase", "0x2000000");
    assertEquals(PlatformProfile.DEFAULT_DRAM_SIZE, PlatformProfile.parse(p, "x.properties").dramSize());
    p.setProperty("dramSize", "0x40000000");
    assertEquals(1L << 30, PlatformProfile.parse(p, "x.properties").dramSize());
    p.setProperty("dramSize", "0");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlatformProfile.parse(p, "x"));
    assertTrue(e.getMessage().contains("not a valid address range"), e.getMessage());
  }
}
