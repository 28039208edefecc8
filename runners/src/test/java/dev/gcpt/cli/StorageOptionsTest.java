package dev.gcpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.pipeline.io.GcptS3Options;
import dev.gcpt.pipeline.io.S3Setup;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The --s3-* options as the pipeline receives them. */
class StorageOptionsTest {
  @CommandLine.Command(name = "t")
  static final class Holder {
    @CommandLine.Mixin StorageOptions storage;
  }

  static S3Setup parse(String... args) {
    Holder h = new Holder();
    new CommandLine(h).parseArgs(args);
    return h.storage.s3Setup();
  }

  @Test
  void theRegionCountsWithoutAnEndpoint() {
    S3Setup aws = parse("--s3-region", "eu-west-3");
    assertEquals(Optional.empty(), aws.endpoint());
    assertEquals(Optional.of("eu-west-3"), aws.region());
    assertFalse(aws.pathStyle());
    assertEquals("eu-west-3", aws.toOptions().getAwsRegion().id());
  }

  @Test
  void withoutARegionAwsUsesTheSdkChainAndAnEndpointUsEast1() {
    assertEquals(Optional.empty(), parse().region(), "AWS_REGION / the profile decide");
    assertEquals(Optional.of("us-east-1"), parse("--s3-endpoint", "http://127.0.0.1:9000").region());
    assertEquals(Optional.of("ap-south-1"),
        parse("--s3-endpoint", "http://127.0.0.1:9000", "--s3-region", "ap-south-1").region());
  }

  @Test
  void credentialsGoWithTheJobOnlyWhenAsked() {
    String id = System.getProperty("aws.accessKeyId");
    String secret = System.getProperty("aws.secretAccessKey");
    System.setProperty("aws.accessKeyId", "AKIDFROMPROPS");
    System.setProperty("aws.secretAccessKey", "s3cr3t-from-props");
    try {
      assertFalse(parse("--s3-endpoint", "http://127.0.0.1:9000").hasExplicitCredentials());
      S3Setup sent = parse("--s3-endpoint", "http://127.0.0.1:9000", "--s3-credentials-to-workers");
      assertTrue(sent.hasExplicitCredentials());
      assertFalse(sent.describe().contains("s3cr3t-from-props"), sent.describe());
      GcptS3Options o = sent.toOptions();
      AwsCredentials c = ((StaticCredentialsProvider) o.getAwsCredentialsProvider()).resolveCredentials();
      assertEquals("AKIDFROMPROPS", c.accessKeyId());
      assertEquals("s3cr3t-from-props", c.secretAccessKey());
    } finally {
      restore("aws.accessKeyId", id);
      restore("aws.secretAccessKey", secret);
    }
  }

  @Test
  void credentialsToWorkersWithoutCredentialsIsOneLine() {
    String id = System.getProperty("aws.accessKeyId");
    System.setProperty("aws.accessKeyId", ""); // the property provider first, and it has no key
    try {
      org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null,
          "AWS_ACCESS_KEY_ID is set in this environment");
      org.junit.jupiter.api.Assumptions.assumeTrue(!java.nio.file.Files.exists(
          java.nio.file.Path.of(System.getProperty("user.home"), ".aws")), "an AWS profile exists here");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> parse("--s3-endpoint", "http://127.0.0.1:9000", "--s3-credentials-to-workers"));
      assertTrue(e.getMessage().startsWith("--s3-credentials-to-workers: no S3 credentials: export AWS_ACCESS_KEY_ID"),
          e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    } finally {
      restore("aws.accessKeyId", id);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }
}
