package dev.gcpt.pipeline;

import java.io.Serializable;
import java.util.List;

/**
 * A set-level observation: a metadata point without a checkpoint, a weight from a file name, …
 *
 * @param weight the metadata's weight of the point, when the metadata has the point (else null)
 */
public record SetNote(String kind, String workload, String point, List<String> paths, String detail, String weight)
    implements Serializable {}
