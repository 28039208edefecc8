package dev.gcpt.core.descriptor;

import java.io.ByteArrayOutputStream;

/**
 * nanopb's "null-terminated" message framing, as NEMU and LibCheckpoint store descriptors: the
 * ordinary protobuf encoding of a message followed by one 0x00 byte. A zero tag never occurs in
 * valid protobuf, so the reader walks the fields until it meets a 0x00 where a tag should be.
 */
public final class NanopbFraming {
  private NanopbFraming() {}

  /** The encoded message with its terminating 0x00. */
  public static byte[] frame(byte[] message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 1);
    out.writeBytes(message);
    out.write(0);
    return out.toByteArray();
  }

  /**
   * Length of the message body starting at {@code start} (terminator excluded): the offset of
   * the 0x00 that ends it, minus {@code start}.
   *
   * @throws DescriptorException if the fields run past {@code limit}, a varint is longer than
   *     10 bytes, or a wire type is not one protobuf defines
   */
  public static int messageLength(byte[] buf, int start, int limit) {
    int p = start;
    while (true) {
      if (p >= limit) {
        throw new DescriptorException("no 0x00 terminator before offset 0x" + Integer.toHexString(limit), start);
      }
      if (buf[p] == 0) {
        return p - start;
      }
      int tagStart = p;
      long[] v = new long[1];
      p = readVarint(buf, p, limit, v);
      int wireType = (int) (v[0] & 7);
      switch (wireType) {
        case 0 -> p = readVarint(buf, p, limit, v);
        case 1 -> p += 8;
        case 2 -> {
          p = readVarint(buf, p, limit, v);
          if (v[0] < 0 || v[0] > limit - p) {
            throw new DescriptorException("length-delimited field runs past the window: length " + v[0], p);
          }
          p += (int) v[0];
        }
        case 5 -> p += 4;
        default -> throw new DescriptorException(
            "invalid protobuf wire type " + wireType + " in tag 0x" + Long.toHexString(v[0]), tagStart);
      }
      if (p > limit) {
        throw new DescriptorException("field runs past the window", tagStart);
      }
    }
  }

  private static int readVarint(byte[] buf, int p, int limit, long[] out) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= limit) {
        throw new DescriptorException("varint runs past the window", p);
      }
      byte b = buf[p++];
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        out[0] = value;
        return p;
      }
    }
    throw new DescriptorException("varint longer than 10 bytes", p);
  }
}
