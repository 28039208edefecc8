package dev.gcpt.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The image digests' pages and their fold (docs/image-format.md "Digests"). */
class PagedDigestTest {
  private static final int PAGE = PageCheck.PAGE;

  /** Zero pages, random pages, sparse pages and a short last page. */
  static byte[] mixed() {
    byte[] data = new byte[37 * PAGE + 1234];
    Random r = new Random(5);
    for (int p = 0; p < 38; p++) {
      int off = p * PAGE;
      int len = Math.min(PAGE, data.length - off);
      switch (p % 4) {
        case 0 -> { } // zeros
        case 1 -> { byte[] b = new byte[len]; r.nextBytes(b); System.arraycopy(b, 0, data, off, len); }
        case 2 -> data[off + r.nextInt(len)] = (byte) (1 + r.nextInt(255));
        default -> { for (int i = 0; i < len; i += 8) data[off + i] = (byte) i; }
      }
    }
    return data;
  }

  @Test
  void aPageIsCheckedByItsCrc32cThenItsCrc32() {
    byte[] check = new byte[8];
    byte[] nine = "123456789".getBytes(StandardCharsets.US_ASCII);
    PageCheck.CRC64.checker().check(nine, 0, nine.length, check, 0);
    assertEquals("e3069283cbf43926", HexFormat.of().formatHex(check)); // the two CRCs' check values
    byte[] zeros = new byte[PAGE];
    PageCheck.CRC64.checker().check(zeros, 0, PAGE, check, 0);
    assertArrayEquals(PagedCrcReference.checks(zeros), check, "the zero page's constant");
  }

  @Test
  void theDigestIsSha256OfThePagesChecksWhateverTheSlicing() {
    byte[] data = mixed();
    String want = PagedCrcReference.hex(data);
    assertEquals(want, PagedDigest.hex(PageCheck.CRC64, data));
    for (int slice : new int[] {1, 7, 4095, PAGE, PAGE + 1, 10_000, 128 << 10}) {
      PagedDigest d = new PagedDigest(PageCheck.CRC64);
      for (int off = 0; off < data.length; off += slice) {
        d.update(data, off, Math.min(slice, data.length - off));
      }
      assertEquals(want, Sha256.hex(d), "slices of " + slice);
      d.update(data); // the digest resets after digest()
      assertEquals(want, Sha256.hex(d), "again, slices of " + slice);
    }
    assertEquals(ImageDigest.PAGE_CRC64.hex(data), want);
    PagedDigest checks = new PagedDigest(PageCheck.CRC64);
    checks.addChecks(PageCheck.CRC64.checker().checks(data, 0, 20 * PAGE));
    checks.update(data, 20 * PAGE, data.length - 20 * PAGE);
    assertEquals(want, Sha256.hex(checks), "checks computed elsewhere, then bytes");
  }

  @Test
  void nothingGivesTheSha256OfNothing() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        PagedDigest.hex(PageCheck.CRC64, new byte[0]));
  }

  @Test
  void checksOnlyBetweenPages() {
    PagedDigest d = new PagedDigest(PageCheck.CRC64);
    d.update(new byte[10]);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.addChecks(new byte[8]));
    assertEquals("page checks added inside a page (10 bytes into it)", e.getMessage());
  }

  @Test
  void theLegacyBodyDigestIsSha256OverEachPagesSha256() {
    byte[] data = mixed();
    assertEquals(ImageWriterTest.chunkedSha256(data), PagedDigest.hex(PageCheck.SHA256, data));
    assertEquals(ImageWriterTest.chunkedSha256(data), Sha256.hex(digest(ImageDigest.SHA256.newBodyDigest(), data)));
    assertEquals(ImageWriterTest.sha256(data), ImageDigest.SHA256.hex(data), "head and file digests: plain SHA-256");
  }

  @Test
  void everyBitFlipPageSwapAndTruncationChangesTheDigest() {
    byte[] data = mixed();
    String want = PagedCrcReference.hex(data);
    Set<String> seen = new HashSet<>();
    Random r = new Random(9);
    for (int i = 0; i < 2000; i++) {
      byte[] c = data.clone();
      int bit = r.nextInt(c.length * 8);
      c[bit / 8] ^= (byte) (1 << (bit % 8));
      String got = PagedDigest.hex(PageCheck.CRC64, c);
      assertNotEquals(want, got, "bit " + bit);
      seen.add(got);
    }
    assertTrue(seen.size() > 1990, "distinct digests: " + seen.size());
    byte[] swapped = data.clone();
    System.arraycopy(data, PAGE, swapped, 3 * PAGE, PAGE);
    System.arraycopy(data, 3 * PAGE, swapped, PAGE, PAGE);
    assertNotEquals(want, PagedDigest.hex(PageCheck.CRC64, swapped), "pages 1 and 3 swapped");
    byte[] shorter = java.util.Arrays.copyOf(data, data.length - 1);
    assertNotEquals(want, PagedDigest.hex(PageCheck.CRC64, shorter), "one byte less");
    byte[] longer = java.util.Arrays.copyOf(data, 40 * PAGE);
    assertNotEquals(PagedDigest.hex(PageCheck.CRC64, java.util.Arrays.copyOf(data, 39 * PAGE)),
        PagedDigest.hex(PageCheck.CRC64, longer), "one zero page more");
  }

  @Test
  void algorithmsAreNamedInTheManifest() {
    assertEquals(ImageDigest.PAGE_CRC64, ImageDigest.CURRENT);
    assertEquals(ImageDigest.PAGE_CRC64, ImageDigest.fromId("pagecrc64"));
    assertEquals(ImageDigest.SHA256, ImageDigest.fromId("sha256"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageDigest.fromId("xxh3"));
    assertEquals("unknown image digest 'xxh3' (this gcpt knows sha256, pagecrc64)", e.getMessage());
  }

  private static PagedDigest digest(PagedDigest d, byte[] data) {
    d.update(data);
    return d;
  }
}
