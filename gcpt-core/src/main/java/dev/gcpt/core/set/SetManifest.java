package dev.gcpt.core.set;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.bundle.BundleManifest;
import dev.gcpt.core.io.Uris;
import dev.gcpt.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code set.json}, the set's index: its one typed home. Built from a run's bundles, failures and
 * notes ({@link #of}), written ({@link #toJson}), read back ({@link #read}) and pointed at new
 * restorers by {@code gcpt regenerate} ({@link #regenerated}).
 *
 * <p>Deterministic: the same set gives the same bytes. Every object's fields are in alphabetical
 * order (the order {@link Json}'s sorted maps gave the file before it had a type), maps are
 * sorted by key, absent values are left out.
 *
 * @param counts {@code inputs} is what was found (checkpoints handed to conversion plus those
 *     refused while matching), counted independently of the outcomes; {@code bundles + failures}
 *     equals it unless an input was lost, which {@code unaccounted} then shows
 * @param workloads by workload, then by point
 * @param restorers by SHA-256: the restorer files the bundles use
 * @param failuresByReason rejected inputs and metadata errors, by reason code
 */
@JsonPropertyOrder(alphabetic = true)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SetManifest(String schema, String input, Counts counts, Map<String, Workload> workloads,
    Map<String, Restorer> restorers, Map<String, Long> failuresByReason, List<SetNote> notes) {
  /** The file's name under the set's output root. */
  public static final String FILE = "set.json";
  public static final String SCHEMA = "gcpt.set/1";
  /** {@code weightSource} of a weight the set's SimPoint metadata gave. */
  public static final String WEIGHT_FROM_METADATA = "metadata";
  /** {@code weightSource} of a weight taken from the checkpoint's file name. */
  public static final String WEIGHT_FROM_FILE_NAME = "file-name";
  /** {@code weightSource} when neither the metadata nor the file name has a weight. */
  public static final String WEIGHT_NONE = "none";
  /** Failures of this stage are metadata errors, not rejected inputs (not counted as inputs). */
  public static final String METADATA_STAGE = "metadata";

  public SetManifest {
    workloads = workloads == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(workloads));
    restorers = restorers == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(restorers));
    failuresByReason = failuresByReason == null ? Map.of()
        : Collections.unmodifiableMap(new TreeMap<>(failuresByReason));
    notes = notes == null ? List.of() : List.copyOf(notes);
  }

  /** {@code unaccounted} is left out (null) when every input is a bundle or a failure. */
  @JsonPropertyOrder(alphabetic = true)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Counts(long inputs, long bundles, long failures, long metadataErrors, Long unaccounted) {}

  /**
   * @param insts the workload's instruction count from the metadata, or null
   * @param points by point (the directory's text)
   */
  @JsonPropertyOrder(alphabetic = true)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Workload(String insts, Map<String, Point> points) {
    public Workload {
      points = points == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(points));
    }
  }

  /**
   * One bundle of the set.
   *
   * @param weight the SimPoint weight text, or null when neither the metadata nor the file name has one
   * @param weightSource {@value #WEIGHT_FROM_METADATA}, {@value #WEIGHT_FROM_FILE_NAME} or {@value #WEIGHT_NONE}
   * @param uniform a uniform checkpoint's scheduled and actual instruction counts, else null
   * @param bundle the bundle's directory relative to the set root
   * @param image the image's path relative to the set root
   * @param restorer the SHA-256 of its restorer (a key of {@link SetManifest#restorers()})
   * @param rawBytes decompressed image size
   * @param imageBytes compressed size of the image (absent in sets of older versions)
   * @param flash a flash checkpoint's flash image and its execute-in-place restorer (absent otherwise)
   */
  @JsonPropertyOrder(alphabetic = true)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Point(String weight, String weightSource, Uniform uniform, String bundle, String image,
      String variant, int harts, String restorer, long rawBytes, Long imageBytes, Flash flash) {
    Point withRestorer(String sha256, Long imageBytes, Flash flash) {
      return new Point(weight, weightSource, uniform, bundle, image, variant, harts, sha256, rawBytes, imageBytes,
          flash);
    }
  }

  /** A point's flash image (path relative to the set root) and the SHA-256 of its restorer. */
  @JsonPropertyOrder(alphabetic = true)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Flash(String image, String restorer) {}

  /** A uniform checkpoint: the point is the directory's scheduled count, the file was taken at actualInsts. */
  @JsonPropertyOrder(alphabetic = true)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Uniform(String scheduledInsts, String actualInsts) {}

  /** A restorer file of the set and how many bundles use it. */
  @JsonPropertyOrder(alphabetic = true)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Restorer(String file, long size, String origin, Map<String, Object> parameters, long bundles) {
    Restorer plusOne() {
      return new Restorer(file, size, origin, parameters, bundles + 1);
    }
  }

  /**
   * What {@link #of} needs about one bundle.
   *
   * @param actualInsts a uniform checkpoint's file-name instruction count (its {@code point} is the
   *     directory's scheduled one), else null
   * @param flash a flash checkpoint's flash image, else null
   */
  public record Bundle(String workload, String point, String weight, String weightSource, String insts,
      String bundleDir, String image, String variant, int harts, String restorerSha256, long restorerSize,
      String restorerOrigin, Map<String, Object> restorerParameters, long rawBytes, long imageBytes,
      String actualInsts, Flash flash) {

    /** A bundle without a flash image. */
    public Bundle(String workload, String point, String weight, String weightSource, String insts, String bundleDir,
        String image, String variant, int harts, String restorerSha256, long restorerSize, String restorerOrigin,
        Map<String, Object> restorerParameters, long rawBytes, long imageBytes, String actualInsts) {
      this(workload, point, weight, weightSource, insts, bundleDir, image, variant, harts, restorerSha256,
          restorerSize, restorerOrigin, restorerParameters, rawBytes, imageBytes, actualInsts, null);
    }
  }

  /** What {@link #of} needs about one failure: its stage ({@value #METADATA_STAGE} or not) and reason code. */
  public record Failure(String stage, String reason) {
    boolean isInput() {
      return !METADATA_STAGE.equals(stage);
    }
  }

  /**
   * The index of a set.
   *
   * @param input the set's input root as given to the run (a URI or a local path)
   * @param inputs the inputs found (checkpoints handed to conversion plus those refused while matching)
   * @param bundles every bundle, in the order the file lists them (by workload, point, path)
   * @param failures every failure, rejected inputs and metadata errors
   * @param notes the set's notes, in the order the file lists them
   */
  public static SetManifest of(String input, long inputs, List<Bundle> bundles, List<Failure> failures,
      List<SetNote> notes) {
    long inputFailures = failures.stream().filter(Failure::isInput).count();
    Counts counts = new Counts(inputs, bundles.size(), inputFailures, failures.size() - inputFailures,
        inputs != bundles.size() + inputFailures ? inputs - bundles.size() - inputFailures : null);
    Map<String, String> insts = new TreeMap<>();
    Map<String, Map<String, Point>> points = new TreeMap<>();
    Map<String, Restorer> restorers = new TreeMap<>();
    for (Bundle b : bundles) {
      if (b.insts() != null) {
        insts.put(b.workload(), b.insts());
      }
      points.computeIfAbsent(b.workload(), k -> new TreeMap<>()).put(b.point(), new Point(b.weight(),
          b.weightSource(), b.actualInsts() == null ? null : new Uniform(b.point(), b.actualInsts()), b.bundleDir(),
          b.image(), b.variant(), b.harts(), b.restorerSha256(), b.rawBytes(), b.imageBytes(), b.flash()));
      restorers.computeIfAbsent(b.restorerSha256(), k -> new Restorer(restorerFile(k), b.restorerSize(),
          b.restorerOrigin(), b.restorerParameters(), 0));
      restorers.put(b.restorerSha256(), restorers.get(b.restorerSha256()).plusOne());
    }
    Map<String, Workload> workloads = new TreeMap<>();
    points.forEach((w, p) -> workloads.put(w, new Workload(insts.get(w), p)));
    Map<String, Long> byReason = new TreeMap<>();
    failures.forEach(f -> byReason.merge(f.reason(), 1L, Long::sum));
    return new SetManifest(SCHEMA, inputLabel(input), counts, workloads, restorers, byReason, notes);
  }

  /** A restorer's file below the set root: {@code restorers/<sha256>.bin}. */
  public static String restorerFile(String sha256) {
    return BundleBuilder.RESTORERS_DIR + sha256 + ".bin";
  }

  /**
   * How {@code set.json} and the report name the input: a URI as given, a local directory as
   * {@code local:<its name>} (never this machine's path).
   */
  public static String inputLabel(String input) {
    return Uris.isLocal(input) ? "local:" + Uris.localPath(input).getFileName() : input;
  }

  /**
   * This index with the regenerated bundles' restorers ({@code gcpt regenerate}): each point whose
   * bundle directory {@code manifests} has names its new restorer and image size; {@link
   * #restorers()} lists what the points then use. The result is what a fresh run with the new
   * restorers writes.
   *
   * @param manifests the regenerated bundles' manifests by bundle directory
   */
  public SetManifest regenerated(Map<String, BundleManifest> manifests) {
    Map<String, Restorer> rs = new TreeMap<>();
    Map<String, Workload> ws = new TreeMap<>();
    workloads.forEach((name, w) -> {
      Map<String, Point> ps = new TreeMap<>();
      w.points().forEach((pointName, p) -> {
        BundleManifest m = manifests.get(p.bundle());
        Restorer r;
        if (m == null) {
          r = restorers.get(p.restorer()); // not regenerated: keeps its restorer
          ps.put(pointName, p);
          if (r == null) {
            return;
          }
        } else {
          BundleManifest.RestorerInfo i = m.restorer();
          r = new Restorer(i.file(), i.size(), i.origin(), i.parameters(), 0);
          // a head that outgrew its slot moved the body: the image's size changed
          ps.put(pointName, p.withRestorer(i.sha256(), p.imageBytes() == null ? null : m.image().compressedLength(),
              p.flash() == null || m.flash() == null ? p.flash()
                  : new Flash(p.flash().image(), m.flash().restorer().sha256())));
        }
        String sha = ps.get(pointName).restorer();
        Restorer seen = rs.get(sha);
        rs.put(sha, (seen != null ? seen : new Restorer(r.file(), r.size(), r.origin(), r.parameters(), 0)).plusOne());
      });
      ws.put(name, new Workload(w.insts(), ps));
    });
    return new SetManifest(schema, input, counts, ws, rs, failuresByReason, notes);
  }

  /** Every {@code workload/point} the index lists. */
  public Set<String> points() {
    Set<String> out = new TreeSet<>();
    workloads.forEach((w, wl) -> wl.points().keySet().forEach(p -> out.add(w + "/" + p)));
    return out;
  }

  /**
   * The weights runners score with ({@code json/checkpoints_all.json}, {@link SetFiles}). When the
   * set has SimPoint metadata, only its weights: a point it does not list keeps its bundle, but a
   * weight taken from a file name would change the scores (noted as missing-weight). A set without
   * metadata has only its file names' weights, and those are written.
   */
  public SetMetadata runnerMetadata() {
    boolean hasMetadata = workloads.values().stream().flatMap(w -> w.points().values().stream())
        .anyMatch(p -> WEIGHT_FROM_METADATA.equals(p.weightSource()));
    List<SetMetadata.Workload> out = new ArrayList<>();
    workloads.forEach((name, w) -> {
      Map<String, Weight> weights = new TreeMap<>(PointOrder.NUMERIC);
      w.points().forEach((point, p) -> {
        if (p.weight() != null && (!hasMetadata || WEIGHT_FROM_METADATA.equals(p.weightSource()))) {
          weights.put(point, Weight.parse(p.weight()));
        }
      });
      if (!weights.isEmpty()) {
        out.add(new SetMetadata.Workload(name, Optional.ofNullable(w.insts()), new TreeMap<>(weights)));
      }
    });
    return SetMetadata.of("bundles", out);
  }

  /** The file's bytes: pretty JSON, a final newline. */
  public byte[] toJson() {
    return Json.pretty(this).getBytes(StandardCharsets.UTF_8);
  }

  /** Reads a {@code set.json} (fields this version does not know are skipped). */
  public static SetManifest read(InputStream in) throws IOException {
    return Json.mapper().readValue(in, SetManifest.class);
  }
}
