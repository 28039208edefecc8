package dev.gcpt.core.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gcpt.core.codec.Codec;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.RestorerException;
import dev.gcpt.core.restorer.UpstreamRestorers;
import dev.gcpt.core.sample.SyntheticCheckpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pairing upstream restorers: only their size-word bytes, only with the images they restore. */
class ExternalRestorerPairingTest {
  @TempDir Path dir;

  private static BundleBuilder builder(byte[] restorerFile) {
    return new BundleBuilder(new BundleBuilder.Options(PlatformProfile.named("nemu"),
        BundleBuilder.External.load("gcpt.bin", restorerFile), ImageOptions.of(Codec.ZSTD, 0, 1, 1, false), 128,
        1L << 34));
  }

  private BundleBuilder.Result build(BundleBuilder b, SyntheticCheckpoint s) throws IOException {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    s.write(o, Codec.ZSTD);
    byte[] src = o.toByteArray();
    return b.build(new BundleBuilder.Source("set/w/1/_1_0.5_memory_.zstd", "size=" + src.length),
        () -> new ByteArrayInputStream(src), new BundleBuilder.Target("w/1", "_1_0.5_memory_.zstd",
            new BundleManifest.SimPoint("w", "1", "0.5", null)), new LocalOutputFiles(dir));
  }

  @Test
  void libCheckpointAlphaIsPairedWithV1ImagesByItsSizeWordWithItsGapsNoted() throws IOException {
    byte[] alpha = UpstreamRestorers.libCheckpointAlpha();
    SyntheticCheckpoint s = SyntheticCheckpoint.builder().variant(Variant.V1).modes(1).vectorState(true).build();
    BundleManifest m;
    try (BundleBuilder b = builder(alpha)) {
      m = build(b, s).manifest();
    }
    assertEquals("external", m.restorer().origin());
    assertEquals(0xC00, m.restorer().size(), "the size word, not the file's 1,048,600 bytes");
    assertArrayEquals(Arrays.copyOf(alpha, 0xC00), Files.readAllBytes(dir.resolve(m.restorer().file())));
    assertEquals("LibCheckpointAlpha", m.restorer().parameters().get("kind"));
    assertTrue(m.restorer().notes().stream().anyMatch(n -> n.contains("does not restore vxrm, vxsat")),
        m.restorer().notes().toString());
    // the image carries the restorer's 0xc00 bytes at 0, and its state and descriptor intact
    Path image = dir.resolve("w/1/_1_0.5_memory_.zstd");
    try (InputStream in = Files.newInputStream(image);
        OpenCheckpoint cp = CheckpointReader.open(in, image.toString(), CheckpointReader.Options.DEFAULT)) {
      assertEquals(Variant.V1, cp.variant());
      assertEquals(s.harts().get(0).pc(), cp.harts().get(0).pc());
      assertArrayEquals(s.harts().get(0).vregs(), cp.harts().get(0).vregs());
      assertEquals(0xC00, cp.embeddedRestorer().orElseThrow().size());
      assertTrue(cp.embeddedRestorer().orElseThrow().complete());
      assertEquals(m.restorer().sha256(), cp.embeddedRestorer().orElseThrow().sha256());
    }
  }

  @Test
  void libCheckpointAlphaIsRefusedForImagesItCannotRestore() throws IOException {
    try (BundleBuilder b = builder(UpstreamRestorers.libCheckpointAlpha())) {
      CheckpointException v2 = assertThrows(CheckpointException.class,
          () -> build(b, SyntheticCheckpoint.builder().variant(Variant.V2).harts(2).build()));
      assertEquals(CheckpointException.Reason.BAD_RESTORER, v2.reason());
      assertTrue(v2.getMessage().contains("(LibCheckpointAlpha, 3072 bytes) cannot restore V2 images with 2 hart(s);"
          + " it works for V1 images only"), v2.getMessage());
      CheckpointException machine = assertThrows(CheckpointException.class,
          () -> build(b, SyntheticCheckpoint.builder().variant(Variant.V1).modes(3).build()));
      assertTrue(machine.getMessage().contains("BAD TRAP code 1 on a hart saved in M-mode"), machine.getMessage());
    }
  }

  @Test
  void libCheckpointInProtobufModeIsRefusedWhenLoaded() {
    RestorerException e = assertThrows(RestorerException.class,
        () -> BundleBuilder.External.load("lc.bin", UpstreamRestorers.libCheckpoint(true)));
    assertTrue(e.getMessage().contains("it restores none of gcpt's images"), e.getMessage());
  }
}
