package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands in bundle.json, pasted into bash from the output root as a user does: the
 * simulators are stand-ins at the places the commands name ({@code $NOOP_HOME/build/emu},
 * {@code $NEMU_HOME/build/riscv64-nemu-interpreter}, {@code $GEM5_HOME/build/RISCV/gem5.opt},
 * {@code qemu-system-riscv64} on the PATH) that record the arguments and variables they receive.
 * The bundle directory holds a space, a quote and a comma, so that any unquoted path shows. The
 * real decompressors run: QEMU's command must leave the decoded image where its loader looks.
 */
@Tag("e2e")
class PastedCommandsTest {
  static final long MIB = 1 << 20;
  /** A workload name no shell or QEMU option parser takes unquoted. */
  static final String DIR = "o'brien, x/3";
  static final String STUB = "#!/bin/sh\n"
      + "{ printf 'run %s\\n' \"$0\"; for a in \"$@\"; do printf 'arg %s\\n' \"$a\"; done\n"
      + "  printf 'GCB_RESTORER=%s\\n' \"${GCB_RESTORER-<unset>}\"\n"
      + "  printf 'GCB_MULTI_CORE_RESTORER=%s\\n' \"${GCB_MULTI_CORE_RESTORER-<unset>}\"; } > \"$STUB_LOG\"\n";

  @TempDir Path root;
  @TempDir Path stubs;
  Path log;

  @BeforeEach
  void stubs() throws IOException {
    for (String tool : List.of("bash", "zstd", "gzip")) {
      Assumptions.assumeTrue(EmuLoader.onPath(tool), tool + " is not installed (Debian package " + tool + "): skipping");
    }
    for (String exe : List.of("xs/build/emu", "nemu/build/riscv64-nemu-interpreter", "gem5/build/RISCV/gem5.opt",
        "gem5/build/RISCV_CHI/gem5.opt", "bin/qemu-system-riscv64")) {
      Path p = stubs.resolve(exe);
      Files.createDirectories(p.getParent());
      Files.writeString(p, STUB);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.createDirectories(stubs.resolve("gem5/configs/example"));
    Files.writeString(stubs.resolve("gem5/configs/example/xiangshan.py"), "");
    Files.writeString(stubs.resolve("nemu/build/riscv64-nemu-interpreter-so"), "");
    log = stubs.resolve("stub.log");
  }

  BundleManifest build(String platform, Codec codec, boolean singleFrame, SyntheticCheckpoint cp) throws IOException {
    ByteArrayOutputStream src = new ByteArrayOutputStream();
    cp.write(src, Codec.GZIP);
    byte[] bytes = src.toByteArray();
    try (BundleBuilder b = new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named(platform),
        new BundleBuilder.Builtin(), ImageOptions.of(codec, 0, 1, 1, singleFrame), 128, 1L << 34))) {
      return b.build(new BundleBuilder.Source("in/_3_0.5_memory_.gz", "size=" + bytes.length),
          () -> new ByteArrayInputStream(bytes), new BundleBuilder.Target(DIR, "_3_0.5_memory_" + codec.suffix(),
              new BundleManifest.SimPoint("o'brien, x", "3", "0.5", null)), new LocalOutputFiles(root)).manifest();
    }
  }

  /** Runs {@code command} in bash from the output root; returns what the stand-in recorded. */
  List<String> paste(String command) throws IOException, InterruptedException {
    Files.deleteIfExists(log);
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(stubs.resolve("bash.out").toFile());
    Map<String, String> env = pb.environment();
    env.put("NOOP_HOME", stubs.resolve("xs").toString());
    env.put("NEMU_HOME", stubs.resolve("nemu").toString());
    env.put("GEM5_HOME", stubs.resolve("gem5").toString());
    env.put("GCB_RESTORER", "/somewhere/else/gcpt.bin"); // what a user's profile exports: the command must override it
    env.put("GCB_MULTI_CORE_RESTORER", "/somewhere/else/gcpt-mc.bin");
    env.put("PATH", stubs.resolve("bin") + ":" + System.getenv("PATH"));
    env.put("STUB_LOG", log.toString());
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + ": still running after 60 s");
    String out = Files.readString(stubs.resolve("bash.out"));
    assertEquals(0, p.exitValue(), command + ": " + out);
    assertTrue(Files.exists(log), command + ": no simulator ran: " + out);
    return Files.readAllLines(log, StandardCharsets.UTF_8);
  }

  @Test
  void xiangShanEmuNemuAndGem5GetTheImageTheEmbeddedRestorerAndTheirOptions() throws Exception {
    BundleManifest m = build("xiangshan", Codec.GZIP, false,
        SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(3 * MIB).seed(5).build());
    String image = DIR + "/_3_0.5_memory_.gz";
    assertTrue(Files.isRegularFile(root.resolve(image)));
    String so = stubs.resolve("nemu/build/riscv64-nemu-interpreter-so").toString();
    assertEquals(List.of("run " + stubs.resolve("xs/build/emu"), "arg -i", "arg " + image, "arg --ram-size=8GB",
        "arg --diff", "arg " + so, "arg -W", "arg 20000000", "arg -I", "arg 40000000",
        "GCB_RESTORER=/somewhere/else/gcpt.bin", "GCB_MULTI_CORE_RESTORER=/somewhere/else/gcpt-mc.bin"),
        paste(m.commands().get("xiangshan-emu")));
    assertEquals(List.of("run " + stubs.resolve("xs/build/emu"), "arg -i", "arg " + image, "arg --ram-size=8GB",
        "arg --no-diff", "arg -W", "arg 20000000", "arg -I", "arg 40000000",
        "GCB_RESTORER=/somewhere/else/gcpt.bin", "GCB_MULTI_CORE_RESTORER=/somewhere/else/gcpt-mc.bin"),
        paste(m.commands().get("xiangshan-emu-no-diff")));
    assertEquals(List.of("run " + stubs.resolve("nemu/build/riscv64-nemu-interpreter"), "arg -b", "arg " + image,
        "GCB_RESTORER=/somewhere/else/gcpt.bin", "GCB_MULTI_CORE_RESTORER=/somewhere/else/gcpt-mc.bin"),
        paste(m.commands().get("nemu")));
    assertEquals(List.of("run " + stubs.resolve("gem5/build/RISCV/gem5.opt"),
        "arg " + stubs.resolve("gem5/configs/example/xiangshan.py"), "arg --generic-rv-cpt=" + image,
        "GCB_RESTORER=", "GCB_MULTI_CORE_RESTORER=/somewhere/else/gcpt-mc.bin"),
        paste(m.commands().get("xs-gem5")), "an empty GCB_RESTORER: XS-GEM5 loads no restorer over the embedded one");
  }

  @Test
  void multiCoreGem5GetsItsBuildCpusAndAnEmptyMultiCoreRestorer() throws Exception {
    BundleManifest m = build("gem5", Codec.ZSTD, false,
        SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).imageLength(0x500000 + MIB).seed(6).build());
    assertEquals(List.of("run " + stubs.resolve("gem5/build/RISCV_CHI/gem5.opt"),
        "arg " + stubs.resolve("gem5/configs/example/xiangshan.py"), "arg --ruby", "arg --num-cpus=2",
        "arg --generic-rv-cpt=" + DIR + "/_3_0.5_memory_.zstd",
        "GCB_RESTORER=/somewhere/else/gcpt.bin", "GCB_MULTI_CORE_RESTORER="), paste(m.commands().get("xs-gem5")));
  }

  @Test
  void qemuGetsTheDecodedImageAtDramStart() throws Exception {
    for (Codec codec : List.of(Codec.ZSTD, Codec.GZIP)) {
      BundleManifest m = build("qemu-virt", codec, false,
          SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(3 * MIB).seed(7).build());
      String raw = DIR + "/_3_0.5_memory_.raw";
      Files.deleteIfExists(root.resolve(raw));
      assertEquals(List.of("run " + stubs.resolve("bin/qemu-system-riscv64"), "arg -machine", "arg virt", "arg -bios",
          "arg none", "arg -nographic", "arg -cpu", "arg rv64,v=true,vlen=128,h=true,sstc=true", "arg -m", "arg 8G",
          "arg -smp", "arg 1", "arg -device",
          "arg loader,file=" + raw.replace(",", ",,") + ",addr=0x80000000,force-raw=on",
          "GCB_RESTORER=/somewhere/else/gcpt.bin", "GCB_MULTI_CORE_RESTORER=/somewhere/else/gcpt-mc.bin"),
          paste(m.commands().get("qemu")), codec.cliName());
      byte[] decoded;
      Path image = root.resolve(DIR).resolve(m.image().file());
      try (InputStream in = DecodedStream.open(Files.newInputStream(image), image.toString(), Long.MAX_VALUE)) {
        decoded = in.readAllBytes();
      }
      assertEquals(m.image().rawLength(), Files.size(root.resolve(raw)), codec.cliName());
      assertArrayEquals(decoded, Files.readAllBytes(root.resolve(raw)), codec.cliName() + ": the raw image QEMU loads");
    }
  }
}
