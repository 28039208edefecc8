package dev.gcpt.core.read;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.descriptor.Descriptor;
import dev.gcpt.core.layout.StateLayout;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.state.HartState;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * A checkpoint whose reserved window has been read and understood, with the rest of the image
 * still to be streamed. Only the window is held in memory (1 MiB for V0/V1/V3, 3 MiB plus 1 MiB
 * per hart for V2); the body is read from {@link #rest()} exactly once.
 */
public final class OpenCheckpoint implements Closeable {
  private final String name;
  private final DecodedStream decoded;
  private final Variant variant;
  private final byte[] buffered;
  private final int bufferedLength;
  private final int windowLength;
  private final StateLayout layout;
  private final long[] coreBases;
  private final List<HartState> harts;
  private final Descriptor sourceDescriptor;
  private final EmbeddedRestorer embeddedRestorer;
  private final List<String> notes;
  private final long normalizedAt;
  private final byte[] prefix;
  private boolean restTaken;

  OpenCheckpoint(String name, DecodedStream decoded, Variant variant, byte[] buffered, int bufferedLength,
      int windowLength, StateLayout layout, long[] coreBases, List<HartState> harts,
      Descriptor sourceDescriptor, EmbeddedRestorer embeddedRestorer, List<String> notes, long normalizedAt,
      byte[] prefix) {
    this.normalizedAt = normalizedAt;
    this.prefix = prefix;
    this.name = name;
    this.decoded = decoded;
    this.variant = variant;
    this.buffered = buffered;
    this.bufferedLength = bufferedLength;
    this.windowLength = windowLength;
    this.layout = layout;
    this.coreBases = coreBases;
    this.harts = List.copyOf(harts);
    this.sourceDescriptor = sourceDescriptor;
    this.embeddedRestorer = embeddedRestorer;
    this.notes = List.copyOf(notes);
  }

  public String name() { return name; }
  public Codec codec() { return decoded.codec(); }
  public Variant variant() { return variant; }
  public List<HartState> harts() { return harts; }
  /** The layout each hart's state uses, relative to its core base. */
  public StateLayout layout() { return layout; }
  /** DRAM offset of hart i's core base in the source image. */
  public long coreBase(int hart) { return coreBases[hart]; }
  /**
   * DRAM offset of the descriptor when this image was normalized by gcpt (0xEC000 or 0x7F000);
   * empty for a producer's image.
   */
  public java.util.OptionalLong normalizedDescriptorOffset() {
    return normalizedAt >= 0 ? java.util.OptionalLong.of(normalizedAt) : java.util.OptionalLong.empty();
  }

  /**
   * The protobuf descriptor: the one a V3 source carries at offset 0, or the one of a normalized
   * image.
   */
  public Optional<Descriptor> sourceDescriptor() { return Optional.ofNullable(sourceDescriptor); }
  public Optional<EmbeddedRestorer> embeddedRestorer() { return Optional.ofNullable(embeddedRestorer); }
  /** Observations that are not errors (e.g. "csr_reserve is 0", "V3 cpu_num 2 but 1 core"). */
  public List<String> notes() { return notes; }

  /** Length of the reserved window: the head of the image that holds restorer and state. */
  public int windowLength() { return windowLength; }

  /**
   * DRAM offset W of the reserved window (CheckpointReader.Options#windowBase). Every other
   * offset this class reports is relative to it; 0 for every producer's image.
   */
  public long windowBase() { return prefix.length; }

  /** A copy of the image's bytes below the window base, [0, W) (empty for W = 0). */
  public byte[] prefix() { return prefix.clone(); }

  /**
   * A copy of the reserved window [W, W + windowLength), zero-padded where the image is shorter
   * (index 0 is the window base).
   */
  public byte[] window() {
    byte[] w = new byte[windowLength];
    System.arraycopy(buffered, 0, w, 0, Math.min(windowLength, bufferedLength));
    return w;
  }

  /** Read-only view of the window. */
  public ByteBuffer windowView() {
    return ByteBuffer.wrap(buffered, 0, Math.min(windowLength, bufferedLength)).asReadOnlyBuffer();
  }

  /** Whether the image ended inside the window (the window is then zero-padded). */
  public boolean endsInsideWindow() {
    return bufferedLength < windowLength;
  }

  /**
   * The image bytes after the window (from W + windowLength on), streamed; may be taken once. Read errors (truncation,
   * corruption, the source going away) surface as {@link CheckpointException}s.
   */
  public InputStream rest() {
    if (restTaken) {
      throw new IllegalStateException("rest() already taken for " + name);
    }
    restTaken = true;
    int from = Math.min(windowLength, bufferedLength);
    ByteArrayInputStream head = new ByteArrayInputStream(buffered, from, bufferedLength - from);
    // not a SequenceInputStream: that closes the decoder (and so the source) at its end, before
    // a caller has read what follows the last frame
    return new dev.gcpt.core.io.BulkInputStream() {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        int n = head.read(b, off, len);
        if (n > 0) {
          return n;
        }
        try {
          return decoded.read(b, off, len);
        } catch (IOException e) {
          throw CheckpointReader.asCheckpointException(name, e);
        }
      }

      @Override
      public void close() throws IOException {
        decoded.close();
      }
    };
  }

  /**
   * Streams the rest of the image to {@code sink} (or discards it when null) and returns the
   * total decompressed length of the image. Truncation anywhere fails here.
   */
  public long drain(OutputStream sink) throws IOException {
    try (InputStream in = rest()) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        if (sink != null) {
          sink.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      throw CheckpointReader.asCheckpointException(name, e);
    }
    return decoded.position();
  }

  /** Decompressed bytes read so far. */
  public long position() {
    return decoded.position();
  }

  /** Compressed bytes read so far. */
  public long compressedPosition() {
    return decoded.compressedPosition();
  }

  @Override
  public void close() throws IOException {
    decoded.close();
  }
}
