package dev.gcpt.core.restorer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.descriptor.Descriptors;
import dev.gcpt.core.layout.Variant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestorerGeneratorTest {

  private static final PlatformProfile XS = PlatformProfile.named("xiangshan");

  static RestorerSpec spec(Variant v, int harts) {
    return RestorerSpec.forVariant(v, harts, XS);
  }

  @Test
  void layoutFollowsTheContract() {
    Restorer r = RestorerGenerator.generate(spec(Variant.V2, 4).withHypervisor(true));
    byte[] b = r.bytes();
    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(b.length, r.size());
    assertEquals(0x0080006F, w.getInt(0), "jal x0, +8");
    assertEquals(b.length, w.getInt(4), "size word");
    assertEquals(0xCAFF, w.getInt(b.length - 8), "flag at size-8");
    assertEquals(0, w.getInt(b.length - 4), "zero word at size-4");
    assertEquals(0, b.length % 8);
    // entry: auipc s0, 0; addi s0, s0, -8
    assertEquals(0x00000417, w.getInt(8));
    assertEquals(0xFF840413, w.getInt(12));
    // the descriptor it was made for is embedded
    byte[] desc = Descriptors.forVariant(Variant.V2, 4).encode();
    assertTrue(indexOf(b, desc) > 0, "descriptor bytes embedded");
  }

  @Test
  void embeddedDescriptorReadsBackTheDescriptorEveryRestorerWasMadeFor() {
    for (Variant v : Variant.values()) {
      for (int harts : v == Variant.V2 ? new int[] {1, 2, 3, 8} : new int[] {1}) {
        RestorerSpec spec = spec(v, harts);
        byte[] want = spec.descriptor().encode();
        byte[] got = RestorerGenerator.embeddedDescriptor(RestorerGenerator.generate(spec).bytes(), want.length)
            .orElseThrow();
        assertArrayEquals(want, got, v + " with " + harts + " hart(s)");
      }
    }
    assertTrue(RestorerGenerator.embeddedDescriptor(new byte[16], 64).isEmpty(), "too short for the descriptor");
  }

  @Test
  void sameSpecGivesIdenticalBytesAndHash() {
    Restorer a = RestorerGenerator.generate(spec(Variant.V2, 2));
    Restorer b = RestorerGenerator.generate(spec(Variant.V2, 2));
    assertArrayEquals(a.bytes(), b.bytes());
    assertEquals(a.sha256(), b.sha256());
    assertEquals(Restorer.sha256Hex(a.bytes()), a.sha256());
    assertEquals(64, a.sha256().length());
    Restorer c = RestorerGenerator.generate(spec(Variant.V2, 3));
    assertNotEquals(a.sha256(), c.sha256(), "hart count changes the restorer");
    Restorer d = RestorerGenerator.generate(spec(Variant.V2, 2).withPlatform(PlatformProfile.named("qemu-virt")));
    assertNotEquals(a.sha256(), d.sha256(), "platform changes the restorer");
  }

  @Test
  void sizesFitEveryLoadersLimit() {
    for (int harts : new int[] {1, 2, 4, 128}) {
      Variant v = harts == 1 ? Variant.V1 : Variant.V2;
      Restorer withV = RestorerGenerator.generate(spec(v, harts));
      Restorer noV = RestorerGenerator.generate(spec(v, harts).withVector(false));
      Restorer full = RestorerGenerator.generate(spec(v, harts).withHypervisor(true)
          .withPlatform(PlatformProfile.named("qemu-virt")));
      System.out.printf("harts %d: %d bytes with V, %d without V, %d with V+H on qemu-virt%n",
          harts, withV.size(), noV.size(), full.size());
      assertTrue(noV.size() <= 0x700, "XS-GEM5 copies at most 0x700 bytes of a scalar restorer: " + noV.size());
      assertTrue(withV.size() <= 0x700, "even with V it fits XS-GEM5's scalar limit: " + withV.size());
      assertTrue(full.size() <= 0xE00, "difftest emu copies 0xE00 bytes without --overwrite-auto: " + full.size());
    }
    Restorer v0 = RestorerGenerator.generate(spec(Variant.V0, 1));
    assertTrue(v0.size() < 0xF00, "a V0 restorer fits NEMU's original 0xF00 window: " + v0.size());
  }

  @Test
  void generatedRestorerPassesTheExternalValidation() {
    Restorer r = RestorerGenerator.generate(spec(Variant.V1, 1));
    ExternalRestorer.Report rep = ExternalRestorer.validate(r.bytes(), "gcpt.bin");
    assertEquals(r.size(), rep.size());
    assertEquals(8, rep.entry());
    assertEquals(ExternalRestorer.FlagPlacement.SECOND_TO_LAST_WORD, rep.flag());
    assertEquals(r.size() - 8, rep.flagOffset());
    // it compares its embedded descriptor at boot: it restores that variant and hart count only
    assertEquals(ExternalRestorer.Kind.GCPT, rep.kind());
    assertEquals(EnumSet.of(Variant.V1), rep.variants());
    assertEquals(r.sha256(), rep.sha256());
  }

  @Test
  void disassemblyShowsTheRestoreSequence(@TempDir Path dir) throws Exception {
    Rv64AssemblerTest.assumeTools();
    Restorer r = RestorerGenerator.generate(spec(Variant.V2, 2).withHypervisor(true)
        .withPlatform(PlatformProfile.named("qemu-virt")));
    List<String> insns = Rv64AssemblerTest.disassemble(dir, r.bytes());
    assertEquals("jal zero,0x8", insns.get(0));
    assertEquals(32, count(insns, "fld "), "f0..f31");
    assertEquals(4, count(insns, "vl8re8.v "), "v0..v31 in four groups of eight");
    assertEquals(1, count(insns, "vsetvl zero,"));
    assertEquals(1, count(insns, "mret"));
    assertEquals(2, count(insns, "amoadd.w.aqrl "));
    assertTrue(insns.contains("csrrw zero,stimecmp,t1"), "qemu-virt has Sstc");
    assertTrue(insns.contains("csrrw zero,hgatp,t1"));
    assertTrue(insns.contains("csrrs s1,mhartid,zero"));
    assertFalse(insns.stream().anyMatch(i -> i.contains("misa")), "misa is never written");
    int mret = insns.indexOf("mret");
    // the 31 GPR loads right before mret, t0 (the pointer) last
    assertEquals("ld t0,40(t0)", insns.get(mret - 1));
    for (int k = 2; k <= 31; k++) {
      assertTrue(insns.get(mret - k).startsWith("ld "), insns.get(mret - k));
    }
    // every CSR the generator claims to write is written exactly once
    for (int csr : RestorerGenerator.restoredCsrs(r.spec())) {
      if (csr == dev.gcpt.core.state.Csr.VL || csr == dev.gcpt.core.state.Csr.VTYPE) {
        continue; // through vsetvl
      }
      long writes = insns.stream().filter(i -> i.startsWith("csrrw zero,")
          && i.endsWith(",t1") && csrNumberMatches(i, csr)).count();
      assertEquals(1, writes, "CSR 0x" + Integer.toHexString(csr));
    }
  }

  @Test
  void specRejectsWhatCannotWork() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RestorerSpec(2, 0x100000, XS, 128, true, true, false,
            Descriptors.forVariant(Variant.V2, 4), 0xEC000, java.util.OptionalInt.empty()));
    assertTrue(e.getMessage().contains("cpu_num 4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec(Variant.V1, 1).withVlen(96));
    assertTrue(e.getMessage().contains("96"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec(Variant.V2, 2).withParkHart(2));
    assertTrue(e.getMessage().contains("park hart 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec(Variant.V1, 1).withPayloadPosition(0x100002));
    assertTrue(e.getMessage().contains("0x100002"), e.getMessage());
    IllegalStateException s = assertThrows(IllegalStateException.class,
        () -> RestorerGenerator.generate(spec(Variant.V1, 1).withPayloadPosition(0x100)));
    assertTrue(s.getMessage().contains("0x100"), s.getMessage());
  }

  @Test
  void bootImagePlacesRestorerDescriptorAndPayload() {
    Restorer r = RestorerGenerator.generate(spec(Variant.V1, 1));
    byte[] payload = {1, 2, 3, 4, 5, 6, 7, 8};
    byte[] img = r.buildBootImage(payload);
    assertEquals(0x100000 + payload.length, img.length);
    assertArrayEquals(r.bytes(), java.util.Arrays.copyOf(img, r.size()));
    byte[] desc = Descriptors.forVariant(Variant.V1, 1).encode();
    assertArrayEquals(desc, java.util.Arrays.copyOfRange(img, 0xEC000, 0xEC000 + desc.length));
    assertArrayEquals(payload, java.util.Arrays.copyOfRange(img, 0x100000, img.length));
    for (int i = r.size(); i < 0xEC000; i++) {
      assertEquals(0, img[i]);
    }
  }

  @Test
  void notRestoredListsTheGaps() {
    RestorerSpec s = spec(Variant.V1, 1).withPlatform(PlatformProfile.named("gem5")); // no Sstc
    List<String> gaps = s.notRestored();
    assertTrue(gaps.contains(RestorerSpec.SAVED_M_MODE_NOTE));
    assertTrue(gaps.stream().anyMatch(g -> g.startsWith("stimecmp")), gaps.toString());
    assertTrue(gaps.stream().anyMatch(g -> g.startsWith("hypervisor")), gaps.toString());
    assertTrue(RestorerGenerator.generate(s).savedMachineModeNote().contains("mepc equals pc"));
  }

  private static boolean csrNumberMatches(String insn, int csr) {
    String name = insn.substring("csrrw zero,".length(), insn.lastIndexOf(','));
    String want = csr >= 0x3B0 && csr <= 0x3BF ? "pmpaddr" + (csr - 0x3B0)
        : CSR_NAMES.getOrDefault(csr, "0x" + Integer.toHexString(csr));
    return want.equals(name);
  }

  private static final java.util.Map<Integer, String> CSR_NAMES = java.util.Map.ofEntries(
      java.util.Map.entry(0x003, "fcsr"), java.util.Map.entry(0x008, "vstart"), java.util.Map.entry(0x009, "vxsat"),
      java.util.Map.entry(0x00A, "vxrm"), java.util.Map.entry(0x104, "sie"), java.util.Map.entry(0x105, "stvec"),
      java.util.Map.entry(0x106, "scounteren"), java.util.Map.entry(0x10A, "senvcfg"),
      java.util.Map.entry(0x140, "sscratch"), java.util.Map.entry(0x141, "sepc"), java.util.Map.entry(0x142, "scause"),
      java.util.Map.entry(0x143, "stval"), java.util.Map.entry(0x14D, "stimecmp"), java.util.Map.entry(0x180, "satp"),
      java.util.Map.entry(0x200, "vsstatus"), java.util.Map.entry(0x204, "vsie"), java.util.Map.entry(0x205, "vstvec"),
      java.util.Map.entry(0x240, "vsscratch"), java.util.Map.entry(0x241, "vsepc"), java.util.Map.entry(0x242, "vscause"),
      java.util.Map.entry(0x243, "vstval"), java.util.Map.entry(0x24D, "vstimecmp"), java.util.Map.entry(0x280, "vsatp"),
      java.util.Map.entry(0x300, "mstatus"), java.util.Map.entry(0x302, "medeleg"), java.util.Map.entry(0x303, "mideleg"),
      java.util.Map.entry(0x304, "mie"), java.util.Map.entry(0x305, "mtvec"), java.util.Map.entry(0x306, "mcounteren"),
      java.util.Map.entry(0x30A, "menvcfg"), java.util.Map.entry(0x340, "mscratch"), java.util.Map.entry(0x341, "mepc"),
      java.util.Map.entry(0x342, "mcause"), java.util.Map.entry(0x343, "mtval"), java.util.Map.entry(0x344, "mip"),
      java.util.Map.entry(0x34A, "mtinst"), java.util.Map.entry(0x34B, "mtval2"),
      java.util.Map.entry(0x3A0, "pmpcfg0"), java.util.Map.entry(0x3A2, "pmpcfg2"),
      java.util.Map.entry(0x600, "hstatus"), java.util.Map.entry(0x602, "hedeleg"), java.util.Map.entry(0x603, "hideleg"),
      java.util.Map.entry(0x604, "hie"), java.util.Map.entry(0x606, "hcounteren"), java.util.Map.entry(0x607, "hgeie"),
      java.util.Map.entry(0x60A, "henvcfg"), java.util.Map.entry(0x643, "htval"), java.util.Map.entry(0x645, "hvip"),
      java.util.Map.entry(0x64A, "htinst"), java.util.Map.entry(0x680, "hgatp"));

  private static long count(List<String> insns, String prefix) {
    return insns.stream().filter(i -> i.startsWith(prefix) || i.equals(prefix)).count();
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
