package dev.gcpt.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gcpt.core.image.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class PassThroughInputStreamTest {
  private static final byte[] DATA = new byte[200_000];

  static {
    for (int i = 0; i < DATA.length; i++) {
      DATA[i] = (byte) (i * 31 + 7);
    }
  }

  /** Records everything it sees. */
  private static final class Recorder extends PassThroughInputStream {
    final ByteArrayOutputStream seen = new ByteArrayOutputStream();

    Recorder(byte[] data) {
      super(new ByteArrayInputStream(data));
    }

    @Override
    protected void seen(byte[] b, int off, int len) {
      assertEquals(seen.size(), count(), "count excludes the bytes being seen");
      seen.write(b, off, len);
    }
  }

  @Test
  void everyWayOfReadingIsSeenInOrderAndCounted() throws IOException {
    Recorder r = new Recorder(DATA);
    assertEquals(DATA[0] & 0xFF, r.read());
    byte[] buf = new byte[1000];
    assertEquals(1000, r.read(buf, 0, 1000));
    assertEquals(100_000, r.skip(100_000));
    r.drain();
    assertEquals(-1, r.read());
    assertEquals(0, r.skip(5));
    assertEquals(DATA.length, r.count());
    assertArrayEquals(DATA, r.seen.toByteArray());
  }

  @Test
  void digestingHashesWhatIsRead() throws IOException {
    MessageDigest d = Sha256.newDigest();
    PassThroughInputStream in = PassThroughInputStream.digesting(new ByteArrayInputStream(DATA), d);
    assertEquals(10, in.skip(10));
    in.drain();
    assertEquals(DATA.length, in.count());
    assertArrayEquals(Sha256.newDigest().digest(DATA), d.digest());
  }

  @Test
  void noMarkOrReset() {
    Recorder r = new Recorder(DATA);
    assertFalse(r.markSupported());
    r.mark(10);
    assertThrows(IOException.class, r::reset);
  }
}
