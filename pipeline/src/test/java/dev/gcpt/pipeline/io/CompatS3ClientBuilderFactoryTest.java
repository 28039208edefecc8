package dev.gcpt.pipeline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.pipeline.io.CompatS3ClientBuilderFactory.DropDefaultBucketKeyHeader;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.S3Client;

class CompatS3ClientBuilderFactoryTest {
  static SdkHttpRequest request(String bucketKeyValue) {
    SdkHttpRequest.Builder b = SdkHttpRequest.builder()
        .method(SdkHttpMethod.POST).protocol("http").host("127.0.0.1").port(9000)
        .encodedPath("/bucket/key").putRawQueryParameter("uploads", List.of())
        .putHeader("x-amz-server-side-encryption", "AES256");
    if (bucketKeyValue != null) {
      b.putHeader(CompatS3ClientBuilderFactory.BUCKET_KEY_HEADER, bucketKeyValue);
    }
    return b.build();
  }

  @Test
  void dropsOnlyTheDefaultFalseHeader() {
    SdkHttpRequest dropped = DropDefaultBucketKeyHeader.withoutDefaultBucketKeyHeader(request("false"));
    assertEquals(Optional.empty(), dropped.firstMatchingHeader(CompatS3ClientBuilderFactory.BUCKET_KEY_HEADER));
    assertEquals(Optional.of("AES256"), dropped.firstMatchingHeader("x-amz-server-side-encryption"));
    assertEquals("/bucket/key", dropped.encodedPath());

    SdkHttpRequest upper = DropDefaultBucketKeyHeader.withoutDefaultBucketKeyHeader(request("FALSE"));
    assertEquals(Optional.empty(), upper.firstMatchingHeader(CompatS3ClientBuilderFactory.BUCKET_KEY_HEADER));

    SdkHttpRequest enabled = request("true");
    assertSame(enabled, DropDefaultBucketKeyHeader.withoutDefaultBucketKeyHeader(enabled));
    SdkHttpRequest none = request(null);
    assertSame(none, DropDefaultBucketKeyHeader.withoutDefaultBucketKeyHeader(none));
  }

  @Test
  void clientsCarryTheInterceptor() {
    GcptS3Options options = S3SetupTest.explicit().toOptions();
    try (S3Client client = new CompatS3ClientBuilderFactory().createBuilder(options).build()) {
      assertTrue(client.serviceClientConfiguration().overrideConfiguration().executionInterceptors().stream()
          .anyMatch(i -> i instanceof DropDefaultBucketKeyHeader));
    }
  }
}
