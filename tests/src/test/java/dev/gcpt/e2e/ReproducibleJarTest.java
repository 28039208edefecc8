package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The modules' jars are reproducible: every entry carries the parent pom's
 * {@code project.build.outputTimestamp}, not the build's clock, so the same sources give the same
 * jar bytes (the jars reach a remote Flink cluster and class-data-sharing archives).
 */
class ReproducibleJarTest {
  static final Instant OUTPUT_TIMESTAMP = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void everyEntryOfEveryModuleJarCarriesTheFixedTimestamp() throws IOException {
    Path module = Path.of("").toAbsolutePath();
    Path root = Files.exists(module.resolve("tests")) ? module : module.getParent();
    List<Path> jars = new ArrayList<>();
    for (String m : Modules.buildModules(root)) {
      Path target = root.resolve(m).resolve("target");
      if (Files.isDirectory(target)) {
        try (Stream<Path> s = Files.list(target)) {
          s.filter(p -> p.getFileName().toString().matches("gcpt-.*-SNAPSHOT\\.jar")).forEach(jars::add);
        }
      }
    }
    Assumptions.assumeFalse(jars.isEmpty(), "no module jar built (run the package phase first, as mvn verify does)");
    for (Path jar : jars) {
      try (ZipFile z = new ZipFile(jar.toFile())) {
        List<? extends ZipEntry> entries = Collections.list(z.entries());
        assertFalse(entries.isEmpty(), jar.toString());
        for (ZipEntry e : entries) {
          // DOS times in the local zone: compare what the jar tool writes for the fixed instant
          FileTime t = e.getLastModifiedTime();
          assertEquals(OUTPUT_TIMESTAMP, t.toInstant(), jar.getFileName() + "!" + e.getName());
        }
      }
    }
  }
}
