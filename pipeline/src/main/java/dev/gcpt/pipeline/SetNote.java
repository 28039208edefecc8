package dev.gcpt.pipeline;

import java.io.Serializable;
import java.util.List;

/** A set-level observation: a metadata point without a checkpoint, a weight from a file name, … */
public record SetNote(String kind, String workload, String point, List<String> paths, String detail)
    implements Serializable {}
