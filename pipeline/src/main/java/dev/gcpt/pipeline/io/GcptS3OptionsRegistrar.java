package dev.gcpt.pipeline.io;

import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;
import org.apache.beam.sdk.io.aws2.options.S3Options;

/**
 * Makes {@link S3Options} and {@link GcptS3Options} known to {@code PipelineOptionsFactory}
 * (found through {@code META-INF/services}), on the launcher and on every worker.
 */
public final class GcptS3OptionsRegistrar implements PipelineOptionsRegistrar {
  @Override
  public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
    return List.of(S3Options.class, GcptS3Options.class);
  }
}
