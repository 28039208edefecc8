package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** A job that touches no s3:// URI must not make the AWS SDK look for a region (an EC2 metadata probe). */
class RegionLookupTest {
  private static GcptOptions options(String input, String output) {
    GcptOptions o = PipelineOptionsFactory.create().as(GcptOptions.class);
    o.setInput(input);
    o.setOutput(output);
    return o;
  }

  @Test
  void aLocalJobGetsAFixedRegion() {
    GcptOptions o = options("/data/set", "/data/out");
    GcptPipeline.skipRegionLookupWhenLocal(o);
    assertTrue(o.toString().contains("awsRegion"), o.toString());
    assertEquals(Region.US_EAST_1, o.as(AwsOptions.class).getAwsRegion());
  }

  @Test
  void aJobOnS3KeepsTheSdkChain() {
    for (GcptOptions o : new GcptOptions[] {options("s3://b/set", "/data/out"), options("/data/set", "S3://b/out")}) {
      GcptPipeline.skipRegionLookupWhenLocal(o);
      // not set: the value comes from the SDK's chain when asked (not asked here: it may probe)
      assertFalse(o.toString().contains("awsRegion"), o.toString());
    }
  }
}
