package dev.gcpt.core.set;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code run.json}: what one run did to the set (unlike {@link SetManifest}, it differs from run
 * to run). Fields in alphabetical order, as the file had them before it had a type.
 *
 * @param statuses bundles by status ({@link BundleBuilder.Status} names)
 * @param failures failure lines of the run (rejected inputs and metadata errors)
 * @param sourceBytesRead compressed source bytes read (bundles found up to date read none)
 * @param rawBytesProcessed raw image bytes of the bundles built or regenerated
 * @param imageBytesWritten compressed image bytes of the bundles built or regenerated
 * @param checkpointMillisTotal time spent per bundle, summed over the bundles
 */
@JsonPropertyOrder(alphabetic = true)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunSummary(Map<String, Long> statuses, long failures, long sourceBytesRead, long rawBytesProcessed,
    long imageBytesWritten, long checkpointMillisTotal) {
  /** The file's name under the set's output root. */
  public static final String FILE = "run.json";

  public RunSummary {
    statuses = statuses == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(statuses));
  }

  /** One bundle of the run: its status, the bytes it read and wrote, its time. */
  public record Bundle(String status, long sourceBytes, long rawBytes, long imageBytes, long millis) {}

  /** The summary of a run that produced {@code bundles} and {@code failures} failure lines. */
  public static RunSummary of(List<Bundle> bundles, long failures) {
    Map<String, Long> statuses = new TreeMap<>();
    long source = 0;
    long raw = 0;
    long image = 0;
    long millis = 0;
    for (Bundle b : bundles) {
      statuses.merge(b.status(), 1L, Long::sum);
      if (!BundleBuilder.Status.UP_TO_DATE.name().equals(b.status())) {
        source += b.sourceBytes();
        raw += b.rawBytes();
        image += b.imageBytes();
      }
      millis += b.millis();
    }
    return new RunSummary(statuses, failures, source, raw, image, millis);
  }

  /** The file's bytes: pretty JSON, a final newline. */
  public byte[] toJson() {
    return Json.pretty(this).getBytes(StandardCharsets.UTF_8);
  }

  public static RunSummary read(InputStream in) throws IOException {
    return Json.mapper().readValue(in, RunSummary.class);
  }
}
