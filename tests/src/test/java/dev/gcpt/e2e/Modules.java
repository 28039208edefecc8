package dev.gcpt.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The modules the root pom lists, so that tests which walk them see a new one without an edit. */
final class Modules {
  private static final Pattern MODULE = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>");

  private Modules() {}

  /** Every module of the root pom at {@code root} but {@code tests} (this one), in the pom's order. */
  static List<String> buildModules(Path root) throws IOException {
    List<String> out = new ArrayList<>();
    Matcher m = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
    while (m.find()) {
      if (!m.group(1).equals("tests")) {
        out.add(m.group(1));
      }
    }
    return out;
  }
}
