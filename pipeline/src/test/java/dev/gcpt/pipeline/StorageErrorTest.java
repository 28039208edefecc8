package dev.gcpt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gcpt.core.codec.CodecException;
import dev.gcpt.core.read.CheckpointException;
import java.io.FileNotFoundException;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** Which failures are the storage's (retried) and which the checkpoint's (recorded at once). */
class StorageErrorTest {
  static final String NAME = "gcc/1/_1_0.1_memory_.zstd";

  @Test
  void aDroppedConnectionMidStreamIsAReadErrorHoweverTheDecoderWrapsIt() {
    SourceReadException dropped = new SourceReadException("reading " + NAME + " at byte 4096",
        new IOException("Connection reset"));
    CheckpointException asCorrupt = new CheckpointException(CheckpointException.Reason.CORRUPT, NAME + ": corrupt",
        new CodecException(NAME + ": corrupt zstd stream", dropped));
    StorageError e = StorageError.classify(asCorrupt);
    assertEquals(FailureRecord.STAGE_READ + ":io-error", e.stage() + ":" + e.reason());
  }

  @Test
  void aSourceThatIsGoneIsMissingOnS3AndLocally() {
    StorageError s3 = StorageError.classify(new SourceReadException("opening " + NAME,
        NoSuchKeyException.builder().message("404").build()));
    assertEquals(FailureRecord.STAGE_READ + ":source-missing", s3.stage() + ":" + s3.reason());
    StorageError local = StorageError.classify(new SourceReadException("opening " + NAME,
        new FileNotFoundException(NAME)));
    assertEquals(FailureRecord.STAGE_READ + ":source-missing", local.stage() + ":" + local.reason());
  }

  @Test
  void aSourceThatMayNotBeReadSaysSoAndIsNotRetried() {
    // how java.io.FileInputStream (Beam's local file system) says it
    StorageError denied = StorageError.classify(new SourceReadException("opening " + NAME,
        new FileNotFoundException("/data/" + NAME + " (Permission denied)")));
    assertEquals(FailureRecord.STAGE_READ + ":permission-denied", denied.stage() + ":" + denied.reason());
    assertEquals(true, denied.missing(), "not retried");
    assertEquals(NAME + ": the source cannot be read: permission denied (it exists; this process may not read it): "
        + denied.cause(), denied.describe(NAME, 1));
    StorageError nio = StorageError.classify(new SourceReadException("opening " + NAME,
        new java.nio.file.AccessDeniedException("/data/" + NAME)));
    assertEquals("permission-denied", nio.reason());
  }

  @Test
  void outputStoreFailuresAreWriteErrors() {
    StorageError io = StorageError.classify(new IOException("S3 500"));
    assertEquals(FailureRecord.STAGE_WRITE + ":io-error", io.stage() + ":" + io.reason());
    StorageError sdk = StorageError.classify(SdkClientException.create("Unable to execute HTTP request"));
    assertEquals(FailureRecord.STAGE_WRITE + ":io-error", sdk.stage() + ":" + sdk.reason());
  }

  @Test
  void badBytesAndBugsAreNotStorageErrors() {
    assertNull(StorageError.classify(new CheckpointException(CheckpointException.Reason.TRUNCATED, NAME)));
    assertNull(StorageError.classify(new CheckpointException(CheckpointException.Reason.CORRUPT, NAME,
        new CodecException(NAME + ": Restored data doesn't match checksum"))));
    assertNull(StorageError.classify(new IllegalStateException("a bug")));
  }
}
