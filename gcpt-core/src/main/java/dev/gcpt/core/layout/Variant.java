package dev.gcpt.core.layout;

/** The checkpoint layouts met in the wild (see shared/spec/checkpoint-formats.md §3). */
public enum Variant {
  /** NEMU 2022 to mid-2024: magic 0xBEEF at 0xF00, no vector or H state. */
  V0("original"),
  /** NEMU since 2024-07, QEMU single core: magic 0xBEEF at 0xECDB0. */
  V1("rvgcvh"),
  /** XiangShan QEMU fork with -smp N: 1 MiB blocks from 0x300000, V1 offsets inside each. */
  V2("qemu-multicore"),
  /** NEMU with LibCheckpoint's protobuf header at offset 0; state 0xA8 above V1. */
  V3("protobuf");

  private final String producerName;

  Variant(String producerName) {
    this.producerName = producerName;
  }

  /** Short descriptive name used in manifests and inspect output. */
  public String producerName() {
    return producerName;
  }
}
