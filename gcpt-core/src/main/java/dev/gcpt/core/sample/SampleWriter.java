package dev.gcpt.core.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Writes a {@link SampleSet.Entry}'s file bytes, breaking it as the entry says. */
public final class SampleWriter {
  private SampleWriter() {}

  public static void write(SampleSet.Entry e, OutputStream out) throws IOException {
    switch (e.broken()) {
      case NONE -> e.checkpoint().write(out, e.codec());
      case TRUNCATED -> {
        ByteArrayOutputStream full = new ByteArrayOutputStream();
        e.checkpoint().write(full, e.codec());
        byte[] b = full.toByteArray();
        out.write(Arrays.copyOf(b, b.length * 2 / 3));
      }
      case NOT_A_CHECKPOINT -> {
        byte[] junk = new byte[1 << 20];
        new SplittableRandom(e.point().hashCode()).nextBytes(junk);
        out.write(junk);
      }
    }
  }
}
