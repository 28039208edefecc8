package dev.gcpt.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UrisTest {
  @Test
  void credentialsInAnyUriOfATextAreHidden() {
    assertEquals("s3://***@bucket/set", Uris.redact("s3://AKIA:pw@bucket/set"));
    assertEquals("read s3://***@b/x and https://***@h/y: failed",
        Uris.redact("read s3://k:s3cr3t@b/x and https://token@h/y: failed"));
    assertEquals("s3://bucket/set /data/a@b", Uris.redact("s3://bucket/set /data/a@b"));
    assertEquals("s3://bucket/key@v", Uris.redact("s3://bucket/key@v"), "an @ after the host is not user-info");
  }
}
