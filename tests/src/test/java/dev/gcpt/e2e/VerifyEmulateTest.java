package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.cli.emu.Qemu;
import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.bundle.LocalOutputFiles;
import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gcpt verify --emulate}: qemu-virt bundles boot in QEMU and resume with their saved state. */
@Tag("e2e")
class VerifyEmulateTest {
  static final long MIB = 1 << 20;
  static final int M = 3;
  @TempDir Path set;

  @BeforeAll
  static void qemuInstalled() {
    Assumptions.assumeTrue(Qemu.installed(),
        Qemu.BINARY + " is not installed (Debian package qemu-system-misc): skipping the emulation check");
  }

  BundleManifest build(String platform, String point, SyntheticCheckpoint cp) throws IOException {
    ByteArrayOutputStream src = new ByteArrayOutputStream();
    cp.write(src, Codec.ZSTD);
    byte[] bytes = src.toByteArray();
    BundleBuilder b = new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named(platform),
        new BundleBuilder.Builtin(), ImageOptions.of(Codec.ZSTD, 0, 1, 1, false), 128, 1L << 34));
    return b.build(new BundleBuilder.Source("in/" + point, "size=" + bytes.length),
        () -> new ByteArrayInputStream(bytes), new BundleBuilder.Target("w/" + point, "_" + point + "_0.5_memory_.zstd",
            new BundleManifest.SimPoint("w", point, "0.5", null)), new LocalOutputFiles(set)).manifest();
  }

  @Test
  void qemuVirtBundlesResumeWithTheirSavedStateOthersAreSkipped() throws IOException {
    // M, S and U states: the synthetic states carry OpenSBI's PMP entry, as checkpoints taken under it do
    build("qemu-virt", "1", SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(2 * MIB).modes(M).seed(1)
        .build());
    build("qemu-virt", "2", SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).modes(1, 0).seed(2).build());
    build("xiangshan", "3", SyntheticCheckpoint.builder().variant(Variant.V3).imageLength(2 * MIB).seed(3).build());
    Cli r = Cli.run("verify", "--emulate", "--emulate-timeout", "30", set.toString());
    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertEquals("", r.out());
    assertEquals("gcpt verify: 3 of 3 bundle(s) checked, 0 bad, 2 emulated in QEMU, 1 not built for qemu-virt "
        + "(not emulated)\n", r.err());
  }

  /**
   * A state without a PMP entry: QEMU refuses the restorer's mret to S mode and the hart loops on
   * its trap vector. The check stops at the first trap and says why, instead of waiting out the
   * timeout (which would say "did not reach their resume pcs within 300 s").
   */
  @Test
  void aHartThatTrapsBeforeItsResumePcIsReportedAtOnceWithTheCause() throws IOException {
    build("qemu-virt", "1", SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(2 * MIB).modes(1)
        .pmp(false).seed(5).build());
    Cli r = Cli.run("verify", "--emulate", "--emulate-timeout", "300", set.resolve("w/1").toString());
    assertEquals(1, r.exitCode(), r.out() + r.err());
    assertTrue(r.out().startsWith(set.resolve("w/1") + ": emulate: hart 0 trapped to its mtvec 0x80100100 before its"
        + " resume pc: mcause 0x2 (illegal instruction), mepc 0x"), r.out());
    assertTrue(r.out().contains("mtval 0x30200073; QEMU refuses an mret to S or U mode while no PMP entry is"
        + " configured"), r.out());
  }

  /**
   * The demo's kind of set built for qemu-virt: every bundle resumes in QEMU. Some of its states
   * have a timer interrupt pending and enabled, which the hart takes as it resumes (the trap's
   * epc is the resume pc): that is the state restored, not a failure.
   */
  @Test
  void aSampleSetBuiltForQemuVirtResumesEveryBundle() throws IOException {
    Path in = set.resolve("in");
    Outputs.writeSet(in.toString(), 3, 4, 2 * MIB, 1);
    Cli run = Cli.run("run", "--input", in.toString(), "--output", set.resolve("out").toString(), "--platform",
        "qemu-virt");
    assertTrue(run.out().contains("inputs 14 = bundles 12 + failures 2"), run.out() + run.err());
    Cli r = Cli.run("verify", "--emulate", "--emulate-timeout", "60", set.resolve("out").toString());
    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertEquals("gcpt verify: 12 of 12 bundle(s) checked, 0 bad, 12 emulated in QEMU\n", r.err());
  }

  @Test
  void aHartResumingInAnotherModeThanTheManifestSaysIsBad() throws IOException {
    BundleManifest m = build("qemu-virt", "1", SyntheticCheckpoint.builder().variant(Variant.V1).imageLength(2 * MIB)
        .modes(M).seed(4).build());
    assertEquals("M", m.hartStates().get(0).mode());
    Path manifest = set.resolve("w/1/bundle.json");
    Files.writeString(manifest, Files.readString(manifest).replace("\"mode\" : \"M\"", "\"mode\" : \"S\""));
    Cli r = Cli.run("verify", "--emulate", set.resolve("w/1").toString());
    assertEquals(1, r.exitCode(), r.out() + r.err());
    assertEquals(set.resolve("w/1") + ": emulate: hart 0 resumed in mode 3, the manifest says S\n", r.out());
  }
}
