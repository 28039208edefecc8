package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.descriptor.Descriptors;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.Restorer;
import dev.gcpt.core.restorer.RestorerGenerator;
import dev.gcpt.core.restorer.RestorerSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RestorerCommandTest {

  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run gcpt(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Gcpt.newCommandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void buildWritesExactlySizeBytesAndPrintsSizeAndHash() throws Exception {
    Path out = dir.resolve("gcpt.bin");
    Run r = gcpt("restorer", "build", "--harts", "4", "--platform", "qemu-virt", "-o", out.toString());
    assertEquals(0, r.exit, r.err);
    Restorer want = RestorerGenerator.generate(RestorerSpec.forVariant(Variant.V2, 4, PlatformProfile.named("qemu-virt")));
    byte[] got = Files.readAllBytes(out);
    assertArrayEquals(want.bytes(), got);
    assertTrue(r.out.contains("size      " + want.size() + " bytes"), r.out);
    assertTrue(r.out.contains("sha256    " + want.sha256()), r.out);
    assertTrue(r.out.contains("descriptor V2 at 0xec000"), r.out);
    assertTrue(Files.notExists(dir.resolve("gcpt.bin.tmp")));
  }

  @Test
  void buildHonoursTheRestoreFlags() throws Exception {
    Path out = dir.resolve("v3.bin");
    Run r = gcpt("restorer", "build", "--platform", "nemu", "--descriptor-variant", "v3", "--no-vector",
        "--no-float", "--hypervisor", "--vlen", "256", "--park-hart", "0", "-o", out.toString());
    assertEquals(0, r.exit, r.err);
    RestorerSpec s = RestorerSpec.forVariant(Variant.V3, 1, PlatformProfile.named("nemu")).withVlen(256)
        .withFloat(false).withVector(false).withHypervisor(true).withParkHart(0);
    assertArrayEquals(RestorerGenerator.generate(s).bytes(), Files.readAllBytes(out));
    assertTrue(r.out.contains("F off, V off, H on, park hart 0"), r.out);
  }

  @Test
  void buildWithPayloadWritesABootImage() throws Exception {
    Path payload = dir.resolve("payload.bin");
    byte[] code = {0x6F, 0, 0, 0}; // j .
    Files.write(payload, code);
    Path out = dir.resolve("boot.bin");
    Run r = gcpt("restorer", "build", "--descriptor-variant", "v0", "--payload", payload.toString(),
        "--payload-position", "0xA0000", "-o", out.toString());
    assertEquals(0, r.exit, r.err);
    byte[] img = Files.readAllBytes(out);
    assertEquals(0xA0000 + code.length, img.length);
    assertArrayEquals(code, Arrays.copyOfRange(img, 0xA0000, img.length));
    byte[] desc = Descriptors.forVariant(Variant.V0, 1).encode();
    assertArrayEquals(desc, Arrays.copyOfRange(img, 0x7F000, 0x7F000 + desc.length));
    assertTrue(r.out.contains("V off"), "v0 has no vector state: " + r.out);
  }

  @Test
  void checkReportsAValidRestorer() throws Exception {
    Path out = dir.resolve("gcpt.bin");
    assertEquals(0, gcpt("restorer", "build", "-o", out.toString()).exit);
    Run r = gcpt("restorer", "check", out.toString());
    assertEquals(0, r.exit, r.err);
    assertTrue(r.out.contains("valid restorer"), r.out);
    assertTrue(r.out.contains("(size-8, then a zero word)"), r.out);
    assertTrue(r.out.contains("kind        gcpt-generated"), r.out);
    assertTrue(r.out.contains("restores    [V1], 1 hart(s)"), r.out);
    assertTrue(r.out.contains("works for   V1 images with 1 hart(s), descriptor at 0xec000 (checked at boot, trap 3"
        + " otherwise); platform xiangshan (CLINT 0x38000000), payload at 0x100000, VLEN 128, F on, V on, H off"), r.out);
  }

  @Test
  void checkFailsNamingFileOffsetAndValue() throws Exception {
    Path bad = dir.resolve("bad.bin");
    byte[] b = new byte[64];
    b[0] = 0x13; // addi, not jal
    Files.write(bad, b);
    Run r = gcpt("restorer", "check", bad.toString());
    assertEquals(1, r.exit);
    assertTrue(r.err.contains(bad.toString()) && r.err.contains("offset 0x0") && r.err.contains("0x00000013"), r.err);
  }

  @Test
  void userErrorsAreOneLine() {
    Run r = gcpt("restorer", "build", "--platform", "spike", "-o", dir.resolve("x").toString());
    assertEquals(1, r.exit);
    assertTrue(r.err.startsWith("gcpt: unknown platform 'spike'"), r.err);
    r = gcpt("restorer", "build", "--harts", "2", "--descriptor-variant", "v1", "-o", dir.resolve("x").toString());
    assertEquals(1, r.exit);
    assertTrue(r.err.contains("hold one hart"), r.err);
    r = gcpt("restorer", "build");
    assertEquals(2, r.exit, "missing -o is a usage error");
  }
}
