package dev.gcpt.core.set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SetFilesTest {

  @Test
  void writesCheckpointsJsonWithStringsSortedKeysAndFixedLayout() throws IOException {
    SetMetadata meta = SetMetadataTest.json(SetMetadataTest.ALL_JSON);
    String expected = """
        {
          "astar_biglakes": {
            "insts": "122060000000",
            "points": {
              "7": "0.983216",
              "31": "0.016784"
            }
          },
          "gcc_166": {
            "insts": "56203486212",
            "points": {
              "9": "0.5",
              "31": "0.0708853",
              "120": "0.4291147"
            }
          }
        }
        """;
    assertEquals(expected, new String(SetFiles.checkpointsJson(meta), StandardCharsets.UTF_8));
  }

  @Test
  void jsonRoundTripsAndIsIndependentOfInputOrder() throws IOException {
    SetMetadata meta = SetMetadataTest.json(SetMetadataTest.ALL_JSON);
    byte[] once = SetFiles.checkpointsJson(meta);
    SetMetadata back = SetMetadata.readJson("again.json", new ByteArrayInputStream(once));
    assertEquals(meta.workloads(), back.workloads());
    List<SetMetadata.Workload> reversed = new ArrayList<>(meta.workloads().values());
    Collections.reverse(reversed);
    assertArrayEquals(once, SetFiles.checkpointsJson(SetMetadata.of("other", reversed)));
  }

  @Test
  void leavesOutInstsWhenUnknownAndEscapesNames() throws IOException {
    SetMetadata.Workload w = SetMetadata.readSimpoints("we\"ird", "s", new StringReader("3 0\n"), "w",
        new StringReader("1 0\n"));
    String json = new String(SetFiles.checkpointsJson(SetMetadata.of("x", List.of(w))), StandardCharsets.UTF_8);
    assertEquals("{\n  \"we\\\"ird\": {\n    \"points\": {\n      \"3\": \"1\"\n    }\n  }\n}\n", json);
    assertEquals("{}\n", new String(SetFiles.checkpointsJson(SetMetadata.of("x", List.of())), StandardCharsets.UTF_8));
  }

  @Test
  void writesCheckpointListSorted() throws IOException {
    SetMetadata meta = SetMetadataTest.json(SetMetadataTest.ALL_JSON);
    assertEquals("""
        astar_biglakes_7 astar_biglakes/7 0 0 20 20
        astar_biglakes_31 astar_biglakes/31 0 0 20 20
        gcc_166_9 gcc_166/9 0 0 20 20
        gcc_166_31 gcc_166/31 0 0 20 20
        gcc_166_120 gcc_166/120 0 0 20 20
        """, new String(SetFiles.checkpointList(meta), StandardCharsets.UTF_8));
  }
}
