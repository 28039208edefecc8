package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.cli.Gcpt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person sees of {@code gcpt run} in a process of its own: the summary and nothing from the
 * loggers; the log goes to a file the summary names.
 */
@Tag("e2e")
class ConsoleOutputTest {
  @TempDir Path tmp;

  @Test
  void theConsoleShowsTheSummaryAndTheLogGoesToTheFileItNames() throws Exception {
    Path set = tmp.resolve("set");
    Outputs.writeSet(set.toString(), 2, 2, 2L << 20, 5);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-Djava.io.tmpdir=" + tmp);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Gcpt.class.getName());
    cmd.addAll(List.of("run", "--input", set.toString(), "--output", tmp.resolve("out").toString()));
    Path console = tmp.resolve("console.txt");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
    assertTrue(p.waitFor(3, TimeUnit.MINUTES));
    String text = Files.readString(console);
    assertEquals(0, p.exitValue(), text);
    assertFalse(text.contains("[INFO]") || text.contains("[WARN]") || text.contains("SLF4J"), text);
    assertTrue(text.contains("inputs 6 = bundles 4 + failures 2"), text);
    String logLine = text.lines().filter(l -> l.startsWith("log: ")).findFirst().orElseThrow(() -> new AssertionError(text));
    Path log = Path.of(logLine.substring("log: ".length()));
    assertTrue(log.startsWith(tmp.resolve("gcpt-logs")), log.toString());
    assertTrue(Files.readString(log).contains("set written to"), "the run's log: " + Files.readString(log));
  }
}
