package dev.gcpt.core.image;

import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * A mostly-zero image generated on the fly (no file, no whole-image buffer): 4 KiB pages, one in
 * {@code randomEvery} filled with random bytes chosen from the page number, the rest zero. Two
 * instances with the same parameters produce the same bytes.
 */
public final class SyntheticImage extends InputStream {
  static final int PAGE = 4096;

  private final long length;
  private final long randomEvery;
  private final long seed;
  private final byte[] page = new byte[PAGE];
  private long pos;
  private long pageLoaded = -1;

  public SyntheticImage(long length, long randomEvery, long seed) {
    this.length = length;
    this.randomEvery = randomEvery;
    this.seed = seed;
  }

  private boolean isRandomPage(long p) {
    return new SplittableRandom(seed ^ (p * 0x9E3779B97F4A7C15L)).nextLong(randomEvery) == 0;
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (pos >= length) {
      return -1;
    }
    int n = (int) Math.min(len, length - pos);
    int done = 0;
    while (done < n) {
      long p = (pos + done) / PAGE;
      int inPage = (int) ((pos + done) % PAGE);
      int chunk = Math.min(n - done, PAGE - inPage);
      if (isRandomPage(p)) {
        if (pageLoaded != p) {
          SplittableRandom r = new SplittableRandom(seed + p);
          for (int i = 0; i < PAGE; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
              page[i + k] = (byte) (v >>> (8 * k));
            }
          }
          pageLoaded = p;
        }
        System.arraycopy(page, inPage, b, off + done, chunk);
      } else {
        java.util.Arrays.fill(b, off + done, off + done + chunk, (byte) 0);
      }
      done += chunk;
    }
    pos += n;
    return n;
  }
}
