package dev.gcpt.core.layout;

/** Fixed DRAM offsets shared by the readers, the normalizer and the restorer generator. */
public final class Offsets {
  private Offsets() {}

  /** Guest physical address of DRAM offset 0. */
  public static final long DRAM_BASE = 0x8000_0000L;
  /** The state magic every V0/V1/V2 layout stores: "checkpoint present". */
  public static final long STATE_MAGIC = 0xBEEF;
  /** The protobuf header magic (checkpoint_header.magic_number). */
  public static final long HEADER_MAGIC = 0xDEADBEEFL;
  /** First V2 core block. */
  public static final long V2_FIRST_BLOCK = 0x300000;
  /** Size of a V1/V2/V3 core block ("single_core_size"). */
  public static final long CORE_BLOCK = 0x100000;
  /** Where a V1/V2/V3 workload is linked (the reserved window ends here for V1/V3). */
  public static final long PAYLOAD_DEFAULT = 0x100000;
  /** Where a V0 workload is linked. */
  public static final long V0_PAYLOAD = 0xA0000;
  /** Where the normalized descriptor goes for V1/V2/V3 sources. */
  public static final long DESCRIPTOR_RVGCVH = 0xEC000;
  /** Where the normalized descriptor goes for V0 sources. */
  public static final long DESCRIPTOR_V0 = 0x7F000;
  /** Core 0 base of the compact layout a V0 source's state moves to. */
  public static final long V0_COMPACT_BASE = 0x80000;
  /** Upper bound on harts (LibCheckpoint and this project). */
  public static final int MAX_HARTS = 128;
  /** NEMU's protobuf header version. */
  public static final long VERSION_NEMU = 0x20240205L;
  /** QEMU fork's protobuf header version. */
  public static final long VERSION_QEMU = 0x20240125L;
  /** A window base (DRAM offset of the reserved window, see PlatformProfile) is a multiple of this. */
  public static final long WINDOW_ALIGN = 0x1000;
  /**
   * Upper bound on a window base: readers buffer the bytes below the window (they become part of
   * the image's head frame), so it is kept small.
   */
  public static final long MAX_WINDOW_BASE = 64L << 20;
  /** Restorer completion flag at the end of every gcpt.bin. */
  public static final int RESTORER_FLAG = 0xCAFF;
}
