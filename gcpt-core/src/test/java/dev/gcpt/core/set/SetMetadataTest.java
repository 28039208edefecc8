package dev.gcpt.core.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SetMetadataTest {
  static final String ALL_JSON = """
      {
        "gcc_166": {"insts": "56203486212", "points": {"31": "0.0708853", "9": "0.5", "120": "0.4291147"}},
        "astar_biglakes": {
          "insts": "122060000000",
          "points": {"31": "0.016784", "7": 0.983216},
          "comment": ["ignored", {"x": 1}]
        }
      }
      """;

  static SetMetadata json(String text) throws IOException {
    return SetMetadata.readJson("json/checkpoints_all.json",
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void readsJsonKeepingWeightTextAndOrder() throws IOException {
    SetMetadata meta = json(ALL_JSON);
    assertEquals(List.of("astar_biglakes", "gcc_166"), List.copyOf(meta.workloads().keySet()));
    SetMetadata.Workload gcc = meta.workloads().get("gcc_166");
    assertEquals(Optional.of("56203486212"), gcc.insts());
    assertEquals(List.of("9", "31", "120"), List.copyOf(gcc.points().keySet()));
    assertEquals("0.0708853", gcc.points().get("31").text());
    assertEquals(new BigDecimal("1.0000000"), gcc.totalWeight());
    // a JSON number is accepted with its text as written
    assertEquals("0.983216", meta.weight("astar_biglakes", "7").orElseThrow().text());
    assertEquals(Optional.empty(), meta.weight("astar_biglakes", "8"));
    assertEquals(Optional.empty(), meta.weight("mcf", "7"));
  }

  /** JSON text, expected pieces of the message (file, where, value, reason). */
  static Stream<Arguments> badJson() {
    return Stream.of(
        Arguments.of("{\"gcc\": {\"insts\": \"1\", \"points\": {\"1\": \"0.5\"}}",
            List.of("json/checkpoints_all.json", "line 1", "malformed JSON")),
        Arguments.of("", List.of("line 1", "expected a JSON object", "the end of the input")),
        Arguments.of("[]", List.of("line 1, column 1", "field $", "found an array")),
        Arguments.of("{}\n{}", List.of("line 2", "unexpected content after the top-level object")),
        Arguments.of("{\"gcc\": [1]}", List.of("field gcc", "found an array")),
        Arguments.of("{\"gcc\": {\"insts\": \"1\",\n \"points\": {\"31\": \"abc\"}}}",
            List.of("line 2", "field gcc.points.31", "(value 'abc')", "not a decimal")),
        Arguments.of("{\"gcc\": {\"insts\": \"1\", \"points\": {\"31\": \"-0.1\"}}}",
            List.of("field gcc.points.31", "(value '-0.1')")),
        Arguments.of("{\"gcc\": {\"insts\": \"1\", \"points\": {\"31\": \"1.5\"}}}",
            List.of("field gcc.points.31", "(value '1.5')", "weight above 1")),
        Arguments.of("{\"gcc\": {\"insts\": \"1\", \"points\": {\"31\": \"NaN\"}}}",
            List.of("field gcc.points.31", "(value 'NaN')")),
        Arguments.of("{\"gcc\": {\"insts\": \"1\", \"points\": {\"31\": null}}}",
            List.of("field gcc.points.31", "expected a string, found null")),
        Arguments.of("{\"gcc\": {\"insts\": \"1\", \"points\": {\"3x\": \"0.5\"}}}",
            List.of("field gcc.points.3x", "(value '3x')", "point is not a decimal integer")),
        Arguments.of("{\"gcc\": {\"insts\": \"12a\", \"points\": {}}}",
            List.of("field gcc.insts", "(value '12a')", "not a decimal integer")),
        Arguments.of("{\"gcc\": {\"points\": {\"1\": \"0.5\"}}}", List.of("field gcc", "missing field \"insts\"")),
        Arguments.of("{\"gcc\": {\"insts\": \"1\"}}", List.of("field gcc", "missing field \"points\"")),
        Arguments.of("{\"gcc\": {\"insts\": \"1\", \"points\": {\"1\": \"0.5\", \"1\": \"0.4\"}}}",
            List.of("malformed JSON", "Duplicate field '1'")),
        Arguments.of("{\"../x\": {\"insts\": \"1\", \"points\": {}}}", List.of("(value '../x')", "workload name")));
  }

  @ParameterizedTest
  @MethodSource("badJson")
  void rejectsMalformedJsonNamingFilePlaceAndValue(String text, List<String> expected) {
    MetadataFormatException e = assertThrows(MetadataFormatException.class, () -> json(text));
    assertEquals("json/checkpoints_all.json", e.file());
    for (String piece : expected) {
      assertTrue(e.getMessage().contains(piece), () -> "'" + piece + "' not in: " + e.getMessage());
    }
  }

  static SetMetadata.Workload simpoints(String simpoints, String weights) throws IOException {
    return SetMetadata.readSimpoints("gcc_166", "cluster/gcc_166/simpoints0", new StringReader(simpoints),
        "cluster/gcc_166/weights0", new StringReader(weights));
  }

  @Test
  void joinsSimpointsAndWeightsByCluster() throws IOException {
    SetMetadata.Workload w = simpoints("412 2\n031 0\n\n77 1\n", "0.25 1\n0.0708853 2\n0.6791147 0\n");
    assertEquals("gcc_166", w.name());
    assertEquals(Optional.empty(), w.insts());
    assertEquals(List.of("31", "77", "412"), List.copyOf(w.points().keySet()));
    assertEquals("0.6791147", w.points().get("31").text());
    assertEquals("0.25", w.points().get("77").text());
    assertEquals("0.0708853", w.points().get("412").text());
    assertEquals(0, BigDecimal.ONE.compareTo(w.totalWeight()));
  }

  /** simpoints0, weights0, expected message pieces. */
  static Stream<Arguments> badSimpoints() {
    return Stream.of(
        Arguments.of("31 0\n77 1 9\n", "0.5 0\n0.5 1\n", List.of("simpoints0: line 2", "expected two fields")),
        Arguments.of("31 0\nx7 1\n", "0.5 0\n0.5 1\n", List.of("simpoints0: line 2", "(value 'x7')", "interval")),
        Arguments.of("31 0\n77 b\n", "0.5 0\n0.5 1\n", List.of("simpoints0: line 2", "(value 'b')", "cluster id")),
        Arguments.of("31 0\n77 1\n", "0.5 0\nzero 1\n", List.of("weights0: line 2", "(value 'zero')", "weight")),
        Arguments.of("31 0\n77 1\n", "0.5 0\n", List.of("weights0: cluster 1", "no weight", "interval 77")),
        Arguments.of("31 0\n", "0.5 0\n0.5 1\n", List.of("simpoints0: cluster 1", "no interval", "weights0 line 2")),
        Arguments.of("31 0\n77 0\n", "0.5 0\n", List.of("simpoints0: line 2", "(value '0')", "already given on line 1")),
        Arguments.of("31 0\n31 1\n", "0.5 0\n0.5 1\n", List.of("simpoints0: line 2", "(value '31')",
            "interval already chosen on line 1")));
  }

  @ParameterizedTest
  @MethodSource("badSimpoints")
  void rejectsBadSimpointsNamingFileLineAndValue(String sp, String w, List<String> expected) {
    MetadataFormatException e = assertThrows(MetadataFormatException.class, () -> simpoints(sp, w));
    for (String piece : expected) {
      assertTrue(e.getMessage().contains(piece), () -> "'" + piece + "' not in: " + e.getMessage());
    }
  }

  @Test
  void combinesWorkloadsAndRefusesDuplicates() throws IOException {
    SetMetadata.Workload a = simpoints("31 0\n", "1 0\n");
    SetMetadata meta = SetMetadata.of("cluster", List.of(a));
    assertEquals("1", meta.weight("gcc_166", "31").orElseThrow().text());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SetMetadata.of("cluster", List.of(a, a)));
    assertTrue(e.getMessage().contains("'gcc_166' given twice"), e.getMessage());
  }

  @Test
  void weightsAgreeToTheCoarserPrecision() {
    assertTrue(Weight.parse("0.070885").agreesWith(Weight.parse("0.0708853")));
    assertTrue(Weight.parse("0.0708853").agreesWith(Weight.parse("0.070885")));
    assertTrue(Weight.parse("0.000010").agreesWith(Weight.parse("1e-05")));
    assertTrue(!Weight.parse("0.070887").agreesWith(Weight.parse("0.0708853")));
    assertTrue(!Weight.parse("0.5").agreesWith(Weight.parse("0.0708853")));
  }
}
