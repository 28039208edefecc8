package dev.gcpt.core.set;

import java.io.Serializable;
import java.util.List;

/**
 * A set-level observation: a metadata point without a checkpoint, a weight from a file name, …
 * Found by {@link SetScan}, listed in {@code set.json} ({@link SetManifest#notes()}) as it is.
 *
 * @param kind {@link SetIndex.ProblemKind} in lower case with dashes ({@code missing-checkpoint}),
 *     or {@code flash-not-bundled}, or a note the conversion adds (resume pc outside DRAM)
 * @param weight the metadata's weight of the point, when the metadata has the point (else null)
 */
public record SetNote(String kind, String workload, String point, List<String> paths, String detail, String weight)
    implements Serializable {}
