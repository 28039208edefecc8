package dev.gcpt.core.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gcpt.core.codec.Codec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A point's {@code _flash_} file goes into the task of its memory image, in every naming convention. */
class SetScanFlashTest {
  static final String METADATA = "{\"mcf\": {\"insts\": \"1000\", \"points\": {\"77\": \"0.31\", \"9\": \"0.69\"}},"
      + " \"blender\": {\"insts\": \"500\", \"points\": {\"26411\": \"1.0\"}}}";

  static SetScan.Result scan(String... paths) {
    TreeMap<String, SetScan.Listed> listing = new TreeMap<>();
    for (String p : paths) {
      listing.put(p, new SetScan.Listed("s3://b/set/" + p, null));
    }
    Map<String, String> files = Map.of("s3://b/set/json/checkpoints_all.json", METADATA);
    return SetScan.scan(listing, Codec.ZSTD,
        uri -> new ByteArrayInputStream(files.get(uri).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void flashFilesJoinTheirMemoryImages() {
    SetScan.Result r = scan("json/checkpoints_all.json",
        // SimPoint, NEMU naming, weight from the metadata
        "take_cpt/mcf/77/_77_0.310000_memory_.zstd", "take_cpt/mcf/77/_77_0.310000_flash_.zstd",
        // a point without a flash file
        "take_cpt/mcf/9/_9_0.690000_memory_.zstd",
        // checkpoint-<p>-<c>-<k> directories
        "spec17/checkpoint-1-0-2/blender/26411/_26411_1.000000_memory_.gz",
        "spec17/checkpoint-1-0-2/blender/26411/_26411_1.000000_flash_.gz",
        // uniform (no weight: a missing-weight note, still one task with its flash)
        "uniform/lbm/2000000/_2000132_memory_.zstd", "uniform/lbm/2000000/_2000132_flash_.zstd",
        // a flash file alone
        "take_cpt/gcc/5/_5_0.100000_flash_.zstd");
    Map<String, SetScan.Task> tasks = new TreeMap<>();
    r.tasks().forEach(t -> tasks.put(t.name().relativePath(), t));
    assertEquals(List.of("spec17/checkpoint-1-0-2/blender/26411/_26411_1.000000_memory_.gz",
        "take_cpt/mcf/77/_77_0.310000_memory_.zstd", "take_cpt/mcf/9/_9_0.690000_memory_.zstd",
        "uniform/lbm/2000000/_2000132_memory_.zstd"), List.copyOf(tasks.keySet()));
    assertEquals("s3://b/set/take_cpt/mcf/77/_77_0.310000_flash_.zstd",
        tasks.get("take_cpt/mcf/77/_77_0.310000_memory_.zstd").flash().uri());
    assertEquals("spec17/checkpoint-1-0-2/blender/26411/_26411_1.000000_flash_.gz",
        tasks.get("spec17/checkpoint-1-0-2/blender/26411/_26411_1.000000_memory_.gz").flash().name().relativePath());
    assertEquals("uniform/lbm/2000000/_2000132_flash_.zstd",
        tasks.get("uniform/lbm/2000000/_2000132_memory_.zstd").flash().name().relativePath());
    assertNull(tasks.get("take_cpt/mcf/9/_9_0.690000_memory_.zstd").flash());
    assertEquals(List.of("flash-without-memory"), r.failures().stream().map(SetScan.Failure::reason).toList());
    assertEquals(List.of(), r.notes().stream().filter(n -> n.kind().equals("flash-not-bundled")).toList(),
        "every flash file went with its memory image");
  }
}
