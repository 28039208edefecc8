package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line is built with only the command a process runs, and whole for anything else. */
class GcptTest {
  static final List<String> ALL = List.of("inspect", "restorer", "normalize", "run", "regenerate", "demo", "verify",
      "capture");

  @Test
  void aNamedCommandIsTheOnlyOneBuilt() {
    assertEquals(List.of("run"), List.copyOf(Gcpt.newCommandLine(new String[] {"run", "--input", "x"})
        .getSubcommands().keySet()));
    assertEquals(List.of("restorer"), List.copyOf(Gcpt.newCommandLine(new String[] {"--verbose", "restorer", "check"})
        .getSubcommands().keySet()));
  }

  @Test
  void helpAndUnknownCommandsSeeThemAllInOrder() {
    for (String[] args : new String[][] {{}, {"--help"}, {"frob"}, {"-V"}}) {
      assertEquals(ALL, List.copyOf(Gcpt.newCommandLine(args).getSubcommands().keySet()).subList(0, ALL.size()),
          String.join(" ", args));
    }
    assertEquals(ALL, List.copyOf(Gcpt.newCommandLine().getSubcommands().keySet()).subList(0, ALL.size()));
  }
}
