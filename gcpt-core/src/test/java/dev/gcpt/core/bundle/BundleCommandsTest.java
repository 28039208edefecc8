package dev.gcpt.core.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.restorer.PlatformProfile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands in bundle.json, exactly (docs/consumers.md says where each flag comes from). */
class BundleCommandsTest {
  static final String IMAGE = "mcf/42/_42_0.125000_memory_.zstd";

  @Test
  void oneHartXiangShanZstd() {
    Map<String, String> c = BundleCommands.of(PlatformProfile.named("xiangshan"), IMAGE, 1, 128, Codec.ZSTD, false);
    assertEquals(List.of("paths", "xiangshan-emu", "xiangshan-emu-no-diff", "nemu", "xs-gem5", "qemu", "qemu-fork-note"),
        List.copyOf(c.keySet()));
    assertEquals("run these from the output root (the directory holding restorers/): paths are relative to it",
        c.get("paths"));
    assertEquals("\"$NOOP_HOME/build/emu\" -i 'mcf/42/_42_0.125000_memory_.zstd' --ram-size=8GB"
        + " --diff \"$NEMU_HOME/build/riscv64-nemu-interpreter-so\" -W 20000000 -I 40000000", c.get("xiangshan-emu"));
    assertEquals("\"$NOOP_HOME/build/emu\" -i 'mcf/42/_42_0.125000_memory_.zstd' --ram-size=8GB --no-diff"
        + " -W 20000000 -I 40000000", c.get("xiangshan-emu-no-diff"));
    assertEquals("\"$NEMU_HOME/build/riscv64-nemu-interpreter\" -b 'mcf/42/_42_0.125000_memory_.zstd'", c.get("nemu"));
    assertEquals("GCB_RESTORER= \"$GEM5_HOME/build/RISCV/gem5.opt\" \"$GEM5_HOME/configs/example/xiangshan.py\""
        + " --generic-rv-cpt='mcf/42/_42_0.125000_memory_.zstd'", c.get("xs-gem5"));
    assertEquals("zstd -dc 'mcf/42/_42_0.125000_memory_.zstd' > 'mcf/42/_42_0.125000_memory_.raw'"
        + " && qemu-system-riscv64 -machine virt -bios none -nographic -cpu rv64,v=true,vlen=128,h=true,sstc=true"
        + " -m 8G -smp 1 -device loader,file='mcf/42/_42_0.125000_memory_.raw',addr=0x80000000,force-raw=on"
        + "   # needs a bundle built with --platform qemu-virt (CLINT 0x2000000); this one is for xiangshan",
        c.get("qemu"));
    assertEquals("XiangShan's QEMU fork reads only the first zstd frame; build with --single-frame for it",
        c.get("qemu-fork-note"));
  }

  @Test
  void twoHartsGzipForGem5() {
    Map<String, String> c = BundleCommands.of(PlatformProfile.named("gem5"), "gcc/7/_7_0.5_memory_.gz", 2, 256,
        Codec.GZIP, false);
    assertEquals("\"$NOOP_HOME/build/emu\" -i 'gcc/7/_7_0.5_memory_.gz' --ram-size=8GB"
        + " --diff \"$NEMU_HOME/build/riscv64-nemu-interpreter-so\" -W 20000000 -I 40000000"
        + "   # an emu built with NUM_CORES=2 (and a multi-core NEMU .so for --diff)", c.get("xiangshan-emu"));
    assertEquals("\"$NOOP_HOME/build/emu\" -i 'gcc/7/_7_0.5_memory_.gz' --ram-size=8GB --no-diff"
        + " -W 20000000 -I 40000000   # an emu built with NUM_CORES=2 (and a multi-core NEMU .so for --diff)",
        c.get("xiangshan-emu-no-diff"));
    assertEquals("# NEMU standalone is single-core (src/isa/riscv64/Kconfig): no command for this 2-hart bundle",
        c.get("nemu"));
    assertEquals("GCB_MULTI_CORE_RESTORER= \"$GEM5_HOME/build/RISCV_CHI/gem5.opt\""
        + " \"$GEM5_HOME/configs/example/xiangshan.py\" --ruby --num-cpus=2 --generic-rv-cpt='gcc/7/_7_0.5_memory_.gz'",
        c.get("xs-gem5"));
    assertEquals("gzip -dc 'gcc/7/_7_0.5_memory_.gz' > 'gcc/7/_7_0.5_memory_.raw'"
        + " && qemu-system-riscv64 -machine virt -bios none -nographic -cpu rv64,v=true,vlen=256,h=true,sstc=true"
        + " -m 8G -smp 2 -device loader,file='gcc/7/_7_0.5_memory_.raw',addr=0x80000000,force-raw=on"
        + "   # needs a bundle built with --platform qemu-virt (CLINT 0x2000000); this one is for gem5", c.get("qemu"));
  }

  @Test
  void qemuVirtSingleFrame() {
    Map<String, String> c = BundleCommands.of(PlatformProfile.named("qemu-virt"), IMAGE, 1, 128, Codec.ZSTD, true);
    assertEquals(List.of("paths", "xiangshan-emu", "xiangshan-emu-no-diff", "nemu", "xs-gem5", "qemu"),
        List.copyOf(c.keySet()), "no fork note: a single-frame image is what the fork reads");
    assertEquals("zstd -dc 'mcf/42/_42_0.125000_memory_.zstd' > 'mcf/42/_42_0.125000_memory_.raw'"
        + " && qemu-system-riscv64 -machine virt -bios none -nographic -cpu rv64,v=true,vlen=128,h=true,sstc=true"
        + " -m 8G -smp 1 -device loader,file='mcf/42/_42_0.125000_memory_.raw',addr=0x80000000,force-raw=on",
        c.get("qemu"));
    String wrong = "   # needs a bundle built with --platform xiangshan, nemu or gem5 (CLINT 0x38000000, window at DRAM"
        + " start); this one is for qemu-virt";
    assertEquals("\"$NEMU_HOME/build/riscv64-nemu-interpreter\" -b 'mcf/42/_42_0.125000_memory_.zstd'" + wrong,
        c.get("nemu"));
    assertEquals("\"$NOOP_HOME/build/emu\" -i 'mcf/42/_42_0.125000_memory_.zstd' --ram-size=8GB --no-diff"
        + " -W 20000000 -I 40000000" + wrong, c.get("xiangshan-emu-no-diff"));
    assertEquals("GCB_RESTORER= \"$GEM5_HOME/build/RISCV/gem5.opt\" \"$GEM5_HOME/configs/example/xiangshan.py\""
        + " --generic-rv-cpt='mcf/42/_42_0.125000_memory_.zstd'" + wrong, c.get("xs-gem5"));
  }

  @Test
  void qemuVirtWithResidentFirmwareStartsEveryHartAtTheWindow() {
    Map<String, String> c = BundleCommands.of(PlatformProfile.named("qemu-virt-opensbi"), IMAGE, 2, 128, Codec.ZSTD,
        false);
    assertEquals("zstd -dc 'mcf/42/_42_0.125000_memory_.zstd' > 'mcf/42/_42_0.125000_memory_.raw'"
        + " && qemu-system-riscv64 -machine virt -bios none -nographic -cpu rv64,v=true,vlen=128,h=true,sstc=true"
        + " -m 8G -smp 2 -device loader,file='mcf/42/_42_0.125000_memory_.raw',addr=0x80000000,force-raw=on"
        + " -device loader,addr=0x81000000,cpu-num=0 -device loader,addr=0x81000000,cpu-num=1", c.get("qemu"));
  }

  @Test
  void pathsWithQuotesSpacesAndCommasStayOneWord() {
    Map<String, String> c = BundleCommands.of(PlatformProfile.named("qemu-virt"), "it's a,b/1/_1_0.5_memory_.zstd", 1,
        128, Codec.ZSTD, true);
    assertEquals("\"$NEMU_HOME/build/riscv64-nemu-interpreter\" -b 'it'\\''s a,b/1/_1_0.5_memory_.zstd'"
        + "   # needs a bundle built with --platform xiangshan, nemu or gem5 (CLINT 0x38000000, window at DRAM start);"
        + " this one is for qemu-virt", c.get("nemu"));
    assertEquals("zstd -dc 'it'\\''s a,b/1/_1_0.5_memory_.zstd' > 'it'\\''s a,b/1/_1_0.5_memory_.raw'"
        + " && qemu-system-riscv64 -machine virt -bios none -nographic -cpu rv64,v=true,vlen=128,h=true,sstc=true"
        + " -m 8G -smp 1 -device loader,file='it'\\''s a,,b/1/_1_0.5_memory_.raw',addr=0x80000000,force-raw=on",
        c.get("qemu"), "QEMU's option parser takes ',,' for a comma in a value");
  }

  @Test
  void rawNameReplacesTheCodecSuffixOnly() {
    assertEquals("a/b/_1_0.5_memory_.raw", BundleCommands.rawName("a/b/_1_0.5_memory_.zstd"));
    assertEquals("a.b/c.raw", BundleCommands.rawName("a.b/c"));
    assertEquals("a/.hidden.raw", BundleCommands.rawName("a/.hidden"));
  }

  @Test
  void theManifestNamesTheImageRelativeToTheOutputRoot(@TempDir Path out) throws IOException {
    ByteArrayOutputStream src = new ByteArrayOutputStream();
    dev.gcpt.core.sample.SyntheticCheckpoint.builder().imageLength(2 << 20).build().write(src, Codec.ZSTD);
    byte[] bytes = src.toByteArray();
    BundleManifest m;
    try (BundleBuilder b = new BundleBuilder(BundleBuilderTest.options("nemu", Codec.ZSTD))) {
      m = b.build(new BundleBuilder.Source("in.zstd", "size=" + bytes.length), () -> new ByteArrayInputStream(bytes),
          BundleBuilderTest.TARGET, new LocalOutputFiles(out)).manifest();
    }
    assertEquals("\"$NEMU_HOME/build/riscv64-nemu-interpreter\" -b 'mcf/42/_42_0.125000_memory_.zstd'",
        m.commands().get("nemu"));
    assertEquals(BundleCommands.of(PlatformProfile.named("nemu"), IMAGE, 1, 128, Codec.ZSTD, false), m.commands());
  }
}
