package dev.gcpt.pipeline.io;

import java.util.Map;
import dev.gcpt.s3server.EmbeddedS3;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An s3proxy store that misbehaves on purpose, for fault tests behind {@link EmbeddedS3#start}:
 * <ul>
 *   <li>{@link #presentAs}: listings show an object under another key, one that S3 allows but
 *       s3proxy's stores and HTTP paths cannot hold ({@code a/../b}, {@code a//b}, U+FFFD), as
 *       a real bucket could list it;</li>
 *   <li>{@link #vanishOnRead}: the object is deleted when it is first read (HEAD or GET), i.e.
 *       between the pipeline's listing and its read.</li>
 * </ul>
 */
public final class FaultyBlobStore extends ForwardingBlobStore {
  private final Map<String, String> presented = new ConcurrentHashMap<>();
  private final Set<String> vanishing = ConcurrentHashMap.newKeySet();
  private final AtomicInteger reads = new AtomicInteger();

  public FaultyBlobStore(BlobStore delegate) {
    super(delegate);
  }

  /** Lists the object stored under {@code realKey} as {@code shownKey}. */
  public FaultyBlobStore presentAs(String realKey, String shownKey) {
    presented.put(realKey, shownKey);
    return this;
  }

  /** Deletes {@code key} on its first HEAD or GET, before answering (which then finds nothing). */
  public FaultyBlobStore vanishOnRead(String key) {
    vanishing.add(key);
    return this;
  }

  /** HEAD and GET requests answered so far. */
  public int reads() {
    return reads.get();
  }

  @Override
  public ListObjectsV2Response list(ListObjectsV2Request request) {
    ListObjectsV2Response r = super.list(request);
    if (presented.isEmpty()) {
      return r;
    }
    return r.toBuilder().contents(r.contents().stream()
        .map(o -> presented.containsKey(o.key()) ? o.toBuilder().key(presented.get(o.key())).build() : o)
        .toArray(S3Object[]::new)).build();
  }

  @Override
  public HeadObjectResponse blobMetadata(HeadObjectRequest request) {
    reads.incrementAndGet();
    vanish(request.bucket(), request.key());
    return super.blobMetadata(request);
  }

  @Override
  public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
    reads.incrementAndGet();
    vanish(request.bucket(), request.key());
    return super.getBlob(request);
  }

  private void vanish(String bucket, String key) {
    if (vanishing.remove(key)) {
      delegate().removeBlob(bucket, key);
    }
  }
}
