package dev.gcpt.core.restorer;

import java.io.IOException;
import java.io.InputStream;

/** Reading a restorer file a user names (--restorer): never more than a restorer can be. */
public final class RestorerFiles {
  /**
   * The most bytes a restorer file may hold. The restorer itself ends below the state window
   * (0xECDB0); a file may carry more (LibCheckpoint's gcpt.bin is 1,048,584 bytes, a default
   * payload behind the restorer), but nothing near this.
   */
  public static final int MAX_FILE_BYTES = 4 << 20;

  private RestorerFiles() {}

  /**
   * Reads {@code in} to its end, at most {@link #MAX_FILE_BYTES}.
   *
   * @throws RestorerException the file holds more (a wrong file, {@code /dev/zero}, a checkpoint)
   */
  public static byte[] read(InputStream in, String name) throws IOException {
    byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    if (bytes.length > MAX_FILE_BYTES) {
      throw new RestorerException(name, MAX_FILE_BYTES, "the file goes on past " + (MAX_FILE_BYTES >> 20)
          + " MiB: not a restorer (a gcpt.bin ends below the state window at 0xECDB0)");
    }
    return bytes;
  }
}
