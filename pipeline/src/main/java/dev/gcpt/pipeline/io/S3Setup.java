package dev.gcpt.pipeline.io;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * S3 access from command-line friendly values (endpoint, region, path-style, credentials), turned
 * into Beam options ({@link GcptS3Options}) and Beam's {@code FileSystems} registration for
 * {@code s3://}.
 *
 * <ul>
 *   <li>endpoint: absent for AWS; {@code http(s)://host:port} for an S3-compatible server
 *       (no user info in it);</li>
 *   <li>region: defaults to {@value #DEFAULT_REGION} when an endpoint is given, otherwise to
 *       the AWS SDK's region chain;</li>
 *   <li>path-style: defaults to on when an endpoint is given, off for AWS;</li>
 *   <li>credentials: the AWS SDK's default chain ({@code AWS_ACCESS_KEY_ID} /
 *       {@code AWS_SECRET_ACCESS_KEY}, profiles, instance roles), or an explicit key pair. An
 *       explicit pair travels inside the serialized pipeline options to the workers (Beam has no
 *       other way); prefer the default chain on shared clusters.</li>
 * </ul>
 * The client factory is always {@link CompatS3ClientBuilderFactory}. Neither {@link #toString()}
 * nor the log line of {@link #configureFileSystems()} contains the secret key.
 */
public final class S3Setup {
  /** Region used with a custom endpoint when none is given (S3-compatible servers ignore it). */
  public static final String DEFAULT_REGION = "us-east-1";
  /** How many leading characters of the access key id descriptions show. */
  private static final int SHOWN_KEY_CHARS = 4;

  private static final Logger LOG = LoggerFactory.getLogger(S3Setup.class);

  private final URI endpoint;
  private final String region;
  private final boolean pathStyle;
  private final String accessKey;
  private final String secretKey;

  private S3Setup(URI endpoint, String region, boolean pathStyle, String accessKey, String secretKey) {
    this.endpoint = endpoint;
    this.region = region;
    this.pathStyle = pathStyle;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A local S3 server ({@code EmbeddedS3} of {@code gcpt demo}, {@code bin/s3-server} and the
   * tests): this endpoint, {@value #DEFAULT_REGION}, path-style, these credentials.
   */
  public static S3Setup server(URI endpoint, String accessKey, String secretKey) {
    return builder().endpoint(endpoint).region(DEFAULT_REGION).pathStyle(true).credentials(accessKey, secretKey)
        .build();
  }

  /** The AWS defaults: no endpoint, the SDK's region and credential chains, virtual-host style. */
  public static S3Setup aws() {
    return builder().build();
  }

  public Optional<URI> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  /** The region, or empty for the AWS SDK's region chain. */
  public Optional<String> region() {
    return Optional.ofNullable(region);
  }

  public boolean pathStyle() {
    return pathStyle;
  }

  /** Whether an explicit key pair is used (else the AWS SDK's default credential chain). */
  public boolean hasExplicitCredentials() {
    return accessKey != null;
  }

  /** New pipeline options carrying this setup. */
  public GcptS3Options toOptions() {
    return applyTo(PipelineOptionsFactory.create()).as(GcptS3Options.class);
  }

  /** Sets this setup on {@code options} (any options: they are viewed as {@link GcptS3Options}). */
  public <T extends PipelineOptions> T applyTo(T options) {
    GcptS3Options s3 = options.as(GcptS3Options.class);
    if (endpoint != null) {
      s3.setEndpoint(endpoint);
    }
    if (region != null) {
      s3.setAwsRegion(Region.of(region));
    }
    if (accessKey != null) {
      s3.setAwsCredentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
    }
    s3.setS3PathStyle(pathStyle);
    s3.setS3ClientFactoryClass(CompatS3ClientBuilderFactory.class);
    return options;
  }

  /**
   * Registers Beam's file systems ({@code s3://} included) with this setup for this JVM (Beam's
   * {@code FileSystems} is process-wide) and returns the options used. Runners do the same on
   * their workers from the pipeline's options.
   */
  public GcptS3Options configureFileSystems() {
    GcptS3Options options = toOptions();
    FileSystems.setDefaultPipelineOptions(options);
    LOG.info("s3:// configured: {}", describe());
    return options;
  }

  /** A one-line description for logs and messages; never contains the secret key. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("endpoint ").append(endpoint == null ? "AWS" : endpoint.toString());
    b.append(", region ").append(region == null ? "from the AWS SDK chain" : region);
    b.append(pathStyle ? ", path-style" : ", virtual-host style");
    if (accessKey == null) {
      b.append(", credentials from the AWS SDK default chain");
    } else {
      String shown = accessKey.length() <= SHOWN_KEY_CHARS ? "" : accessKey.substring(0, SHOWN_KEY_CHARS);
      b.append(", explicit credentials (access key ").append(shown).append("..., secret hidden)");
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return "S3Setup[" + describe() + "]";
  }

  /** Collects the command-line values; blank strings count as absent. */
  public static final class Builder {
    private URI endpoint;
    private String region;
    private Boolean pathStyle;
    private String accessKey;
    private String secretKey;

    private Builder() {}

    /** {@code http(s)://host[:port]} of an S3-compatible server; null or blank for AWS. */
    public Builder endpoint(String uri) {
      return endpoint(blank(uri) ? null : URI.create(uri.strip()));
    }

    public Builder endpoint(URI uri) {
      this.endpoint = uri;
      return this;
    }

    public Builder region(String region) {
      this.region = blank(region) ? null : region.strip();
      return this;
    }

    /** Path-style addressing; null for the default (on with an endpoint, off for AWS). */
    public Builder pathStyle(Boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    /** An explicit key pair; both null (or blank) for the AWS SDK's default chain. */
    public Builder credentials(String accessKey, String secretKey) {
      this.accessKey = blank(accessKey) ? null : accessKey;
      this.secretKey = blank(secretKey) ? null : secretKey;
      return this;
    }

    /**
     * @throws IllegalArgumentException for an endpoint that is not an absolute http(s) URI with a
     *     host, carries user info, a path, query or fragment, or for only one half of a key pair
     */
    public S3Setup build() {
      if (endpoint != null) {
        if (endpoint.toString().indexOf('@') >= 0) {
          throw new IllegalArgumentException("S3 endpoint must not carry credentials (it contains '@'; not shown);"
              + " give them separately");
        }
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if ((!scheme.equals("http") && !scheme.equals("https")) || endpoint.getHost() == null) {
          throw new IllegalArgumentException("S3 endpoint must be http://host[:port] or https://host[:port]: " + endpoint);
        }
        boolean hasPath = endpoint.getRawPath() != null && !endpoint.getRawPath().isEmpty()
            && !endpoint.getRawPath().equals("/");
        if (hasPath || endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
          throw new IllegalArgumentException("S3 endpoint must have no path, query or fragment: " + endpoint);
        }
      }
      if ((accessKey == null) != (secretKey == null)) {
        throw new IllegalArgumentException(accessKey == null
            ? "an S3 secret key was given without its access key"
            : "an S3 access key was given without its secret key");
      }
      String resolvedRegion = region != null ? region : endpoint != null ? DEFAULT_REGION : null;
      boolean resolvedPathStyle = pathStyle != null ? pathStyle : endpoint != null;
      return new S3Setup(endpoint, resolvedRegion, resolvedPathStyle, accessKey, secretKey);
    }

    private static boolean blank(String s) {
      return s == null || s.isBlank();
    }
  }
}
