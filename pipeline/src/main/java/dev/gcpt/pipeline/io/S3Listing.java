package dev.gcpt.pipeline.io;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.util.InstanceBuilder;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Lists an S3 prefix with one paginated ListObjectsV2 call and nothing else. Beam's S3 glob match
 * is not used for sets because it sends a HEAD request for every object it lists (to learn its
 * content encoding): thousands of extra requests, and an object deleted between the listing and
 * its HEAD, or a key the server cannot address (with {@code ..} or {@code //}), fails the whole
 * match. It also drops the ETag, which changes with an object's content: size plus a
 * last-modified time of one-second precision cannot tell an object replaced within the same
 * second by one of the same size.
 */
public final class S3Listing {
  private static final String SCHEME = "s3";

  private S3Listing() {}

  /** One listed object: its {@code s3://} URI, size, last-modified time and ETag. */
  public record Listed(String uri, long size, long lastModifiedMillis, String etag) {}

  /**
   * A client configured as the pipeline's options say (the same endpoint, credentials and client
   * factory as Beam's own S3 file system). Close it.
   */
  public static S3Client newClient(PipelineOptions options) {
    S3Options s3 = options.as(S3Options.class);
    S3ClientBuilderFactory factory = InstanceBuilder.ofType(S3ClientBuilderFactory.class)
        .fromClass(s3.getS3ClientFactoryClass()).build();
    return factory.createBuilder(s3).build();
  }

  /**
   * Every object under {@code s3://bucket/prefix}, listed with the client the pipeline's options
   * configure (the same endpoint, credentials and client factory as Beam's own S3 file system).
   */
  public static List<Listed> list(String s3Prefix, PipelineOptions options) throws IOException {
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
    List<Listed> out = new ArrayList<>();
    String listed = prefix;
    try (S3Client client = newClient(options)) {
      for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(listed)).contents()) {
        out.add(new Listed(SCHEME + "://" + bucket + "/" + o.key(), o.size(),
            o.lastModified() == null ? 0 : o.lastModified().toEpochMilli(), o.eTag()));
      }
    } catch (SdkException e) {
      throw new IOException("listing s3://" + bucket + "/" + listed + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Reads whole objects with one client, one GET each (Beam's channel adds a HEAD per open): for
   * many small objects read in a row, e.g. the manifests of a set. Thread-safe; close it.
   */
  public static final class Getter implements AutoCloseable {
    private final S3Client client;

    public Getter(PipelineOptions options) {
      this.client = newClient(options);
    }

    public java.io.InputStream get(String s3Uri) throws IOException {
      URI u = URI.create(s3Uri);
      if (!SCHEME.equals(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException("not an s3://bucket/key URI: " + s3Uri);
      }
      String bucket = u.getHost();
      String key = s3Uri.substring((SCHEME + "://" + bucket + "/").length());
      try {
        return client.getObject(b -> b.bucket(bucket).key(key));
      } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
        throw new java.io.FileNotFoundException("no such object: " + s3Uri);
      } catch (SdkException e) {
        throw new IOException("GET " + s3Uri + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /** One object's size, last-modified time and ETag (a HEAD request), as a listing gives them. */
  public static Listed head(String s3Uri, PipelineOptions options) throws IOException {
    URI u = URI.create(s3Uri);
    if (!SCHEME.equals(u.getScheme()) || u.getHost() == null) {
      throw new IllegalArgumentException("not an s3://bucket/key URI: " + s3Uri);
    }
    String bucket = u.getHost();
    String key = s3Uri.substring((SCHEME + "://" + bucket + "/").length());
    try (S3Client client = newClient(options)) {
      var h = client.headObject(b -> b.bucket(bucket).key(key));
      return new Listed(s3Uri, h.contentLength(), h.lastModified() == null ? 0 : h.lastModified().toEpochMilli(),
          h.eTag());
    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
      throw new java.io.FileNotFoundException("no such object: " + s3Uri);
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        throw new java.io.FileNotFoundException("no such object: " + s3Uri);
      }
      throw new IOException("HEAD " + s3Uri + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new IOException("HEAD " + s3Uri + ": " + e.getMessage(), e);
    }
  }
}
