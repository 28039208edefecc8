package dev.gcpt.core.read;

/**
 * A restorer found at DRAM offset 0 of a source image: a JAL at 0, a u32 size at 4 and the
 * 0xCAFF flag at {@code flagOffset}: the last non-zero word below size, followed only by zero
 * words (size-8 for gcpt's and LibCheckpoint's, 0x8b0 of 0xc00 for LibCheckpointAlpha's).
 *
 * @param complete whether the completion flag is there (else a loader copied part of a restorer)
 * @param kind what it is, by signature ({@link dev.gcpt.core.restorer.ExternalRestorer.Kind#label()})
 */
public record EmbeddedRestorer(long size, long flagOffset, boolean complete, String sha256, String kind) {}
