package dev.gcpt.cli;

import dev.gcpt.cli.emu.BundleEmulator;
import dev.gcpt.cli.emu.Qemu;
import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.io.Store;
import dev.gcpt.core.verify.BundleVerifier;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gcpt verify DIR [--sample N] [--emulate]}: re-reads bundles (one bundle directory, its
 * bundle.json, or every bundle under a set root; local or s3://) and checks each against its
 * manifest ({@link BundleVerifier}). With {@code --emulate}, bundles built for the qemu-virt
 * platform also run in QEMU and every hart is checked at its resume pc. Prints one line per bad
 * bundle on stdout and a summary on stderr; exit 0 when all are good, 1 otherwise.
 */
@Command(name = "verify", description = "Re-read bundles and check frames, hashes, restorer and descriptor.")
public final class VerifyCommand implements Callable<Integer> {
  static final int USAGE = 2;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR",
      description = "A bundle directory, its bundle.json, or a set root (local path or s3:// URI).")
  String target;

  @Option(names = "--sample", paramLabel = "N", defaultValue = "0",
      description = "Check N bundles spread evenly over the sorted list (deterministic); 0 = all.")
  int sample;

  @Option(names = "--emulate", description = "Also run qemu-virt bundles in QEMU and check the state at the resume pc.")
  boolean emulate;

  @Option(names = "--emulate-timeout", paramLabel = "SECONDS", defaultValue = "60",
      description = "Per bundle, for --emulate (default ${DEFAULT-VALUE}).")
  int emulateTimeout;

  @Mixin StorageOptions storage;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (emulate && !Qemu.installed()) {
      err.println("gcpt verify: --emulate needs " + Qemu.BINARY + " (Debian package qemu-system-misc)");
      return USAGE;
    }
    String root = Storage.directory(target); // a local one absolute, as the listing names its files
    List<String> all = bundles(root);
    if (all.isEmpty()) {
      err.println("gcpt verify: no bundle.json at or under " + target);
      return 1;
    }
    List<String> chosen = sample(all, sample);
    BundleVerifier verifier = new BundleVerifier(storage);
    ProgressMeter meter = ProgressMeter.forTerminal(err, "bundles");
    long bytes = 0;
    int bad = 0;
    int emulated = 0;
    int notRunnable = 0;
    for (int i = 0; i < chosen.size(); i++) {
      String dir = chosen.get(i);
      BundleVerifier.Result r = verifier.verify(dir);
      List<String> problems = new ArrayList<>(r.problems().stream().map(Object::toString).toList());
      Optional<BundleManifest> m = manifest(verifier, dir);
      if (emulate && r.ok() && m.isPresent()) {
        if (BundleEmulator.runnable(m.get())) {
          emulated++;
          emulate(dir, m.get()).ifPresent(p -> problems.add("emulate: " + p));
        } else {
          notRunnable++;
        }
      }
      bytes += m.map(x -> x.image().compressedLength()).orElse(0L);
      if (!problems.isEmpty()) {
        bad++;
        meter.finish();
        out.println(dir + ": " + String.join("; ", problems));
        out.flush();
      }
      meter.update(i + 1, chosen.size(), bytes);
    }
    meter.finish();
    err.printf("gcpt verify: %d of %d bundle(s) checked%s, %d bad%s%n", chosen.size(), all.size(),
        chosen.size() < all.size() ? " (sample)" : "", bad,
        emulate ? ", " + emulated + " emulated in QEMU" + (notRunnable > 0 ? ", " + notRunnable
            + " not built for " + BundleEmulator.PLATFORM + " (not emulated)" : "") : "");
    err.flush();
    return bad == 0 ? 0 : 1;
  }

  /** The bundle directories {@code root} names: itself, the directory of a bundle.json, or all below it. */
  List<String> bundles(String root) throws IOException {
    String suffix = "/" + BundleBuilder.MANIFEST;
    if (root.endsWith(suffix)) {
      return List.of(root.substring(0, root.length() - suffix.length()));
    }
    if (storage.exists(root + suffix)) {
      return List.of(root);
    }
    List<String> dirs = new ArrayList<>();
    // the listing names local files by absolute path: shown below root as the user wrote it
    String base = Storage.directory(root);
    String given = root.length() > 1 && root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    for (Store.Entry e : storage.list(root)) {
      String f = e.uri();
      if (e.problem() == null && f.endsWith(suffix) && f.startsWith(base + "/") && !f.contains(Store.TEMP_PREFIX)
          && !f.contains(Store.LEGACY_PARTIAL_MARKER)) {
        dirs.add(given + f.substring(base.length(), f.length() - suffix.length()));
      }
    }
    dirs.sort(Comparator.naturalOrder());
    return dirs;
  }

  /** {@code n} entries spread evenly over {@code all} (first included); all when n is 0 or too large. */
  static List<String> sample(List<String> all, int n) {
    if (n <= 0 || n >= all.size()) {
      return all;
    }
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(all.get((int) ((long) i * all.size() / n)));
    }
    return out;
  }

  private static Optional<BundleManifest> manifest(BundleVerifier v, String dir) {
    try {
      return Optional.of(v.manifest(dir));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private Optional<String> emulate(String dir, BundleManifest m) throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("gcpt-verify-");
    // Ctrl-C runs shutdown hooks, not this thread's finally: the decoded image (GiBs) must go too,
    // and QEMU with it (a child process outlives the JVM otherwise)
    Thread cleanup = new Thread(() -> {
      ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
      deleteQuietly(work);
    }, "gcpt-verify-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try (InputStream image = storage.open(dir + "/" + m.image().file())) {
      return BundleEmulator.check(m, image, work, Duration.ofSeconds(emulateTimeout));
    } finally {
      deleteQuietly(work);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run
      }
    }
  }

  private static void deleteQuietly(Path work) {
    try (Stream<Path> s = Files.walk(work)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // already gone, or going: nothing left to do
    }
  }
}
