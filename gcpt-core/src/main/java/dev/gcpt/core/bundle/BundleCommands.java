package dev.gcpt.core.bundle;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.restorer.PlatformProfile;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ready-to-paste commands of a bundle ({@code bundle.json}'s {@code commands}), one per
 * simulator, as each simulator's own sources read their options (docs/consumers.md). They run from
 * the output root (the directory that holds {@code restorers/}): every path in them is relative to
 * it, and single-quoted for the shell. Simulators are found through the variables their users
 * already set: {@code $NOOP_HOME} (XiangShan), {@code $NEMU_HOME}, {@code $GEM5_HOME}.
 *
 * <p>Every command runs the restorer the image carries at offset 0: none passes a restorer file
 * (the emu's {@code -r}, NEMU's {@code -r}, XS-GEM5's {@code --gcpt-restorer}); XS-GEM5, which
 * insists on a restorer variable, gets it empty. A command the bundle cannot run with (another
 * platform's CLINT, more harts than the simulator has) says so in a trailing shell comment.
 */
public final class BundleCommands {
  /** CLINT of XiangShan, NEMU and XS-GEM5. */
  static final long XIANGSHAN_CLINT = 0x3800_0000L;
  /** CLINT of QEMU's virt machine. */
  static final long QEMU_VIRT_CLINT = 0x0200_0000L;
  /** What env-scripts' runners pass for 20 M-instruction SimPoint intervals (checkpoint-formats.md §2). */
  static final String WARMUP_AND_SAMPLE = "-W 20000000 -I 40000000";
  private static final long GIB = 1L << 30;
  private static final long MIB = 1L << 20;

  private BundleCommands() {}

  /**
   * The commands for the image at {@code image} (relative to the output root).
   *
   * @param harts the bundle's hart count
   * @param vlen VLEN of the saved vector state (QEMU's {@code -cpu vlen=})
   */
  public static Map<String, String> of(PlatformProfile platform, String image, int harts, int vlen, Codec codec,
      boolean singleFrame) {
    String img = quote(image);
    String xiangshan = platform.clintBase() == XIANGSHAN_CLINT && platform.windowBase() == 0 ? ""
        : "   # needs a bundle built with --platform xiangshan, nemu or gem5 (CLINT 0x38000000, window at DRAM start);"
            + " this one is for " + platform.name();
    Map<String, String> c = new LinkedHashMap<>();
    c.put("paths", "run these from the output root (the directory holding restorers/): paths are relative to it");

    // XiangShan emu (difftest args.cpp): -i image, --diff REF_SO or --no-diff, -W/-I as runners
    // pass them; --ram-size because difftest's own default RAM is 256 MiB
    String cores = harts > 1 ? "   # an emu built with NUM_CORES=" + harts + " (and a multi-core NEMU .so for --diff)" : "";
    String emu = "\"$NOOP_HOME/build/emu\" -i " + img + " --ram-size=" + size(platform.dramSize(), "GB", "MB");
    c.put("xiangshan-emu", emu + " --diff \"$NEMU_HOME/build/riscv64-nemu-interpreter-so\" " + WARMUP_AND_SAMPLE
        + (xiangshan.isEmpty() ? cores : xiangshan));
    c.put("xiangshan-emu-no-diff", emu + " --no-diff " + WARMUP_AND_SAMPLE + (xiangshan.isEmpty() ? cores : xiangshan));

    // NEMU (monitor.c): -b batch mode, the image as the positional argument
    c.put("nemu", harts > 1
        ? "# NEMU standalone is single-core (src/isa/riscv64/Kconfig): no command for this " + harts + "-hart bundle"
        : "\"$NEMU_HOME/build/riscv64-nemu-interpreter\" -b " + img + xiangshan);

    // XS-GEM5 (configs/common/XSConfig.py): an empty restorer variable loads no restorer over the
    // image's head; difftest is always on and reads $GCBV_REF_SO ($GCBV_MULTI_CORE_REF_SO)
    c.put("xs-gem5", harts > 1
        ? "GCB_MULTI_CORE_RESTORER= \"$GEM5_HOME/build/RISCV_CHI/gem5.opt\" \"$GEM5_HOME/configs/example/xiangshan.py\""
            + " --ruby --num-cpus=" + harts + " --generic-rv-cpt=" + img + xiangshan
        : "GCB_RESTORER= \"$GEM5_HOME/build/RISCV/gem5.opt\" \"$GEM5_HOME/configs/example/xiangshan.py\""
            + " --generic-rv-cpt=" + img + xiangshan);

    // QEMU virt: the raw image at DRAM start, harts reset into it (-bios none) or, where firmware
    // stays resident, started at the window by one loader per hart
    String raw = quote(rawName(image));
    StringBuilder starts = new StringBuilder();
    if (platform.windowBase() != 0) {
      for (int h = 0; h < harts; h++) {
        starts.append(" -device loader,addr=0x").append(Long.toHexString(platform.windowAddress())).append(",cpu-num=")
            .append(h);
      }
    }
    c.put("qemu", (codec == Codec.GZIP ? "gzip" : "zstd") + " -dc " + img + " > " + raw
        + " && qemu-system-riscv64 -machine virt -bios none -nographic -cpu rv64,v=true,vlen=" + vlen
        + ",h=true,sstc=true -m " + size(platform.dramSize(), "G", "M") + " -smp " + harts
        + " -device loader,file=" + quote(rawName(image).replace(",", ",,")) + ",addr=0x80000000,force-raw=on" + starts
        + (platform.clintBase() == QEMU_VIRT_CLINT ? ""
            : "   # needs a bundle built with --platform qemu-virt (CLINT 0x2000000); this one is for " + platform.name()));
    if (!singleFrame) {
      c.put("qemu-fork-note", "XiangShan's QEMU fork reads only the first zstd frame; build with --single-frame for it");
    }
    return c;
  }

  /**
   * The commands of a flash checkpoint's bundle that use both images (docs/consumers.md "Flash
   * bundles"): the XiangShan emu resets into its flash ({@code -F}, difftest args.cpp) and runs the
   * flash image's restorer in place; NEMU built with {@code riscv64-xs-cpt-with-flash_defconfig}
   * takes {@code --flash-image} but resets at 0x8000_0000, so it runs the memory image's restorer.
   */
  public static Map<String, String> flash(PlatformProfile platform, String image, String flashImage) {
    String img = quote(image);
    String fl = quote(flashImage);
    String xiangshan = platform.clintBase() == XIANGSHAN_CLINT ? ""
        : "   # needs a bundle built with --platform xiangshan, nemu or gem5 (CLINT 0x38000000); this one is for "
            + platform.name();
    Map<String, String> c = new LinkedHashMap<>();
    String emu = "\"$NOOP_HOME/build/emu\" -i " + img + " -F " + fl + " --ram-size=" + size(platform.dramSize(), "GB", "MB");
    c.put("xiangshan-emu-flash", emu + " --diff \"$NEMU_HOME/build/riscv64-nemu-interpreter-so\" " + WARMUP_AND_SAMPLE
        + xiangshan);
    c.put("xiangshan-emu-flash-no-diff", emu + " --no-diff " + WARMUP_AND_SAMPLE + xiangshan);
    c.put("nemu-flash", "\"$NEMU_HOME/build/riscv64-nemu-interpreter\" -b " + img + " --flash-image " + fl
        + "   # a NEMU built with riscv64-xs-cpt-with-flash_defconfig" + (xiangshan.isEmpty() ? "" : ";" + xiangshan.substring(4)));
    return c;
  }

  /** {@code s} single-quoted for a POSIX shell. */
  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** The decompressed image's name beside the image: the codec suffix replaced by {@code .raw}. */
  static String rawName(String image) {
    int slash = image.lastIndexOf('/');
    int dot = image.lastIndexOf('.');
    return (dot > slash + 1 ? image.substring(0, dot) : image) + ".raw";
  }

  private static String size(long bytes, String gib, String mib) {
    return bytes % GIB == 0 ? bytes / GIB + gib : (bytes + MIB - 1) / MIB + mib;
  }
}
