package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CaptureCommandTest {
  @Test
  void durationsAndAddressesParse() {
    CaptureCommand.DurationConverter d = new CaptureCommand.DurationConverter();
    assertEquals(Duration.ofMillis(500), d.convert("500ms"));
    assertEquals(Duration.ofSeconds(2), d.convert("2s"));
    assertEquals(Duration.ofMinutes(1), d.convert("1m"));
    assertEquals(Duration.ofSeconds(3), d.convert("PT3S"));
    assertThrows(CommandLine.TypeConversionException.class, () -> d.convert("soon"));
    CaptureCommand.AddressConverter a = new CaptureCommand.AddressConverter();
    assertEquals(0x8010_01C0L, a.convert("0x8010_01c0"));
    assertEquals(0xFFFF_FFFF_8000_0000L, a.convert("0xffffffff80000000"), "64-bit addresses (kernel virtual)");
    assertEquals(4096L, a.convert("4096"));
    assertThrows(CommandLine.TypeConversionException.class, () -> a.convert("0xg"));
  }

  @Test
  void aSourceIsRequiredAndTriggersExcludeEachOther() {
    CliRunner none = CliRunner.run("capture", "-o", "x.zstd");
    assertEquals(2, none.exitCode());
    assertTrue(none.err().contains("Missing required argument"), none.err());
    CliRunner both = CliRunner.run("capture", "--launch", "--at-pc", "0x80000000", "--after", "1s", "-o", "x.zstd");
    assertEquals(2, both.exitCode());
    assertTrue(both.err().contains("expected only one match"), both.err());
    CliRunner attachAndLaunch = CliRunner.run("capture", "--launch", "--qmp", "unix:/q", "--gdb", "unix:/g", "-o", "x");
    assertEquals(2, attachAndLaunch.exitCode());
  }

  @Test
  void aBadWindowBaseIsAUserError() {
    CliRunner r = CliRunner.run("capture", "--launch", "--window-base", "0x1234", "-o", "x.zstd");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("windowBase must be a multiple of 0x1000"), r.err());
  }
}
