package dev.gcpt.pipeline.io;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Replaces the start of an S3 object without moving the rest through this process: a multipart
 * upload onto the same key whose first part is the new head plus the first 5 MiB of the kept
 * bytes (read with one ranged GET: S3 wants every part but the last to hold at least 5 MiB),
 * and whose other parts are {@code UploadPartCopy} of the kept range, copied inside the store.
 * The object changes at once, when the upload completes; a failure aborts the upload and leaves
 * the object as it was. Every read and copy is conditional on the ETag seen first, so an object
 * replaced meanwhile fails the call instead of mixing two versions.
 */
public final class S3HeadReplace {
  /** S3's smallest part (all but the last). */
  static final long MIN_PART = 5L << 20;
  /** Largest part copied at once (S3 allows 5 GiB). */
  static final long MAX_COPY_PART = 4L << 30;

  private S3HeadReplace() {}

  /**
   * Makes {@code s3://bucket/key} = {@code head} ‖ its own bytes {@code [from, end)}.
   *
   * @param expectedLength the object's length now; another length fails the call
   * @return false, doing nothing, when the kept range is too short to be worth a multipart upload
   *     (under two parts): the caller writes the object whole
   */
  public static boolean replace(S3Client client, String uri, byte[] head, long from, long expectedLength)
      throws IOException {
    URI u = URI.create(uri);
    String bucket = u.getHost();
    String key = u.getPath().startsWith("/") ? u.getPath().substring(1) : u.getPath();
    long kept = expectedLength - from;
    if (kept < 2 * MIN_PART) {
      return false;
    }
    String uploadId = null;
    try {
      HeadObjectResponse h = client.headObject(b -> b.bucket(bucket).key(key));
      if (h.contentLength() != expectedLength) {
        throw new IOException(uri + " holds " + h.contentLength() + " bytes, " + expectedLength + " were expected");
      }
      String etag = h.eTag();
      String id = client.createMultipartUpload(b -> b.bucket(bucket).key(key)
          .contentType(h.contentType())).uploadId();
      uploadId = id;
      List<CompletedPart> parts = new ArrayList<>();
      byte[] first = new byte[Math.toIntExact(head.length + MIN_PART)];
      System.arraycopy(head, 0, first, 0, head.length);
      String range = "bytes=" + from + "-" + (from + MIN_PART - 1);
      try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket(bucket).key(key).range(range)
          .ifMatch(etag))) {
        readFully(in, first, head.length, uri);
      }
      String e1 = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1),
          RequestBody.fromBytes(first)).eTag();
      parts.add(CompletedPart.builder().partNumber(1).eTag(e1).build());
      for (long at = from + MIN_PART; at < expectedLength; at += MAX_COPY_PART) {
        long end = Math.min(expectedLength, at + MAX_COPY_PART) - 1;
        int n = parts.size() + 1;
        String copyRange = "bytes=" + at + "-" + end;
        String e = client.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(key).copySourceIfMatch(etag)
            .copySourceRange(copyRange).destinationBucket(bucket).destinationKey(key).uploadId(id).partNumber(n))
            .copyPartResult().eTag();
        parts.add(CompletedPart.builder().partNumber(n).eTag(e).build());
      }
      client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id)
          .multipartUpload(m -> m.parts(parts)));
      uploadId = null;
      return true;
    } catch (SdkException e) {
      throw new IOException("replacing the head of " + uri + ": " + e.getMessage(), e);
    } finally {
      if (uploadId != null) {
        String id = uploadId;
        try {
          client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
        } catch (SdkException ignored) {
          // the failure that matters is already propagating; a lifecycle rule reaps the rest
        }
      }
    }
  }

  private static void readFully(InputStream in, byte[] b, int off, String uri) throws IOException {
    int n = in.readNBytes(b, off, b.length - off);
    if (n != b.length - off) {
      throw new IOException(uri + ": a ranged read returned " + n + " of " + (b.length - off) + " bytes");
    }
  }
}
