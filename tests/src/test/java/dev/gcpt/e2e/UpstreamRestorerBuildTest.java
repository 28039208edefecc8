package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.cli.Gcpt;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.ExternalRestorer;
import dev.gcpt.core.restorer.RestorerException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The real upstream restorers, built at test time from the NEMU tarball in
 * {@code ../shared/third_party} (LibCheckpointAlpha = NEMU's resource/gcpt_restore, LibCheckpoint
 * = resource/LibCheckpoint in its default protobuf mode), checked the way {@code gcpt restorer
 * check} does. Skipped with the reason when the tarball or a tool is missing.
 *
 * <p>Point at your own builds instead: {@code GCPT_LIBCHECKPOINT_ALPHA_BIN} (or
 * {@code -Dgcpt.libcheckpointAlphaBin}) and {@code GCPT_LIBCHECKPOINT_BIN}
 * ({@code -Dgcpt.libcheckpointBin}) name a gcpt.bin; {@code GCPT_THIRD_PARTY}
 * ({@code -Dgcpt.thirdParty}) the directory holding {@code nemu-cc2dd3dd.tar.gz}.
 *
 * <p>Debian packages: {@code gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf make}; for
 * LibCheckpoint also {@code picolibc-riscv64-unknown-elf python3-protobuf protobuf-compiler}.
 */
@Tag("e2e")
class UpstreamRestorerBuildTest {
  private static final String TARBALL = "nemu-cc2dd3dd.tar.gz";
  private static final String CROSS = "riscv64-unknown-elf-";
  private static final Path PICOLIBC_INCLUDE = Path.of("/usr/lib/picolibc/riscv64-unknown-elf/include");
  private static final Path WORK = Path.of("target", "upstream-restorers").toAbsolutePath();

  private static String setting(String env, String property) {
    String v = System.getProperty(property);
    return v != null ? v : System.getenv(env);
  }

  private static Path thirdParty() {
    String dir = setting("GCPT_THIRD_PARTY", "gcpt.thirdParty");
    // the tests module runs in <root>/tests; the shared directory sits beside the root
    return dir != null ? Path.of(dir) : Path.of("").toAbsolutePath().getParent().resolve("../shared/third_party")
        .normalize();
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Runs a command in {@code dir}, failing the test with its output when it fails. */
  private static void run(Path dir, Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", command) + ": timed out");
    assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " in " + dir + " failed:\n"
        + new String(out, StandardCharsets.UTF_8));
  }

  /** Extracts {@code member} (a directory of the NEMU tree) from the tarball into a fresh directory. */
  private static Path extract(String name, String member) throws Exception {
    Path tarball = thirdParty().resolve(TARBALL);
    Assumptions.assumeTrue(Files.isRegularFile(tarball), "no " + tarball + " (set GCPT_THIRD_PARTY to the directory"
        + " holding it, or GCPT_LIBCHECKPOINT_ALPHA_BIN / GCPT_LIBCHECKPOINT_BIN to your own gcpt.bin)");
    Assumptions.assumeTrue(onPath("tar") && onPath("make"), "tar or make not on PATH");
    Assumptions.assumeTrue(onPath(CROSS + "gcc"), "no " + CROSS + "gcc (Debian gcc-riscv64-unknown-elf)");
    Path dir = WORK.resolve(name);
    if (Files.exists(dir)) {
      run(WORK, Map.of(), "rm", "-rf", dir.toString());
    }
    Files.createDirectories(dir);
    run(dir, Map.of(), "tar", "-xzf", tarball.toString(), member);
    return dir.resolve(member);
  }

  private static String check(Path restorer) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Gcpt.newCommandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute("restorer", "check", restorer.toString());
    return code + "\n" + out + err;
  }

  @Test
  void libCheckpointAlphaBuiltFromTheTarballIsACompleteV1Restorer() throws Exception {
    String own = setting("GCPT_LIBCHECKPOINT_ALPHA_BIN", "gcpt.libcheckpointAlphaBin");
    Path bin;
    if (own != null) {
      bin = Path.of(own);
    } else {
      Path src = extract("alpha", "nemu/resource/gcpt_restore");
      run(src, Map.of(), "make", "CROSS_COMPILE=" + CROSS);
      bin = src.resolve("build/gcpt.bin");
    }
    byte[] bytes = Files.readAllBytes(bin);
    ExternalRestorer.Report r = ExternalRestorer.validate(bytes, bin.toString());
    assertEquals(ExternalRestorer.Kind.LIBCHECKPOINT_ALPHA, r.kind());
    assertEquals(EnumSet.of(Variant.V1), r.variants());
    assertTrue(r.notRestored().get(0).contains("vxrm, vxsat"), r.notRestored().toString());
    if (own == null) {
      // the facts the unit tests' stand-in (UpstreamRestorers.libCheckpointAlpha) is built from
      assertEquals(0xC00, r.size());
      assertEquals(0x8B0, r.flagOffset());
      assertEquals(ExternalRestorer.FlagPlacement.PADDED, r.flag());
      assertEquals(0x20, r.entry());
      assertEquals(1_048_600, bytes.length);
    }
    String out = check(bin);
    assertTrue(out.startsWith("0\n"), out);
    assertTrue(out.contains("kind        LibCheckpointAlpha"), out);
    assertTrue(out.contains("works for   V1 images only, one hart"), out);
  }

  @Test
  void libCheckpointInProtobufModeBuiltFromTheTarballIsRefused() throws Exception {
    String own = setting("GCPT_LIBCHECKPOINT_BIN", "gcpt.libcheckpointBin");
    Path bin;
    if (own != null) {
      bin = Path.of(own);
    } else {
      Assumptions.assumeTrue(Files.isRegularFile(PICOLIBC_INCLUDE.resolve("string.h")),
          "no " + PICOLIBC_INCLUDE + "/string.h (Debian picolibc-riscv64-unknown-elf)");
      Assumptions.assumeTrue(pythonHasProtobuf(), "/usr/bin/python3 cannot import google.protobuf"
          + " (Debian python3-protobuf), which LibCheckpoint's nanopb generator needs");
      Path src = extract("libcheckpoint", "nemu/resource/LibCheckpoint");
      run(src, Map.of(), "./configure");
      // /usr/bin first: the nanopb generator must run the Python that has Debian's protobuf
      run(src, Map.of("PATH", "/usr/bin:" + System.getenv().getOrDefault("PATH", "/bin"),
          "CFLAGS", "-isystem " + PICOLIBC_INCLUDE), "make", "CROSS_COMPILE=" + CROSS, "LD=" + CROSS + "ld");
      bin = src.resolve("build/gcpt.bin");
    }
    byte[] bytes = Files.readAllBytes(bin);
    if (own == null) {
      assertEquals(1_048_584, bytes.length);
      assertEquals(557_088, java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4));
    }
    assertEquals(ExternalRestorer.Kind.LIBCHECKPOINT_PROTOBUF,
        ExternalRestorer.kind(bytes, java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4)));
    RestorerException e = assertThrows(RestorerException.class, () -> ExternalRestorer.validate(bytes, "lc.bin"));
    assertTrue(e.getMessage().contains("restores none of gcpt's images"), e.getMessage());
    String out = check(bin);
    assertTrue(out.startsWith("1\n"), out);
    List<String> lines = new ArrayList<>(out.lines().toList());
    assertEquals(2, lines.size(), "exit code, then one line: " + out);
    assertTrue(lines.get(1).startsWith("gcpt: invalid restorer: " + bin + ": offset 0x8: LibCheckpoint built in"
        + " protobuf mode"), out);
  }

  private static boolean pythonHasProtobuf() {
    try {
      Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import google.protobuf").redirectErrorStream(true)
          .start();
      p.getInputStream().readAllBytes();
      return p.waitFor(1, TimeUnit.MINUTES) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
