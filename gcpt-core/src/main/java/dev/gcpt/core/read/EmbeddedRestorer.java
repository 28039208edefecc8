package dev.gcpt.core.read;

/**
 * A restorer found at DRAM offset 0 of a source image: a JAL at 0, a u32 size at 4 and the
 * 0xCAFF flag at {@code flagOffset} (size-4 for LibCheckpoint, size-8 for gcpt's own).
 *
 * @param complete whether the completion flag is where the size word says
 */
public record EmbeddedRestorer(long size, long flagOffset, boolean complete, String sha256) {}
