package dev.gcpt.pipeline.io;

import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.util.InstanceBuilder;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What Beam's S3 listing leaves out: the objects' ETags. Beam's {@code MatchResult.Metadata}
 * carries size and a last-modified time of one-second precision, and no checksum, so an object
 * replaced by one of the same size within the same second would look unchanged. The ETag changes
 * with the content (it is the MD5 of a single-part upload), so it goes into the fingerprint that
 * decides whether a bundle is up to date.
 */
public final class S3Listing {
  private static final String SCHEME = "s3";

  private S3Listing() {}

  /**
   * The ETag of every object under {@code s3://bucket/prefix}, by its {@code s3://} URI, listed
   * with the client the pipeline's options configure (the same endpoint, credentials and
   * client factory as Beam's own S3 file system).
   */
  public static Map<String, String> etags(String s3Prefix, PipelineOptions options) throws IOException {
    URI u = URI.create(s3Prefix);
    if (!SCHEME.equals(u.getScheme()) || u.getHost() == null) {
      throw new IllegalArgumentException("not an s3://bucket/prefix URI: " + s3Prefix);
    }
    String bucket = u.getHost();
    String prefix = s3Prefix.substring((SCHEME + "://" + bucket).length());
    prefix = prefix.startsWith("/") ? prefix.substring(1) : prefix;
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    S3Options s3 = options.as(S3Options.class);
    S3ClientBuilderFactory factory = InstanceBuilder.ofType(S3ClientBuilderFactory.class)
        .fromClass(s3.getS3ClientFactoryClass()).build();
    Map<String, String> out = new HashMap<>();
    String listed = prefix;
    try (S3Client client = factory.createBuilder(s3).build()) {
      for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(listed)).contents()) {
        out.put(SCHEME + "://" + bucket + "/" + o.key(), o.eTag());
      }
    } catch (SdkException e) {
      throw new IOException("listing s3://" + bucket + "/" + listed + " for ETags: " + e.getMessage(), e);
    }
    return out;
  }
}
