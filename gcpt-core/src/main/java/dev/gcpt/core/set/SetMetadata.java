package dev.gcpt.core.set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The SimPoint metadata of a set: per workload, the total instruction count (when known) and the
 * weight of every point. The weights are the source of truth for a set; the point is the join key
 * with the checkpoint directories (see {@link SetIndex}).
 *
 * <p>Read from the JSON files ({@code json/checkpoints_all.json}, {@code json/checkpoints_cov0.3.json},
 * older {@code cluster-0-0.json}), all of the shape
 * <pre>{"&lt;workload&gt;": {"insts": "&lt;total insts&gt;", "points": {"&lt;point&gt;": "&lt;weight&gt;"}}}</pre>
 * or from SimPoint's own {@code cluster/<workload>/simpoints0} and {@code weights0}.
 *
 * @param source where this came from (file names), for messages
 * @param workloads by workload name, sorted
 */
public record SetMetadata(String source, SortedMap<String, Workload> workloads) {

  /** JSON field holding a workload's total instruction count. */
  public static final String INSTS_FIELD = "insts";
  /** JSON field holding a workload's points and their weights. */
  public static final String POINTS_FIELD = "points";

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  /**
   * One workload's metadata.
   *
   * @param name the workload ({@code gcc_166})
   * @param insts its total instruction count as written (absent when read from simpoints0)
   * @param points weight per point, in {@link PointOrder#NUMERIC} order
   */
  public record Workload(String name, Optional<String> insts, SortedMap<String, Weight> points) {
    public Workload {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(insts, "insts");
      TreeMap<String, Weight> copy = new TreeMap<>(PointOrder.NUMERIC);
      copy.putAll(points);
      points = Collections.unmodifiableSortedMap(copy);
    }

    /** The exact sum of this workload's weights. */
    public BigDecimal totalWeight() {
      return points.values().stream().map(Weight::value).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
  }

  public SetMetadata {
    Objects.requireNonNull(source, "source");
    workloads = Collections.unmodifiableSortedMap(new TreeMap<>(workloads));
  }

  /**
   * Combines workloads read separately (for example one {@code simpoints0}/{@code weights0} pair
   * per workload).
   *
   * @throws IllegalArgumentException if a workload appears twice
   */
  public static SetMetadata of(String source, Collection<Workload> workloads) {
    TreeMap<String, Workload> byName = new TreeMap<>();
    for (Workload w : workloads) {
      if (byName.putIfAbsent(w.name(), w) != null) {
        throw new IllegalArgumentException(source + ": workload '" + w.name() + "' given twice");
      }
    }
    return new SetMetadata(source, byName);
  }

  /** The weight of {@code point} of {@code workload}, if the metadata has it. */
  public Optional<Weight> weight(String workload, String point) {
    Workload w = workloads.get(workload);
    return w == null ? Optional.empty() : Optional.ofNullable(w.points().get(point));
  }

  // ---------------------------------------------------------------------------------------- JSON

  /**
   * Reads a {@code checkpoints_all.json} / {@code checkpoints_cov0.3.json} / {@code cluster-0-0.json}.
   * Every workload needs {@code insts} and {@code points}; other fields of a workload are ignored.
   * Values should be strings; JSON numbers are accepted and kept with their text as written.
   *
   * @param file the file's name or URI, used in every error
   * @throws MetadataFormatException for malformed JSON, a duplicate key, a missing field, a point
   *     that is not a decimal integer, an {@code insts} that is not one, or a weight that is not a
   *     decimal in [0, 1]; it names the file, line, column, field and value
   */
  public static SetMetadata readJson(String file, InputStream in) throws IOException {
    try (JsonParser p = JSON.createParser(in)) {
      TreeMap<String, Workload> workloads = new TreeMap<>();
      expect(file, p, p.nextToken(), JsonToken.START_OBJECT, "$",
          "expected a JSON object {\"<workload>\": {\"insts\": ..., \"points\": {...}}}");
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String workload = p.currentName();
        checkName(file, p, workload);
        workloads.put(workload, readWorkload(file, p, workload));
      }
      expect(file, p, t, JsonToken.END_OBJECT, "$", "expected the end of the top-level object");
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw error(file, p, "$", p.getText(), "unexpected content after the top-level object");
      }
      return new SetMetadata(file, workloads);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "at an unknown place" : "line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new MetadataFormatException(file, where, null, "malformed JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Workload readWorkload(String file, JsonParser p, String workload) throws IOException {
    expect(file, p, p.nextToken(), JsonToken.START_OBJECT, workload,
        "expected an object {\"insts\": ..., \"points\": {...}}");
    String insts = null;
    SortedMap<String, Weight> points = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      String path = workload + "." + field;
      JsonToken value = p.nextToken();
      switch (field) {
        case INSTS_FIELD -> {
          insts = scalarText(file, p, value, path);
          if (!PointOrder.isDigits(insts)) {
            throw error(file, p, path, insts, "instruction count is not a decimal integer");
          }
        }
        case POINTS_FIELD -> points = readPoints(file, p, value, path);
        default -> p.skipChildren();
      }
    }
    if (insts == null) {
      throw error(file, p, workload, null, "missing field \"" + INSTS_FIELD + "\"");
    }
    if (points == null) {
      throw error(file, p, workload, null, "missing field \"" + POINTS_FIELD + "\"");
    }
    return new Workload(workload, Optional.of(insts), points);
  }

  private static SortedMap<String, Weight> readPoints(String file, JsonParser p, JsonToken first, String path)
      throws IOException {
    expect(file, p, first, JsonToken.START_OBJECT, path, "expected an object {\"<point>\": \"<weight>\"}");
    SortedMap<String, Weight> points = new TreeMap<>(PointOrder.NUMERIC);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String point = p.currentName();
      String pointPath = path + "." + point;
      if (!PointOrder.isDigits(point)) {
        throw error(file, p, pointPath, point, "point is not a decimal integer");
      }
      String text = scalarText(file, p, p.nextToken(), pointPath);
      points.put(point, weight(file, p, pointPath, text));
    }
    return points;
  }

  private static String scalarText(String file, JsonParser p, JsonToken t, String path) throws IOException {
    if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      return p.getText();
    }
    throw error(file, p, path, t == null ? null : p.getText(), "expected a string, found " + describe(t));
  }

  private static Weight weight(String file, JsonParser p, String path, String text)
      throws MetadataFormatException {
    try {
      return Weight.parse(text);
    } catch (IllegalArgumentException e) {
      throw error(file, p, path, text, "weight is not a decimal in [0, 1]: " + e.getMessage());
    }
  }

  private static void checkName(String file, JsonParser p, String workload) throws MetadataFormatException {
    boolean bad = workload.isEmpty() || workload.equals(".") || workload.equals("..")
        || workload.indexOf('/') >= 0 || workload.indexOf('\\') >= 0
        || workload.chars().anyMatch(c -> c < 0x20 || c == 0x7F);
    if (bad) {
      throw error(file, p, "$", workload, "not a usable workload name");
    }
  }

  private static void expect(String file, JsonParser p, JsonToken actual, JsonToken expected, String path,
      String reason) throws IOException {
    if (actual != expected) {
      throw error(file, p, path, actual == null ? null : p.getText(), reason + ", found " + describe(actual));
    }
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "the end of the input";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
    };
  }

  private static MetadataFormatException error(String file, JsonParser p, String path, String value, String reason) {
    JsonLocation at = p.currentTokenLocation();
    return new MetadataFormatException(file,
        "line " + at.getLineNr() + ", column " + at.getColumnNr() + ", field " + path, value, reason);
  }

  // ---------------------------------------------------------------------- simpoints0 / weights0

  /**
   * Joins SimPoint's {@code simpoints0} (lines {@code <interval> <cluster>}) and {@code weights0}
   * (lines {@code <weight> <cluster>}) by cluster id. The point key is the interval in canonical
   * decimal (as NEMU names the directory); the weight text is kept as SimPoint wrote it. Blank
   * lines are skipped.
   *
   * @throws MetadataFormatException for a line without exactly two fields, a number that does not
   *     parse, a cluster id given twice in one file or present in only one of them, or an interval
   *     chosen by two clusters; it names the file, the line and the value
   */
  public static Workload readSimpoints(String workload, String simpointsFile, Reader simpoints,
      String weightsFile, Reader weights) throws IOException {
    Map<String, Field> intervals = readClusterFile(simpointsFile, simpoints, "interval");
    Map<String, Field> weightTexts = readClusterFile(weightsFile, weights, "weight");
    TreeMap<String, Weight> points = new TreeMap<>(PointOrder.NUMERIC);
    Map<String, Field> clusterOfPoint = new LinkedHashMap<>();
    for (Map.Entry<String, Field> e : intervals.entrySet()) {
      String cluster = e.getKey();
      Field interval = e.getValue();
      Field w = weightTexts.get(cluster);
      if (w == null) {
        throw new MetadataFormatException(weightsFile, "cluster " + cluster, cluster,
            "no weight for the cluster of interval " + interval.text + " (" + simpointsFile + " line " + interval.line + ")");
      }
      String point = PointOrder.canonical(interval.text);
      Field previous = clusterOfPoint.put(point, interval);
      if (previous != null) {
        throw new MetadataFormatException(simpointsFile, "line " + interval.line, interval.text,
            "interval already chosen on line " + previous.line);
      }
      Weight weight;
      try {
        weight = Weight.parse(w.text);
      } catch (IllegalArgumentException ex) {
        throw new MetadataFormatException(weightsFile, "line " + w.line, w.text,
            "weight is not a decimal in [0, 1]: " + ex.getMessage());
      }
      points.put(point, weight);
    }
    for (Map.Entry<String, Field> e : weightTexts.entrySet()) {
      if (!intervals.containsKey(e.getKey())) {
        throw new MetadataFormatException(simpointsFile, "cluster " + e.getKey(), e.getKey(),
            "no interval for the cluster weighted on " + weightsFile + " line " + e.getValue().line);
      }
    }
    return new Workload(workload, Optional.empty(), points);
  }

  /** A value read from a line of simpoints0 / weights0. */
  private record Field(String text, long line) {}

  /** Reads {@code <value> <cluster>} lines into value by cluster id, in file order. */
  private static Map<String, Field> readClusterFile(String file, Reader in, String valueName) throws IOException {
    Map<String, Field> byCluster = new LinkedHashMap<>();
    BufferedReader r = new BufferedReader(in);
    String line;
    long lineNo = 0;
    while ((line = r.readLine()) != null) {
      lineNo++;
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      String[] fields = trimmed.split("\\s+");
      if (fields.length != 2) {
        throw new MetadataFormatException(file, "line " + lineNo, line,
            "expected two fields '<" + valueName + "> <cluster>', found " + fields.length);
      }
      String value = fields[0];
      String cluster = fields[1];
      if (!PointOrder.isDigits(cluster)) {
        throw new MetadataFormatException(file, "line " + lineNo, cluster, "cluster id is not a decimal integer");
      }
      if (valueName.equals("interval") && !PointOrder.isDigits(value)) {
        throw new MetadataFormatException(file, "line " + lineNo, value, "interval is not a decimal integer");
      }
      Field previous = byCluster.putIfAbsent(PointOrder.canonical(cluster), new Field(value, lineNo));
      if (previous != null) {
        throw new MetadataFormatException(file, "line " + lineNo, cluster,
            "cluster id already given on line " + previous.line);
      }
    }
    return byCluster;
  }
}
