package dev.gcpt.pipeline.io;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Beam's S3 options plus what S3-compatible servers need. Registered for command-line parsing by
 * {@link GcptS3OptionsRegistrar} (which also registers {@link S3Options}, which Beam's own
 * registrar leaves out), so {@code --s3ClientFactoryClass} and {@code --s3PathStyle} parse with a
 * plain {@code PipelineOptionsFactory.fromArgs}. Build them from CLI values with {@link S3Setup}.
 */
public interface GcptS3Options extends S3Options {
  @Description("Address buckets path-style (http://host/bucket/key) instead of virtual-host style"
      + " (http://bucket.host/key); most S3-compatible servers need it. Honoured by"
      + " dev.gcpt.pipeline.io.CompatS3ClientBuilderFactory (--s3ClientFactoryClass).")
  @Default.Boolean(false)
  boolean getS3PathStyle();

  void setS3PathStyle(boolean value);
}
