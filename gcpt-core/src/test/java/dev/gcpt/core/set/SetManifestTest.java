package dev.gcpt.core.set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code set.json} and {@code run.json}: the bytes, the round trip, what runners score with. */
class SetManifestTest {
  private static final String SHA_A = "aa".repeat(32);
  private static final String SHA_B = "bb".repeat(32);

  static SetManifest sample() {
    Map<String, Object> params = Map.of("platform", "xiangshan", "harts", 1, "float", true);
    List<SetManifest.Bundle> bundles = List.of(
        new SetManifest.Bundle("gcc", "31", "0.25", SetManifest.WEIGHT_FROM_METADATA, "1000", "gcc/31",
            "gcc/31/_31_0.25_.zstd", "V1", 1, SHA_A, 1232, "generated", params, 4 << 20, 12345, null),
        new SetManifest.Bundle("gcc", "9", "0.75", SetManifest.WEIGHT_FROM_METADATA, "1000", "gcc/9",
            "gcc/9/_9_0.75_.zstd", "V3", 2, SHA_B, 1224, "generated", params, 8 << 20, 23456, null),
        new SetManifest.Bundle("loop", "500", null, SetManifest.WEIGHT_NONE, null, "loop/500",
            "loop/500/_512_.zstd", "V1", 1, SHA_A, 1232, "generated", params, 1 << 20, 345, "512"));
    List<SetManifest.Failure> failures = List.of(new SetManifest.Failure("read", "truncated-stream"),
        new SetManifest.Failure(SetManifest.METADATA_STAGE, "bad-metadata"));
    List<SetNote> notes = List.of(new SetNote("missing-checkpoint", "gcc", "120", List.of(),
        "the metadata lists this point but no checkpoint file was found", "0.1"));
    return SetManifest.of("/data/sets/spec06/", 5, bundles, failures, notes);
  }

  @Test
  void writesTheSameBytesAsEver() {
    String expected = """
        {
          "counts" : {
            "bundles" : 3,
            "failures" : 1,
            "inputs" : 5,
            "metadataErrors" : 1,
            "unaccounted" : 1
          },
          "failuresByReason" : {
            "bad-metadata" : 1,
            "truncated-stream" : 1
          },
          "input" : "local:spec06",
          "notes" : [ {
            "kind" : "missing-checkpoint",
            "workload" : "gcc",
            "point" : "120",
            "paths" : [ ],
            "detail" : "the metadata lists this point but no checkpoint file was found",
            "weight" : "0.1"
          } ],
          "restorers" : {
            "%1$s" : {
              "bundles" : 2,
              "file" : "restorers/%1$s.bin",
              "origin" : "generated",
              "parameters" : {
                "float" : true,
                "harts" : 1,
                "platform" : "xiangshan"
              },
              "size" : 1232
            },
            "%2$s" : {
              "bundles" : 1,
              "file" : "restorers/%2$s.bin",
              "origin" : "generated",
              "parameters" : {
                "float" : true,
                "harts" : 1,
                "platform" : "xiangshan"
              },
              "size" : 1224
            }
          },
          "schema" : "gcpt.set/1",
          "workloads" : {
            "gcc" : {
              "insts" : "1000",
              "points" : {
                "31" : {
                  "bundle" : "gcc/31",
                  "harts" : 1,
                  "image" : "gcc/31/_31_0.25_.zstd",
                  "imageBytes" : 12345,
                  "rawBytes" : 4194304,
                  "restorer" : "%1$s",
                  "variant" : "V1",
                  "weight" : "0.25",
                  "weightSource" : "metadata"
                },
                "9" : {
                  "bundle" : "gcc/9",
                  "harts" : 2,
                  "image" : "gcc/9/_9_0.75_.zstd",
                  "imageBytes" : 23456,
                  "rawBytes" : 8388608,
                  "restorer" : "%2$s",
                  "variant" : "V3",
                  "weight" : "0.75",
                  "weightSource" : "metadata"
                }
              }
            },
            "loop" : {
              "points" : {
                "500" : {
                  "bundle" : "loop/500",
                  "harts" : 1,
                  "image" : "loop/500/_512_.zstd",
                  "imageBytes" : 345,
                  "rawBytes" : 1048576,
                  "restorer" : "%1$s",
                  "uniform" : {
                    "actualInsts" : "512",
                    "scheduledInsts" : "500"
                  },
                  "variant" : "V1",
                  "weightSource" : "none"
                }
              }
            }
          }
        }
        """.formatted(SHA_A, SHA_B);
    assertEquals(expected, new String(sample().toJson(), StandardCharsets.UTF_8));
  }

  @Test
  void readsBackToTheSameBytes() throws IOException {
    byte[] once = sample().toJson();
    SetManifest back = SetManifest.read(new ByteArrayInputStream(once));
    assertEquals(sample(), back);
    assertArrayEquals(once, back.toJson());
  }

  @Test
  void skipsFieldsItDoesNotKnow() throws IOException {
    String json = "{\"schema\":\"gcpt.set/1\",\"input\":\"s3://b/set\",\"future\":{\"x\":1},\"workloads\":{\"w\":"
        + "{\"points\":{\"1\":{\"bundle\":\"w/1\",\"later\":true}}}}}";
    SetManifest m = SetManifest.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    assertEquals("s3://b/set", m.input());
    assertEquals(Set.of("w/1"), m.points());
    assertEquals(null, m.workloads().get("w").points().get("1").imageBytes(), "absent stays absent");
  }

  @Test
  void namesTheInputWithoutTheMachinesPath() {
    assertEquals("local:spec06", SetManifest.inputLabel("/data/sets/spec06"));
    assertEquals("local:spec06", SetManifest.inputLabel("spec06/"));
    assertEquals("s3://b/sets/spec06", SetManifest.inputLabel("s3://b/sets/spec06"));
  }

  @Test
  void listsItsPointsAndTheWeightsRunnersScoreWith() {
    SetManifest m = sample();
    assertEquals(Set.of("gcc/31", "gcc/9", "loop/500"), m.points());
    // the set has metadata: a point without a metadata weight is not scored
    assertEquals("{\n  \"gcc\": {\n    \"insts\": \"1000\",\n    \"points\": {\n      \"9\": \"0.75\",\n"
        + "      \"31\": \"0.25\"\n    }\n  }\n}\n",
        new String(SetFiles.checkpointsJson(m.runnerMetadata()), StandardCharsets.UTF_8));
  }

  @Test
  void runSummaryCountsWhatTheRunDid() throws IOException {
    RunSummary r = RunSummary.of(List.of(new RunSummary.Bundle("BUILT", 10, 100, 20, 7),
        new RunSummary.Bundle("UP_TO_DATE", 11, 110, 21, 1), new RunSummary.Bundle("BUILT", 12, 120, 22, 5)), 2);
    String expected = """
        {
          "checkpointMillisTotal" : 13,
          "failures" : 2,
          "imageBytesWritten" : 42,
          "rawBytesProcessed" : 220,
          "sourceBytesRead" : 22,
          "statuses" : {
            "BUILT" : 2,
            "UP_TO_DATE" : 1
          }
        }
        """;
    assertEquals(expected, new String(r.toJson(), StandardCharsets.UTF_8));
    assertEquals(r, RunSummary.read(new ByteArrayInputStream(r.toJson())));
  }
}
