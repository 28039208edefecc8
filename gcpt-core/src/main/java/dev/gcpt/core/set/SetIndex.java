package dev.gcpt.core.set;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The checkpoints found in a set joined with its metadata on (workload, point), with everything
 * that did not join reported instead of guessed.
 *
 * @param entries the checkpoints that have exactly one memory file and a weight, ordered by
 *     workload then point
 * @param problems what did not join (and notes such as a differing weight), same order
 */
public record SetIndex(List<Entry> entries, List<Problem> problems) {

  /**
   * One ready-to-convert checkpoint of the set.
   *
   * @param workload the workload
   * @param point the point (the directory's text)
   * @param weight the weight from the metadata (the source of truth)
   * @param insts the workload's total instruction count, when the metadata has it
   * @param checkpoint the memory image
   * @param flash the flash image beside it, if the set has one
   */
  public record Entry(String workload, String point, Weight weight, Optional<String> insts,
      CheckpointName checkpoint, Optional<CheckpointName> flash) {
    public Entry {
      Objects.requireNonNull(workload, "workload");
      Objects.requireNonNull(point, "point");
      Objects.requireNonNull(weight, "weight");
      Objects.requireNonNull(insts, "insts");
      Objects.requireNonNull(checkpoint, "checkpoint");
      Objects.requireNonNull(flash, "flash");
    }

    /** The memory image's path. */
    public String path() {
      return checkpoint.relativePath();
    }
  }

  /** What kind of mismatch between files and metadata a {@link Problem} is. */
  public enum ProblemKind {
    /** The metadata lists the point but no checkpoint file was found for it. */
    MISSING_CHECKPOINT,
    /** A checkpoint file was found but the metadata has no weight for its point. */
    MISSING_WEIGHT,
    /** More than one memory (or flash) file for one point: reported, never guessed. */
    AMBIGUOUS_CHECKPOINT,
    /** Only a flash file was found for the point, no memory image. */
    FLASH_WITHOUT_MEMORY,
    /** Note: the weight in the file name disagrees with the metadata; the metadata wins. */
    WEIGHT_MISMATCH
  }

  /**
   * Something that did not join, or a note.
   *
   * @param kind what it is
   * @param workload the workload
   * @param point the point
   * @param paths the checkpoint files involved, sorted (empty for {@link ProblemKind#MISSING_CHECKPOINT})
   * @param detail a sentence for a person
   */
  public record Problem(ProblemKind kind, String workload, String point, List<String> paths, String detail) {
    public Problem {
      paths = List.copyOf(paths);
    }

    /** Whether the point is still converted (only a note). */
    public boolean isNote() {
      return kind == ProblemKind.WEIGHT_MISMATCH;
    }
  }

  public SetIndex {
    entries = List.copyOf(entries);
    problems = List.copyOf(problems);
  }

  private record Key(String workload, String point) {}

  private static final Comparator<Key> KEY_ORDER =
      Comparator.comparing(Key::workload).thenComparing(Key::point, PointOrder.NUMERIC);

  /** The files found for one key. */
  private static final class Found {
    final TreeMap<String, CheckpointName> memory = new TreeMap<>();
    final TreeMap<String, CheckpointName> flash = new TreeMap<>();

    /** Every path of this key, sorted. */
    List<String> paths() {
      TreeSet<String> all = new TreeSet<>(memory.keySet());
      all.addAll(flash.keySet());
      return List.copyOf(all);
    }
  }

  /**
   * Joins the checkpoint files found with the metadata.
   *
   * <p>Rules: the key is (workload, point directory); a key with two memory files or two flash
   * files is {@link ProblemKind#AMBIGUOUS_CHECKPOINT} and gives no entry; a key without weight in
   * the metadata is {@link ProblemKind#MISSING_WEIGHT}; a metadata point without a file is
   * {@link ProblemKind#MISSING_CHECKPOINT}; a file-name weight that disagrees with the metadata
   * beyond the coarser text's precision ({@link Weight#agreesWith}) is a
   * {@link ProblemKind#WEIGHT_MISMATCH} note and the entry carries the metadata's weight. The same
   * path listed twice counts once.
   */
  public static SetIndex join(List<CheckpointName> found, SetMetadata meta) {
    TreeMap<Key, Found> byKey = new TreeMap<>(KEY_ORDER);
    for (CheckpointName c : found) {
      Found f = byKey.computeIfAbsent(new Key(c.workload(), c.point()), k -> new Found());
      (c.kind() == CheckpointName.Kind.FLASH ? f.flash : f.memory).putIfAbsent(c.relativePath(), c);
    }
    List<Entry> entries = new ArrayList<>();
    Map<Key, List<Problem>> problems = new TreeMap<>(KEY_ORDER);
    for (Map.Entry<Key, Found> e : byKey.entrySet()) {
      Key key = e.getKey();
      Found f = e.getValue();
      List<Problem> here = problems.computeIfAbsent(key, k -> new ArrayList<>());
      if (f.memory.size() > 1 || f.flash.size() > 1) {
        here.add(new Problem(ProblemKind.AMBIGUOUS_CHECKPOINT, key.workload, key.point, f.paths(),
            (f.memory.size() > 1 ? f.memory.size() + " memory files" : f.flash.size() + " flash files")
                + " for one point; none is used"));
        continue;
      }
      if (f.memory.isEmpty()) {
        here.add(new Problem(ProblemKind.FLASH_WITHOUT_MEMORY, key.workload, key.point, f.paths(),
            "a flash file without a memory image"));
        continue;
      }
      CheckpointName memory = f.memory.firstEntry().getValue();
      Optional<CheckpointName> flash = f.flash.isEmpty() ? Optional.empty() : Optional.of(f.flash.firstEntry().getValue());
      Optional<Weight> weight = meta.weight(key.workload, key.point);
      if (weight.isEmpty()) {
        here.add(new Problem(ProblemKind.MISSING_WEIGHT, key.workload, key.point, f.paths(),
            memory.isUniform()
                ? "a uniform checkpoint (scheduled at " + key.point + " instructions, taken at "
                    + memory.actualInstructions().orElse("?") + "): uniform checkpoints have no SimPoint weight"
                : meta.workloads().containsKey(key.workload)
                ? "the metadata (" + meta.source() + ") has no weight for this point"
                : "the metadata (" + meta.source() + ") has no workload '" + key.workload + "'"));
        continue;
      }
      memory.weight().ifPresent(text -> noteWeightMismatch(here, key, memory, text, weight.get()));
      entries.add(new Entry(key.workload, key.point, weight.get(),
          meta.workloads().get(key.workload).insts(), memory, flash));
    }
    for (SetMetadata.Workload w : meta.workloads().values()) {
      for (String point : w.points().keySet()) {
        Key key = new Key(w.name(), point);
        if (!byKey.containsKey(key)) {
          problems.computeIfAbsent(key, k -> new ArrayList<>()).add(new Problem(ProblemKind.MISSING_CHECKPOINT,
              w.name(), point, List.of(), "the metadata lists this point (weight " + w.points().get(point).text()
                  + ") but no checkpoint file was found"));
        }
      }
    }
    List<Problem> all = new ArrayList<>();
    problems.values().forEach(all::addAll);
    return new SetIndex(entries, all);
  }

  private static void noteWeightMismatch(List<Problem> here, Key key, CheckpointName memory, String text,
      Weight meta) {
    String detail;
    try {
      Weight inName = Weight.parse(text);
      if (inName.agreesWith(meta)) {
        return;
      }
      detail = "the file name says weight " + text + ", the metadata " + meta.text() + "; the metadata wins";
    } catch (IllegalArgumentException e) {
      detail = "the file name's weight " + text + " is unusable (" + e.getMessage() + "); the metadata's "
          + meta.text() + " wins";
    }
    here.add(new Problem(ProblemKind.WEIGHT_MISMATCH, key.workload, key.point, List.of(memory.relativePath()),
        detail));
  }

  /** Problems that stop a point from being converted (notes excluded). */
  public List<Problem> errors() {
    return problems.stream().filter(p -> !p.isNote()).toList();
  }

  /**
   * The metadata of what this index converts: the entries' workloads, insts and weights (as the
   * metadata wrote them). Feed it to {@link SetFiles} to write the files runners read.
   */
  public SetMetadata metadata(String source) {
    Map<String, TreeMap<String, Weight>> points = new LinkedHashMap<>();
    Map<String, Optional<String>> insts = new LinkedHashMap<>();
    for (Entry e : entries) {
      points.computeIfAbsent(e.workload(), w -> new TreeMap<>(PointOrder.NUMERIC)).put(e.point(), e.weight());
      insts.putIfAbsent(e.workload(), e.insts());
    }
    List<SetMetadata.Workload> workloads = new ArrayList<>();
    points.forEach((w, p) -> workloads.add(new SetMetadata.Workload(w, insts.get(w), p)));
    return SetMetadata.of(source, workloads);
  }
}
