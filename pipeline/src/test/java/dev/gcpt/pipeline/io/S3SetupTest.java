package dev.gcpt.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.regions.Region;

class S3SetupTest {
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET";
  static final String ACCESS = "AKIAEXAMPLE123";

  static S3Setup explicit() {
    return S3Setup.builder().endpoint("http://localhost:9000").credentials(ACCESS, SECRET).build();
  }

  @Test
  void endpointSetupDefaultsToPathStyleAndUsEast1() {
    S3Setup s = explicit();
    GcptS3Options o = s.toOptions();
    assertEquals(URI.create("http://localhost:9000"), o.getEndpoint());
    assertEquals(Region.US_EAST_1, o.getAwsRegion());
    assertTrue(o.getS3PathStyle());
    assertEquals(CompatS3ClientBuilderFactory.class, o.getS3ClientFactoryClass());
    AwsCredentials c = o.getAwsCredentialsProvider().resolveCredentials();
    assertEquals(ACCESS, c.accessKeyId());
    assertEquals(SECRET, c.secretAccessKey());
  }

  @Test
  void awsSetupKeepsTheSdkChains() {
    S3Setup s = S3Setup.builder().endpoint(" ").region("").credentials("", null).build();
    assertEquals(Optional.empty(), s.endpoint());
    assertEquals(Optional.empty(), s.region());
    assertFalse(s.pathStyle());
    assertFalse(s.hasExplicitCredentials());
    GcptS3Options o = s.toOptions();
    assertNull(o.getEndpoint());
    assertFalse(o.getS3PathStyle());
    assertEquals(CompatS3ClientBuilderFactory.class, o.getS3ClientFactoryClass());
    assertEquals("endpoint AWS, region from the AWS SDK chain, virtual-host style, credentials from the AWS SDK"
        + " default chain", s.describe());
  }

  @Test
  void explicitValuesWin() {
    S3Setup s = S3Setup.builder().endpoint("https://minio.example:9443").region("eu-west-3").pathStyle(false).build();
    GcptS3Options o = s.toOptions();
    assertEquals(Region.EU_WEST_3, o.getAwsRegion());
    assertFalse(o.getS3PathStyle());
  }

  @Test
  void neverShowsTheSecret() {
    S3Setup s = explicit();
    GcptS3Options o = s.toOptions();
    for (String shown : new String[] {s.toString(), s.describe(), o.toString(),
        o.getAwsCredentialsProvider().toString(), String.valueOf(o.getAwsCredentialsProvider().resolveCredentials())}) {
      assertFalse(shown.contains(SECRET), shown);
      assertFalse(shown.contains("SECRET"), shown);
    }
    assertEquals("endpoint http://localhost:9000, region us-east-1, path-style, explicit credentials"
        + " (access key AKIA..., secret hidden)", s.describe());
  }

  @Test
  void rejectsBadValues() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> S3Setup.builder().credentials(ACCESS, null).build()).getMessage().contains("without its secret key"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> S3Setup.builder().credentials(null, SECRET).build()).getMessage().contains("without its access key"));
    assertThrows(IllegalArgumentException.class, () -> S3Setup.builder().endpoint("localhost:9000").build());
    assertThrows(IllegalArgumentException.class, () -> S3Setup.builder().endpoint("ftp://host").build());
    assertThrows(IllegalArgumentException.class, () -> S3Setup.builder().endpoint("http://host/bucket").build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> S3Setup.builder().endpoint("http://AKIA:" + SECRET + "@host:9000").build());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
  }

  @Test
  void optionsParseFromTheCommandLineWithoutExplicitRegistration() {
    GcptS3Options o = PipelineOptionsFactory.fromArgs(
        "--s3PathStyle=true",
        "--s3ClientFactoryClass=dev.gcpt.pipeline.io.CompatS3ClientBuilderFactory",
        "--endpoint=http://127.0.0.1:9000",
        "--awsRegion=us-east-1").as(GcptS3Options.class);
    assertTrue(o.getS3PathStyle());
    assertEquals(CompatS3ClientBuilderFactory.class, o.getS3ClientFactoryClass());
    assertEquals(URI.create("http://127.0.0.1:9000"), o.getEndpoint());
  }
}
