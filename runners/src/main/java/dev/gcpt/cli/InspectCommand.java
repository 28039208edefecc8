package dev.gcpt.cli;

import dev.gcpt.core.json.Json;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.CheckpointSummary;
import dev.gcpt.core.read.OpenCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gcpt inspect [--json] IN…}: the offline replacement for LibCheckpoint's
 * {@code --display-cpu}. Exit 0 when every input is a valid checkpoint, 1 otherwise; one line
 * per bad input on stderr.
 */
@Command(name = "inspect", description = "Describe checkpoints (variant, codec, harts, embedded restorer) and bundles "
    + "(a bundle directory or bundle.json: manifest, harts, descriptor, restorer parameters, frames).")
public final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "IN",
      description = "Checkpoint files, bundle directories or bundle.json files (local paths or s3:// URIs).")
  List<String> inputs;

  @Option(names = "--json", description = "Print a JSON array instead of the human summary.")
  boolean json;

  @Option(names = "--vlen", defaultValue = "128", description = "VLEN in bits of the saved vector state (default ${DEFAULT-VALUE}).")
  int vlen;

  @Mixin StorageOptions storage;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CheckpointReader.Options opt = new CheckpointReader.Options(vlen, CheckpointReader.Options.DEFAULT.maxRawBytes());
    List<Object> results = new ArrayList<>();
    int bad = 0;
    for (String in : inputs) {
      try {
        java.util.Optional<String> manifest = BundleView.manifestOf(in, storage);
        if (manifest.isPresent()) {
          dev.gcpt.core.bundle.BundleManifest m = BundleView.read(manifest.get(), storage);
          results.add(m);
          if (!json) {
            BundleView.print(out, manifest.get(), m);
          }
          continue;
        }
      } catch (IOException e) {
        bad++;
        err.println("gcpt inspect: " + in + ": " + e.getMessage().replaceAll("\\s*\\R\\s*", " ") + " [bad-manifest]");
        results.add(error(in, "bad-manifest", e.getMessage()));
        continue;
      }
      String flashBeside = flashBeside(in);
      boolean isFlash = dev.gcpt.core.set.CheckpointName.parse(in.replace('\\', '/'))
          .map(n -> n.kind() == dev.gcpt.core.set.CheckpointName.Kind.FLASH).orElse(false);
      try (InputStream raw = storage.open(in); OpenCheckpoint cp = open(raw, in, flashBeside, opt)) {
        cp.drain(null);
        CheckpointSummary s = CheckpointSummary.of(cp);
        if (pairedMemory != null) { // read through the merge (a raw stream): the file's own codec and length
          s = new CheckpointSummary(s.input(), s.variant(), s.producerLayout(), pairedMemory.codec().cliName(),
              s.imageLength(), pairedCompressed.count(), s.windowLength(), s.harts(), s.hartStates(),
              s.embeddedRestorer(), s.notes());
          pairedMemory = null;
        }
        results.add(s);
        if (!json) {
          printHuman(out, s);
          if (isFlash) {
            out.printf("  flash     a flash image (NEMU --store-cpt-in-flash): offsets are from the flash base 0x%x%n",
                dev.gcpt.core.flash.FlashCheckpoint.FLASH_BASE);
          } else if (flashBeside != null && storage.exists(flashBeside)) {
            out.printf("  flash     a flash checkpoint: the hart state above is %s's (no state in this image's DRAM)%n",
                flashBeside);
          }
          // an image of a bundle: its manifest too (restorer parameters, frames)
          for (String manifest : BundleView.besideImage(in, storage).stream().toList()) {
            BundleView.print(out, manifest, BundleView.read(manifest, storage));
          }
        }
      } catch (CheckpointException e) {
        bad++;
        err.println("gcpt inspect: " + e.getMessage() + " [" + e.reason().code() + "]");
        results.add(error(in, e.reason().code(), e.getMessage()));
      } catch (IOException e) {
        bad++;
        err.println("gcpt inspect: " + in + ": " + e.getMessage() + " [io-error]");
        results.add(error(in, "io-error", e.getMessage()));
      } catch (RuntimeException e) {
        // a bug must not cost the other inputs their answer
        bad++;
        err.println("gcpt inspect: " + in + ": internal error: " + e + " [internal-error]");
        results.add(error(in, "internal-error", String.valueOf(e)));
      }
    }
    if (json) {
      out.print(Json.pretty(results));
    }
    out.flush();
    return bad == 0 ? 0 : 1;
  }

  /**
   * The {@code _flash_} file that names the same point as memory image {@code in}, or null. Its
   * existence is checked only when {@code in} holds no state of its own.
   */
  /** The memory image of a flash pair being described (its codec and compressed length), else null. */
  private dev.gcpt.core.codec.DecodedStream pairedMemory;
  private dev.gcpt.core.io.PassThroughInputStream pairedCompressed;

  private static String flashBeside(String in) {
    int at = in.lastIndexOf("_memory_");
    return at < 0 || in.indexOf('/', at) >= 0 ? null : in.substring(0, at) + "_flash_" + in.substring(at + 8);
  }

  /**
   * Opens {@code in}; a memory image without state whose {@code _flash_} file is beside it is read
   * as the flash checkpoint they are together (the flash's state in its window).
   */
  private OpenCheckpoint open(InputStream raw, String in, String flashBeside, CheckpointReader.Options opt)
      throws IOException {
    try {
      return CheckpointReader.open(raw, in, opt);
    } catch (CheckpointException e) {
      // no state in DRAM: "not a checkpoint", or a boot restorer's descriptor without state behind it
      if (e.reason() != CheckpointException.Reason.NOT_A_CHECKPOINT
          && e.reason() != CheckpointException.Reason.INCONSISTENT || flashBeside == null
          || !storage.exists(flashBeside)) {
        throw e;
      }
    }
    dev.gcpt.core.flash.FlashCheckpoint.FlashSource flash;
    try (InputStream f = storage.open(flashBeside)) {
      flash = dev.gcpt.core.flash.FlashCheckpoint.read(f, flashBeside, opt.maxRawBytes());
    }
    InputStream again = storage.open(in);
    try {
      pairedCompressed = dev.gcpt.core.io.PassThroughInputStream.counting(again);
      dev.gcpt.core.codec.DecodedStream memory = dev.gcpt.core.codec.DecodedStream.open(pairedCompressed, in,
          opt.maxRawBytes());
      pairedMemory = memory;
      return CheckpointReader.open(dev.gcpt.core.flash.FlashCheckpoint.memoryWithState(memory, in, flash), in, opt);
    } catch (IOException | RuntimeException e) {
      again.close();
      throw e;
    }
  }

  private static Map<String, Object> error(String in, String reason, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("input", in);
    m.put("error", reason);
    m.put("message", message);
    return m;
  }

  static void printHuman(PrintWriter out, CheckpointSummary s) {
    out.println(s.input());
    out.printf("  variant   %s (%s)   codec %s   image %s   compressed %s%n", s.variant(), s.producerLayout(),
        s.codec(), Sizes.human(s.imageLength()), Sizes.human(s.compressedLength()));
    out.printf("  harts     %d   reserved window 0x%x%n", s.harts(), s.windowLength());
    out.printf("  %-4s %-18s %-4s %-3s %-3s %-3s %-18s %s%n", "hart", "pc", "mode", "F", "V", "H", "mtimecmp", "mstatus");
    for (CheckpointSummary.Hart h : s.hartStates()) {
      out.printf("  %-4d %-18s %-4s %-3s %-3s %-3s %-18s %s%n", h.hart(), h.pc(), h.mode(), yn(h.floatState()),
          yn(h.vectorState()), yn(h.hypervisorState()), h.mtimecmp(), h.mstatus());
    }
    if (s.embeddedRestorer() != null) {
      CheckpointSummary.Restorer r = s.embeddedRestorer();
      out.printf("  restorer  embedded %s, %d bytes, %s, sha256 %s%n", r.kind(), r.size(),
          r.complete() ? "complete (0xCAFF at " + r.flagOffset() + ")" : "INCOMPLETE (no 0xCAFF flag)", r.sha256());
    } else {
      out.println("  restorer  none embedded");
    }
    for (String n : s.notes()) {
      out.println("  note      " + n);
    }
  }

  private static String yn(boolean b) {
    return b ? "yes" : "-";
  }
}
