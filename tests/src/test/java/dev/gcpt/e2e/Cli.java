package dev.gcpt.e2e;

import dev.gcpt.cli.Gcpt;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** The gcpt command line run in-process, with what it printed captured (what a user sees). */
record Cli(int exitCode, String out, String err) {
  static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Gcpt.newCommandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Cli(code, out.toString(), err.toString());
  }
}
