package dev.gcpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gcpt.core.bundle.BundleBuilder;
import dev.gcpt.core.image.ImageDigest;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.sample.SampleSet;
import dev.gcpt.core.sample.SampleWriter;
import dev.gcpt.pipeline.WriteSetFiles;
import dev.gcpt.pipeline.io.PendingFile;
import dev.gcpt.pipeline.io.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/** Shared pieces of the fault tests: sample sets, polling with a deadline, output checks. */
final class Outputs {
  /** The set files WriteSetFiles writes at the end of a run. */
  static final Set<String> SET_FILES = Set.of(WriteSetFiles.SET_JSON, WriteSetFiles.RUN_JSON,
      WriteSetFiles.FAILURES_JSONL, "json/checkpoints_all.json", "checkpoint.lst",
      dev.gcpt.core.report.ReportWriter.FILE_NAME);
  private static final Pattern RESTORER = Pattern.compile("restorers/([0-9a-f]{64})\\.bin");
  private static final Duration POLL = Duration.ofMillis(50);

  private Outputs() {}

  /** Writes a sample set (and its metadata) under {@code root}, a local directory or an s3:// prefix. */
  static List<SampleSet.Entry> writeSet(String root, int workloads, int points, long imageBytes, long seed)
      throws IOException {
    List<SampleSet.Entry> entries = SampleSet.entries(workloads, points, imageBytes, seed);
    for (SampleSet.Entry e : entries) {
      try (PendingFile f = Storage.createAtomic(root + "/" + e.path(), Storage.BINARY)) {
        SampleWriter.write(e, f.stream());
        f.commit();
      }
    }
    try (PendingFile f = Storage.createAtomic(root + "/json/checkpoints_all.json", Storage.BINARY)) {
      f.stream().write(SampleSet.metadataJson(entries).getBytes(StandardCharsets.UTF_8));
      f.commit();
    }
    return entries;
  }

  /** Waits until {@code condition} holds; fails with {@code what} after {@code deadline}. */
  static void await(String what, Duration deadline, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        fail("not within " + deadline.toSeconds() + " s: " + what);
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }

  /** Number of files named bundle.json under a local directory (0 if it does not exist). */
  static long localManifests(Path root) {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    try (var s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().equals(BundleBuilder.MANIFEST)).count();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0; // a directory changed while walked: ask again
    }
  }

  static JsonNode json(String uri) throws IOException {
    try (InputStream in = Storage.open(uri)) {
      return Json.mapper().readTree(in);
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(String uri) throws IOException {
    MessageDigest d = newSha256();
    try (InputStream in = Storage.open(uri)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /** SHA-256 (hex) of a file's first {@code split} bytes and of the rest. */
  /** The digests ({@code algorithm}'s) of the file's bytes before and after {@code split}. */
  static String[] digestSplit(String uri, long split, ImageDigest algorithm) throws IOException {
    MessageDigest head = algorithm.newDigest();
    MessageDigest rest = algorithm.newDigest();
    long pos = 0;
    try (InputStream in = Storage.open(uri)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        int inHead = (int) Math.max(0, Math.min(n, split - pos));
        head.update(buf, 0, inHead);
        rest.update(buf, inHead, n - inHead);
        pos += n;
      }
    }
    return new String[] {HexFormat.of().formatHex(head.digest()), HexFormat.of().formatHex(rest.digest())};
  }

  /** What an output root holds, once every file under it was checked. */
  record Check(int bundles, int temporaries, int imagesWithoutManifest, Map<String, String> imageShaByBundle) {}

  /**
   * Checks everything under {@code root} (a local directory or s3:// prefix): every bundle.json
   * names an image that exists with exactly the size and file digests it records; every restorer file
   * hashes to its name; every other final-named file is a set file or a complete image (it
   * decodes to its end) whose manifest was not written yet; temporaries are only ever named as
   * such ({@code .partial-}, {@code .gcpt-tmp-}).
   */
  static Check check(String root) throws IOException {
    Map<String, Long> files = new TreeMap<>();
    for (Storage.StoredFile f : Storage.list(root)) {
      files.put(f.uri().substring(f.uri().indexOf(root) + root.length() + 1), f.size());
    }
    Map<String, String> shas = new TreeMap<>();
    Set<String> accounted = new java.util.HashSet<>();
    int temporaries = 0;
    for (String rel : files.keySet()) {
      String name = rel.substring(rel.lastIndexOf('/') + 1);
      if (name.contains(".partial-") || name.startsWith(Storage.TEMP_PREFIX)) {
        temporaries++;
        accounted.add(rel);
      } else if (name.equals(BundleBuilder.MANIFEST)) {
        JsonNode m = json(root + "/" + rel);
        String dir = rel.substring(0, rel.length() - BundleBuilder.MANIFEST.length() - 1);
        String image = dir + "/" + m.get("image").get("file").asText();
        assertTrue(files.containsKey(image), rel + " names " + image + ", which does not exist");
        assertEquals(m.get("image").get("compressedLength").asLong(), files.get(image), image + " size");
        long slot = m.get("image").get("headSlotLength").asLong();
        JsonNode digest = m.get("image").get("digest");
        ImageDigest algorithm = digest == null ? ImageDigest.SHA256 : ImageDigest.fromId(digest.asText());
        String[] parts = digestSplit(root + "/" + image, slot, algorithm);
        boolean legacy = algorithm == ImageDigest.SHA256;
        assertEquals(m.get("image").get(legacy ? "headSlotSha256" : "headSlotDigest").asText(), parts[0],
            image + " head slot digest");
        assertEquals(m.get("image").get(legacy ? "bodySha256" : "bodyDigest").asText(), parts[1],
            image + " body digest");
        shas.put(dir, parts[0] + parts[1]);
        accounted.add(rel);
        accounted.add(image);
      }
    }
    int orphans = 0;
    for (String rel : files.keySet()) {
      if (accounted.contains(rel) || SET_FILES.contains(rel)) {
        continue;
      }
      var r = RESTORER.matcher(rel);
      if (r.matches()) {
        assertEquals(r.group(1), sha256(root + "/" + rel), rel + " does not hash to its name");
        continue;
      }
      // an image committed just before the process died, without its manifest: it must be whole
      try (InputStream in = Storage.open(root + "/" + rel);
          OpenCheckpoint cp = CheckpointReader.open(in, rel, CheckpointReader.Options.DEFAULT)) {
        cp.drain((OutputStream) null);
      } catch (IOException e) {
        fail(rel + " has a final name but is not a complete image: " + e.getMessage());
      }
      orphans++;
    }
    return new Check(shas.size(), temporaries, orphans, shas);
  }
}
