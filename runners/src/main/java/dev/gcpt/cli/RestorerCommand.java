package dev.gcpt.cli;

import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.restorer.ExternalRestorer;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.Restorer;
import dev.gcpt.core.restorer.RestorerException;
import dev.gcpt.core.restorer.RestorerGenerator;
import dev.gcpt.core.restorer.RestorerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gcpt restorer build|check}: generate a tailored restorer, or validate a gcpt.bin. */
@Command(name = "restorer", description = "Build or check restorer images (gcpt.bin).",
    subcommands = {RestorerCommand.Build.class, RestorerCommand.Check.class})
public final class RestorerCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: build or check");
  }

  /** Parses 0x-hex or decimal. */
  static final class NumberConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return Long.decode(value.replace("_", ""));
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("not a number: '" + value + "'");
      }
    }
  }

  @Command(name = "build", description = {
      "Generate a restorer for a hart count, platform and descriptor variant.",
      "Without --payload the output is exactly the restorer's size bytes; with --payload it is an",
      "all-in-one boot image (restorer, descriptor, payload at --payload-position)."})
  static final class Build implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--harts", defaultValue = "1", description = "Hart count, 1..128 (default ${DEFAULT-VALUE}).")
    int harts;

    @Option(names = "--platform", defaultValue = "xiangshan",
        description = "xiangshan, nemu, gem5 or qemu-virt (default ${DEFAULT-VALUE}), or a .properties profile file.")
    String platform;

    @Option(names = "--payload", description = "Payload to place at the payload position (boot image).")
    Path payload;

    @Option(names = "--payload-position", converter = NumberConverter.class,
        description = "Payload offset from the restorer (default 0x100000; 0xA0000 for v0).")
    Long payloadPosition;

    @Option(names = "--vlen", defaultValue = "128", description = "VLEN in bits (default ${DEFAULT-VALUE}).")
    int vlen;

    @Option(names = "--no-vector", description = "Do not restore vector state (default for v0).")
    boolean noVector;

    @Option(names = "--no-float", description = "Do not restore f0..f31 and fcsr.")
    boolean noFloat;

    @Option(names = "--hypervisor", description = "Restore the H and VS CSRs (the target must implement H).")
    boolean hypervisor;

    @Option(names = "--descriptor-variant",
        description = "Descriptor the restorer is made for: v1, v2, v3 or v0 (default v1 for one hart, v2 otherwise).")
    String variant;

    @Option(names = "--park-hart", description = "Debug: this hart parks in a wfi loop instead of restoring.")
    Integer parkHart;

    @Option(names = {"-o", "--output"}, required = true, description = "Output file.")
    Path output;

    @Override
    public Integer call() throws IOException {
      Variant v = variant == null ? (harts == 1 ? Variant.V1 : Variant.V2) : parseVariant(variant);
      RestorerSpec s = RestorerSpec.forVariant(v, harts, profile(platform))
          .withVlen(vlen).withFloat(!noFloat).withHypervisor(hypervisor);
      if (noVector) {
        s = s.withVector(false);
      }
      if (payloadPosition != null) {
        s = s.withPayloadPosition(payloadPosition);
      }
      if (parkHart != null) {
        s = s.withParkHart(parkHart);
      }
      Restorer r = RestorerGenerator.generate(s);
      Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
      long written;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        if (payload == null) {
          r.writeTo(out);
          written = r.size();
        } else {
          try (InputStream in = Files.newInputStream(payload)) {
            written = r.writeBootImage(out, in);
          }
        }
      }
      Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      PrintWriter o = spec.commandLine().getOut();
      o.printf("restorer  %s%n", output);
      o.printf("size      %d bytes (0x%x)%n", r.size(), r.size());
      o.printf("sha256    %s%n", r.sha256());
      o.printf("spec      harts %d, platform %s, descriptor %s at 0x%x, payload 0x%x, VLEN %d, F %s, V %s, H %s%s%n",
          s.harts(), s.platform().name(), v, s.descriptorOffset(), s.payloadPosition(), s.vlen(),
          onOff(s.restoreFloat()), onOff(s.restoreVector()), onOff(s.restoreHypervisor()),
          s.parkHart().isPresent() ? ", park hart " + s.parkHart().getAsInt() : "");
      if (payload != null) {
        o.printf("image     %d bytes: restorer, descriptor, payload %s at 0x%x%n", written, payload, s.payloadPosition());
      }
      o.flush();
      return 0;
    }

    private static String onOff(boolean b) {
      return b ? "on" : "off";
    }

    private static Variant parseVariant(String text) {
      try {
        return Variant.valueOf(text.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown descriptor variant '" + text + "'; use v0, v1, v2 or v3");
      }
    }

    private static PlatformProfile profile(String name) throws IOException {
      return PlatformProfile.resolve(name);
    }
  }

  @Command(name = "check", description = "Validate a restorer image (gcpt.bin): JAL at 0, size word, 0xCAFF flag, "
      + "size below the descriptor and state; say what it is (gcpt-generated, LibCheckpointAlpha, LibCheckpoint) "
      + "and for which images it works. Only the first size-word bytes are the restorer.")
  static final class Check implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "Restorer file.")
    Path file;

    @Override
    public Integer call() throws IOException {
      long length = Files.size(file);
      if (length > MAX_RESTORER_FILE) {
        throw new IllegalArgumentException(file + ": " + length + " bytes is larger than any restorer image ("
            + MAX_RESTORER_FILE + " bytes at most)");
      }
      try {
        ExternalRestorer.Report r = ExternalRestorer.validate(Files.readAllBytes(file), file.toString());
        spec.commandLine().getOut().print(r.describe());
        spec.commandLine().getOut().flush();
        return 0;
      } catch (RestorerException e) {
        spec.commandLine().getErr().println("gcpt: invalid restorer: " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 1;
      }
    }

    /** A restorer plus payload (boot image) is read whole; real ones are far below this. */
    private static final long MAX_RESTORER_FILE = 64L << 20;
  }
}
