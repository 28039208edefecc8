package dev.gcpt.pipeline;

import java.io.Serializable;

/**
 * One checkpoint to turn into a bundle: where it is, where its bundle goes, its SimPoint facts.
 *
 * @param uri full URI (or local path) of the source
 * @param relativePath path below the set root (what manifests record for local sets)
 * @param weightSource "metadata", "file-name" or "none"
 */
public record CheckpointTask(String uri, String relativePath, String workload, String point, String weight,
    String weightSource, String insts, String bundleDir, String imageFileName, String fingerprint)
    implements Serializable {}
