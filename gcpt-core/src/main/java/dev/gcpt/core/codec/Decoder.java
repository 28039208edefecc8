package dev.gcpt.core.codec;

import java.io.IOException;

/** Decodes one codec from a {@link CompressedInput}; {@link DecodedStream} adds names and limits. */
interface Decoder {
  /**
   * Reads up to {@code len > 0} decompressed bytes; returns how many (more than 0) or -1 at the
   * clean end of the input.
   *
   * @throws MalformedStreamException the input is truncated or corrupt
   * @throws IOException reading the input failed
   */
  int read(byte[] b, int off, int len) throws IOException;

  /** Compressed bytes consumed by the decoder so far. */
  long compressedPosition();

  void close() throws IOException;
}
