package dev.gcpt.pipeline.io;

import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * S3 clients for S3-compatible servers: Beam's default client, plus
 * <ul>
 *   <li>path-style addressing when {@link GcptS3Options#getS3PathStyle()} is set (Beam has no
 *       option for it; without it a host-name endpoint such as {@code http://localhost:9000}
 *       fails with {@code UnknownHostException} for {@code bucket.localhost});</li>
 *   <li>no {@code x-amz-server-side-encryption-bucket-key-enabled: false} header: Beam sends it
 *       with every CreateMultipartUpload (each {@code FileSystems.create}), and servers without
 *       SSE support (s3proxy's filesystem store) answer 501. {@code false} is S3's default, so
 *       dropping it changes nothing for AWS; a {@code true} value is kept.</li>
 * </ul>
 * Select it with {@code --s3ClientFactoryClass=dev.gcpt.pipeline.io.CompatS3ClientBuilderFactory}
 * ({@link S3Setup} does).
 */
public final class CompatS3ClientBuilderFactory implements S3ClientBuilderFactory {
  /** The header Beam always sends on CreateMultipartUpload. */
  static final String BUCKET_KEY_HEADER = "x-amz-server-side-encryption-bucket-key-enabled";

  @Override
  public S3ClientBuilder createBuilder(S3Options options) {
    S3ClientBuilder builder = new DefaultS3ClientBuilderFactory().createBuilder(options);
    builder.forcePathStyle(options.as(GcptS3Options.class).getS3PathStyle());
    ClientOverrideConfiguration existing = builder.overrideConfiguration();
    ClientOverrideConfiguration.Builder override =
        existing == null ? ClientOverrideConfiguration.builder() : existing.toBuilder();
    return builder.overrideConfiguration(override.addExecutionInterceptor(new DropDefaultBucketKeyHeader()).build());
  }

  /** Removes {@value #BUCKET_KEY_HEADER} when its value is {@code false}. */
  static final class DropDefaultBucketKeyHeader implements ExecutionInterceptor {
    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
      return withoutDefaultBucketKeyHeader(context.httpRequest());
    }

    static SdkHttpRequest withoutDefaultBucketKeyHeader(SdkHttpRequest request) {
      boolean isDefault = request.firstMatchingHeader(BUCKET_KEY_HEADER)
          .map(Boolean.FALSE.toString()::equalsIgnoreCase)
          .orElse(false);
      return isDefault ? request.toBuilder().removeHeader(BUCKET_KEY_HEADER).build() : request;
    }
  }
}
