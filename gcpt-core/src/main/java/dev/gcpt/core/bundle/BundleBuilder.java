package dev.gcpt.core.bundle;

import static dev.gcpt.core.json.Json.hex;

import dev.gcpt.core.codec.DecodedStream;
import dev.gcpt.core.flash.FlashCheckpoint;
import dev.gcpt.core.image.HeadSlot;
import dev.gcpt.core.image.HeadSwap;
import dev.gcpt.core.image.ImageFormatException;
import dev.gcpt.core.image.ImageInfo;
import dev.gcpt.core.image.ImageOptions;
import dev.gcpt.core.image.ImageWriter;
import dev.gcpt.core.image.Sha256;
import dev.gcpt.core.io.PassThroughInputStream;
import dev.gcpt.core.io.Store;
import dev.gcpt.core.json.Json;
import dev.gcpt.core.layout.Variant;
import dev.gcpt.core.normalize.NormalizedLayout;
import dev.gcpt.core.normalize.Normalizer;
import dev.gcpt.core.read.CheckpointException;
import dev.gcpt.core.read.CheckpointReader;
import dev.gcpt.core.read.OpenCheckpoint;
import dev.gcpt.core.restorer.ExternalRestorer;
import dev.gcpt.core.restorer.PlatformProfile;
import dev.gcpt.core.restorer.Restorer;
import dev.gcpt.core.restorer.RestorerGenerator;
import dev.gcpt.core.restorer.RestorerSpec;
import dev.gcpt.core.state.HartState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns one checkpoint into one bundle (bundle.md §5): reads the source, normalizes its window,
 * pairs it with a restorer, writes the framed image, the restorer file and {@code bundle.json},
 * each under a temporary name committed last ({@code bundle.json} last of all, so a bundle with a
 * manifest is complete). The command line's {@code normalize} and the pipeline's {@code
 * NormalizeFn} both call this.
 *
 * <p>Reruns: a bundle whose manifest has the same recipe is {@link Status#UP_TO_DATE} and not
 * touched; one whose source and image options are unchanged but whose restorer differs is
 * {@link Status#REGENERATED} (only the head slot is rewritten: in place on local disks, else
 * followed by the body frames' compressed bytes, copied); anything else is rebuilt.
 */
public final class BundleBuilder implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BundleBuilder.class);
  /**
   * Bumped whenever the image bytes this class writes change for the same inputs: it is part of
   * every recipe, so a bump rebuilds or upgrades every bundle. A change of the manifest alone is
   * marked by {@link BundleManifest#SCHEMA} instead (gcpt.bundle/3 named the image digests'
   * algorithm; gcpt.bundle/2 bundles, with SHA-256 digests, stay up to date).
   */
  public static final String GENERATOR_VERSION = "gcpt-bundle-4";
  /**
   * Earlier versions whose body frames are byte for byte what this one writes (same frame
   * encoder), so that their bundles are upgraded from their own image, without the source:
   * gcpt-bundle-3 padded the head slot with a skippable zstd frame, which stops the simulators'
   * loaders, and did not pad the image to 128 KiB. Its head slot is rewritten (in place where the
   * length allows); an image whose length is not a multiple of 128 KiB is encoded again from its
   * own decoded bytes.
   */
  static final java.util.Set<String> UPGRADABLE_FROM = java.util.Set.of("gcpt-bundle-3");
  public static final String MANIFEST = "bundle.json";
  /** An in-place head-slot swap in progress ({@link #recover}). */
  public static final String JOURNAL = "bundle.journal";
  public static final String RESTORERS_DIR = "restorers/";
  /** How a manifest note about a resume pc outside DRAM starts (the pipeline lifts it into set.json). */
  public static final String RESUME_PC_OUTSIDE_DRAM = "resume pc outside DRAM: ";
  /** Buffer for streaming an old image's body frames into the regenerated file. */
  private static final int COPY_BUFFER = 1 << 20;

  /** What happened to one bundle. */
  public enum Status { BUILT, REGENERATED, UP_TO_DATE }

  /** The restorer to pair: generated per checkpoint, or one external file for all. */
  public sealed interface RestorerChoice permits Builtin, External {}

  /** Generate a tailored restorer per distinct {@link RestorerSpec}. */
  public record Builtin() implements RestorerChoice {}

  /**
   * An upstream gcpt.bin, validated once. {@code bytes} are its first {@code size} bytes (the size
   * word): what follows in the file (a default payload at 0x100000 in LibCheckpointAlpha's and
   * LibCheckpoint's) is not the restorer and is never paired.
   */
  public record External(String name, byte[] bytes, ExternalRestorer.Report report) implements RestorerChoice {
    public static External load(String name, byte[] bytes) {
      ExternalRestorer.Report report = ExternalRestorer.validate(bytes, name);
      return new External(name, java.util.Arrays.copyOf(bytes, (int) report.size()), report);
    }
  }

  /** Options that apply to every bundle of a run. */
  public record Options(PlatformProfile platform, RestorerChoice restorer, ImageOptions image, int vlen,
      long maxRawBytes) {

    /** Text of everything the body frames depend on besides the source. */
    String imageKey() {
      return image.codec().cliName() + ":" + image.level() + ":" + image.bodyFrameRawSize() + ":"
          + (image.singleFrame() ? "single" : "framed");
    }

    /** Text of everything the head frame depends on besides the source. */
    String restorerKey() {
      String r = restorer instanceof External e ? "external:" + Sha256.hex(e.bytes()) : "builtin:" + GENERATOR_VERSION;
      return r + "|platform=" + platform + "|vlen=" + vlen;
    }
  }

  /** The source of one bundle. {@code fingerprint} identifies its content cheaply (size, mtime). */
  public record Source(String uri, String fingerprint) {}

  /** Opens the source's bytes. */
  @FunctionalInterface
  public interface Opener {
    InputStream open() throws IOException;
  }

  /**
   * The {@code _flash_} file of a flash checkpoint, bundled with its memory image (the
   * {@link Source}): see {@link FlashCheckpoint}.
   */
  public record FlashInput(String uri, String fingerprint, Opener opener) {}

  /** Where the bundle goes and what it is called. */
  public record Target(String dir, String imageFileName, BundleManifest.SimPoint simpoint) {}

  /** The outcome. */
  public record Result(Status status, String dir, BundleManifest manifest) {}

  private final Options options;
  private final ImageWriter writer;
  private final Map<RestorerSpec, Restorer> restorers = new ConcurrentHashMap<>();

  public BundleBuilder(Options options) {
    this.options = options;
    this.writer = new ImageWriter(options.image());
  }

  /** Stops the image writer's compression threads. */
  @Override
  public void close() {
    writer.close();
  }

  /**
   * Builds, regenerates or skips the bundle of {@code source} in {@code out}.
   *
   * @throws CheckpointException for an input that cannot become a bundle (the reason says why)
   * @throws IOException for storage failures (worth a retry)
   */
  public Result build(Source source, Opener opener, Target target, OutputFiles out) throws IOException {
    recover(out, target.dir());
    return build(source, opener, target, out, readManifest(out, target.dir() + "/" + MANIFEST));
  }

  /**
   * As {@link #build(Source, Opener, FlashInput, Target, OutputFiles)}, for a caller that has
   * finished the bundle's journal ({@link #recover}) and read its manifest ({@link #readManifest})
   * just before, as {@code gcpt regenerate} does for every bundle of its listing: neither is done
   * again.
   *
   * @param current the bundle's manifest as {@link #readManifest} read it (empty: none, or one that
   *     does not parse)
   */
  public Result build(Source source, Opener opener, FlashInput flash, Target target, OutputFiles out,
      Optional<BundleManifest> current) throws IOException {
    return flash == null ? build(source, opener, target, out, current)
        : buildFlash(source, opener, flash, target, out, current);
  }

  private Result build(Source source, Opener opener, Target target, OutputFiles out,
      Optional<BundleManifest> existing) throws IOException {
    String recipe = recipe(source);
    String imageRecipe = imageRecipe(GENERATOR_VERSION, source);
    String manifestRel = target.dir() + "/" + MANIFEST;
    if (existing.isPresent() && existing.get().build() != null) {
      BundleManifest m = existing.get();
      String imageRel = target.dir() + "/" + m.image().file();
      if (out.exists(imageRel)) {
        if (recipe.equals(m.build().recipe())) {
          return new Result(Status.UP_TO_DATE, target.dir(), m);
        }
        boolean sameBody = imageRecipe.equals(m.build().imageRecipe());
        boolean older = UPGRADABLE_FROM.contains(m.build().gcpt())
            && imageRecipe(m.build().gcpt(), source).equals(m.build().imageRecipe());
        try {
          if ((sameBody || older) && !m.image().singleFrame()
              && m.image().rawLength() % ImageWriter.LENGTH_ALIGNMENT == 0) {
            return regenerate(source, target, out, m, recipe, imageRecipe);
          }
          if (older) {
            return upgrade(target, out, m, recipe, imageRecipe);
          }
        } catch (ImageFormatException | CheckpointException e) {
          // the manifest does not describe the image (edited, replaced by hand): build it again
          LOG.warn("{}: rebuilding from the source: {}", out.describe(manifestRel), e.getMessage());
        }
      }
    }
    return buildFromSource(source, opener, target, out, recipe, imageRecipe, null, null);
  }

  /** Hash of everything a bundle depends on: the source's fingerprint, the image and restorer options. */
  private String recipe(Source source) {
    return recipe(source, "");
  }

  /** As {@link #recipe(Source)}, with {@code sourceKey} (a flash file's fingerprint) after the source's. */
  private String recipe(Source source, String sourceKey) {
    return Sha256.hex((GENERATOR_VERSION + "|" + source.fingerprint() + sourceKey + "|" + options.imageKey() + "|"
        + options.restorerKey()).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The manifest of a bundle {@link #build} would find up to date, decided without reading the
   * source or the image and without writing: no journal, a manifest with this source's and these
   * options' recipe, its image present. Empty when {@code build} would do some work.
   */
  public Optional<BundleManifest> upToDate(Source source, Target target, OutputFiles out) throws IOException {
    if (out.canOverwrite() && out.exists(target.dir() + "/" + JOURNAL)) {
      return Optional.empty();
    }
    Optional<BundleManifest> m = readManifest(out, target.dir() + "/" + MANIFEST);
    if (m.isEmpty() || m.get().build() == null || !recipe(source).equals(m.get().build().recipe())
        || !out.exists(target.dir() + "/" + m.get().image().file())) {
      return Optional.empty();
    }
    return m;
  }

  /**
   * Builds or skips the bundle of a flash checkpoint: the memory image {@code source} and its
   * flash file {@code flash} (null: {@link #build(Source, Opener, Target, OutputFiles)}). Both
   * images are written from the sources whenever the recipe changed (a restorer fix included: the
   * flash image is 1 MiB, and its restorer changes with the memory image's).
   */
  public Result build(Source source, Opener opener, FlashInput flash, Target target, OutputFiles out)
      throws IOException {
    if (flash == null) {
      return build(source, opener, target, out);
    }
    recover(out, target.dir());
    return buildFlash(source, opener, flash, target, out, readManifest(out, target.dir() + "/" + MANIFEST));
  }

  private Result buildFlash(Source source, Opener opener, FlashInput flash, Target target, OutputFiles out,
      Optional<BundleManifest> existing) throws IOException {
    String flashKey = "|flash=" + flash.fingerprint();
    String recipe = recipe(source, flashKey);
    String imageRecipe = Sha256.hex((imageRecipe(GENERATOR_VERSION, source) + flashKey).getBytes(StandardCharsets.UTF_8));
    if (existing.isPresent() && existing.get().build() != null && existing.get().flash() != null
        && out.exists(target.dir() + "/" + existing.get().image().file())
        && out.exists(target.dir() + "/" + existing.get().flash().image().file())) {
      BundleManifest m = existing.get();
      if (recipe.equals(m.build().recipe())) {
        return new Result(Status.UP_TO_DATE, target.dir(), m);
      }
      if (imageRecipe.equals(m.build().imageRecipe()) && !m.image().singleFrame()
          && m.image().rawLength() % ImageWriter.LENGTH_ALIGNMENT == 0) {
        // only the restorers change: both images are regenerated from the bundle's own
        try {
          return regenerateFlash(source, target, out, m, recipe, imageRecipe);
        } catch (ImageFormatException | CheckpointException e) {
          LOG.warn("{}: rebuilding from the sources: {}", out.describe(target.dir() + "/" + MANIFEST), e.getMessage());
        }
      }
    }
    if (options.platform().windowBase() != 0) {
      throw new CheckpointException(CheckpointException.Reason.INCONSISTENT, source.uri() + ": a flash checkpoint"
          + " keeps its state at the flash's V1 offsets; platform " + options.platform().name() + " moves the window to"
          + " DRAM offset 0x" + Long.toHexString(options.platform().windowBase()) + ": use a platform with the window at"
          + " DRAM start");
    }
    FlashCheckpoint.FlashSource fs;
    try (InputStream in = flash.opener().open()) {
      fs = FlashCheckpoint.read(in, flash.uri(), options.maxRawBytes());
    }
    return buildFromSource(source, opener, target, out, recipe, imageRecipe, null, new FlashBuild(flash, fs));
  }

  /**
   * A restorer change of a flash checkpoint's bundle, without its sources: the memory image's head
   * slot is swapped ({@link #regenerate}; its window holds the state), the flash image is written
   * again from the bundle's own flash image (1 MiB), the manifest keeps both sources.
   */
  private Result regenerateFlash(Source source, Target target, OutputFiles out, BundleManifest old, String recipe,
      String imageRecipe) throws IOException {
    String flashRel = target.dir() + "/" + old.flash().image().file();
    FlashCheckpoint.FlashSource own;
    try (InputStream in = out.open(flashRel)) {
      own = FlashCheckpoint.read(in, out.describe(flashRel), options.maxRawBytes());
    }
    Result r = regenerate(source, target, out, old, recipe, imageRecipe);
    BundleManifest m = writeFlashImage(new FlashBuild(null, own), old.flash().source(), target, out, r.manifest());
    writeManifest(out, target.dir(), m);
    return new Result(r.status(), r.dir(), m);
  }

  /** A flash file being bundled: what was read of it. */
  private record FlashBuild(FlashInput input, FlashCheckpoint.FlashSource source) {}

  /** Hash of what the body frames depend on, as generator {@code version} wrote it. */
  private String imageRecipe(String version, Source source) {
    // the window base decides which bytes form the head frame: a change needs a full rebuild
    long windowBase = options.platform().windowBase();
    return Sha256.hex((version + "|" + source.fingerprint() + "|" + options.imageKey()
        + (windowBase != 0 ? "|windowBase=" + windowBase : "")).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Encodes a bundle of an {@linkplain #UPGRADABLE_FROM earlier version} again from its own image
   * (a normalized image is a checkpoint the reader knows), keeping what its manifest says of the
   * source: the source need not be reachable any more.
   */
  private Result upgrade(Target target, OutputFiles out, BundleManifest old, String recipe, String imageRecipe)
      throws IOException {
    String imageRel = target.dir() + "/" + old.image().file();
    Target kept = new Target(target.dir(), old.image().file(), target.simpoint());
    Source image = new Source(out.describe(imageRel), old.source().fingerprint());
    LOG.debug("{}: upgrading a {} bundle from its image", out.describe(imageRel), old.build().gcpt());
    return buildFromSource(image, () -> out.open(imageRel), kept, out, recipe, imageRecipe, old, null);
  }

  /**
   * Reads the source, writes the image and its manifest.
   *
   * @param upgraded the manifest of the bundle whose own image is the source ({@link #upgrade}),
   *     whose source and notes carry over; null for a checkpoint
   */
  private Result buildFromSource(Source source, Opener opener, Target target, OutputFiles out, String recipe,
      String imageRecipe, BundleManifest upgraded, FlashBuild flash) throws IOException {
    String imageRel = target.dir() + "/" + target.imageFileName();
    String tmp = Store.temporary(imageRel);
    MessageDigest sourceDigest = Sha256.newDigest();
    PassThroughInputStream counted;
    ImageInfo written;
    OpenCheckpoint cp = null;
    long bodyLength = !options.image().singleFrame() ? ImageWriter.UNKNOWN_LENGTH
        : upgraded != null ? upgraded.image().rawLength() : rawLength(source, opener, flash != null);
    Paired paired;
    long sourceRawLength;
    String sourceCodec;
    DecodedStream memory = null;
    try (InputStream raw = opener.open()) {
      counted = PassThroughInputStream.digesting(raw, sourceDigest);
      if (flash != null) {
        // the memory image holds no state: the flash's is copied into its window (FlashCheckpoint)
        memory = DecodedStream.open(counted, source.uri(), options.maxRawBytes());
        sourceCodec = memory.codec().cliName();
        cp = CheckpointReader.open(FlashCheckpoint.memoryWithState(memory, source.uri(), flash.source()), source.uri(),
            readerOptions());
      } else {
        cp = CheckpointReader.open(counted, source.uri(), readerOptions());
        sourceCodec = cp.codec().cliName();
      }
      NormalizedLayout nl = Normalizer.layoutFor(cp);
      paired = pair(cp, nl);
      byte[] window = Normalizer.window(cp, nl, paired.bytes());
      try (OutputStream o = out.create(tmp); PassThroughInputStream rest = PassThroughInputStream.counting(cp.rest())) {
        written = writer.write(window, rest, bodyLength < 0 ? bodyLength : bodyLength - window.length, o);
        counted.drain(); // before closing: bytes after the last frame still count and hash
        sourceRawLength = window.length + rest.count(); // the image is padded to 128 KiB beyond it
      }
      paired = new Paired(paired.bytes(), paired.sha256(), paired.info(), paired.notes(), nl, cp.harts(), cp);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(out, tmp, e);
      throw e;
    } finally {
      if (cp != null) {
        cp.close();
      }
      if (memory != null) {
        memory.close();
      }
    }
    writeRestorerFile(out, paired);
    // a manifest of the image being replaced must not outlive it: until the new one is written
    // the bundle is incomplete, never a new image under an old manifest
    out.delete(target.dir() + "/" + MANIFEST);
    out.commit(tmp, imageRel);
    BundleManifest.Source src = upgraded != null ? upgraded.source()
        : new BundleManifest.Source(source.uri(), sourceCodec, counted.count(), sourceRawLength,
            Sha256.hex(sourceDigest), source.fingerprint());
    BundleManifest m = manifest(src, upgraded != null ? upgraded.notes() : paired.cp().notes(), target, paired, written,
        recipe, imageRecipe);
    if (flash != null) {
      FlashCheckpoint.FlashSource fs = flash.source();
      m = writeFlashImage(flash, new BundleManifest.Source(flash.input().uri(), fs.codec().cliName(),
          fs.compressedLength(), fs.rawLength(), fs.sha256(), flash.input().fingerprint()), target, out, m);
    }
    writeManifest(out, target.dir(), m);
    return new Result(Status.BUILT, target.dir(), m);
  }

  /**
   * Pairs the new restorer using only the existing image's head slot, and swaps the slot: in
   * place when the new slot has the old one's length and the store allows it (the body is not
   * read), otherwise by copying the body's compressed bytes into a new file.
   */
  private Result regenerate(Source source, Target target, OutputFiles out, BundleManifest old, String recipe,
      String imageRecipe) throws IOException {
    String imageRel = target.dir() + "/" + old.image().file();
    String name = out.describe(imageRel);
    ImageInfo oldInfo = old.image().toImageInfo();
    byte[] oldSlot;
    try (InputStream in = out.open(imageRel)) {
      oldSlot = in.readNBytes(Math.toIntExact(oldInfo.headSlotLength()));
    }
    HeadSwap.checkOldSlot(oldInfo, oldSlot, name);
    Paired paired;
    byte[] window;
    // the slot is the manifest's (its SHA-256, above): decoded without its padding blocks
    try (OpenCheckpoint cp = CheckpointReader.open(
        new java.io.ByteArrayInputStream(HeadSlot.withoutPadding(oldInfo.codec(), oldSlot)), name, readerOptions())) {
      NormalizedLayout nl = Normalizer.layoutFor(cp);
      paired = pair(cp, nl);
      window = Normalizer.window(cp, nl, paired.bytes());
      paired = new Paired(paired.bytes(), paired.sha256(), paired.info(), paired.notes(), nl, cp.harts(), cp);
    }
    HeadSwap.Swap swap = HeadSwap.prepare(oldInfo, window);
    Target kept = new Target(target.dir(), old.image().file(), target.simpoint());
    BundleManifest m = manifest(old.source(), old.notes(), kept, paired, swap.info(), recipe, imageRecipe);
    writeRestorerFile(out, paired);
    if (swap.inPlace() && out.canOverwrite() && out.size(imageRel) == oldInfo.compressedLength()) {
      swapInPlace(out, target.dir(), new Journal(old.image().file(), swap.slot(), m));
      return new Result(Status.REGENERATED, target.dir(), m);
    }
    if (out.canReplaceHead()) {
      out.delete(target.dir() + "/" + MANIFEST); // no manifest may describe the image while it changes
      if (out.replaceHead(imageRel, swap.slot(), oldInfo.headSlotLength(), oldInfo.compressedLength())) {
        writeManifest(out, target.dir(), m);
        return new Result(Status.REGENERATED, target.dir(), m);
      }
    }
    String tmp = Store.temporary(imageRel);
    try (InputStream oldImage = new java.io.BufferedInputStream(out.open(imageRel), COPY_BUFFER);
        OutputStream o = new java.io.BufferedOutputStream(out.create(tmp), COPY_BUFFER)) {
      oldImage.skipNBytes(oldInfo.headSlotLength());
      HeadSwap.copy(oldInfo, swap, oldImage, o, name);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(out, tmp, e);
      throw e;
    }
    out.delete(target.dir() + "/" + MANIFEST);
    out.commit(tmp, imageRel);
    writeManifest(out, target.dir(), m);
    return new Result(Status.REGENERATED, target.dir(), m);
  }

  /**
   * An in-place slot swap in progress ({@value #JOURNAL} in the bundle's directory): the image
   * file, the new slot and the manifest that describes the image once the slot is written. Written
   * as {@link #journalBytes}; a journal of an earlier version is this record as JSON (the slot in
   * Base64), which {@link #recover} still reads.
   */
  public record Journal(String image, byte[] slot, BundleManifest manifest) {}

  /** First bytes of a journal of this version ({@link #journalBytes}). */
  static final String JOURNAL_MAGIC = "gcpt-journal 2 ";

  /**
   * Writes a new head slot over the image in place. Killed at any point, the bundle is either the
   * old one (manifest present, no journal), or has no manifest (not whole) and a journal that
   * {@link #recover} replays; it never has a manifest that does not describe its image.
   */
  private static void swapInPlace(OutputFiles out, String dir, Journal j) throws IOException {
    String journalRel = dir + "/" + JOURNAL;
    // the manifest is serialized once, for the journal and for bundle.json
    byte[] manifest = Json.pretty(j.manifest()).getBytes(StandardCharsets.UTF_8);
    // written under its own name, not committed by a rename: a journal cut short by a kill does not
    // match its first line's lengths, and recover drops it (the manifest is deleted only after this)
    try (OutputStream o = out.create(journalRel)) {
      o.write(journalBytes(j.slot(), manifest));
    }
    apply(out, dir, j.image(), j.slot(), manifest);
    out.delete(journalRel);
  }

  /**
   * A journal: the line {@code gcpt-journal 2 <slot length> <manifest length>}, the new slot's
   * bytes, then the new {@code bundle.json}'s bytes (whose image part names the image file). No
   * Base64, no second serialization of the manifest; its lengths tell a whole journal from a torn one.
   */
  static byte[] journalBytes(byte[] slot, byte[] manifest) {
    byte[] header = (JOURNAL_MAGIC + slot.length + " " + manifest.length + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] b = new byte[header.length + slot.length + manifest.length];
    System.arraycopy(header, 0, b, 0, header.length);
    System.arraycopy(slot, 0, b, header.length, slot.length);
    System.arraycopy(manifest, 0, b, header.length + slot.length, manifest.length);
    return b;
  }

  /** A journal read back: the image file, the slot, the manifest and the bytes bundle.json gets. */
  private record ReadJournal(String image, byte[] slot, BundleManifest manifest, byte[] manifestBytes) {}

  /** Parses {@link #journalBytes} or an earlier version's JSON {@link Journal}; empty when torn or not ours. */
  private static Optional<ReadJournal> parseJournal(byte[] b) {
    try {
      if (b.length > 0 && b[0] == '{') {
        Journal j = Json.mapper().readValue(b, Journal.class);
        return Optional.of(new ReadJournal(j.image(), j.slot(), j.manifest(),
            Json.pretty(j.manifest()).getBytes(StandardCharsets.UTF_8)));
      }
      int eol = 0;
      while (eol < b.length && eol < 64 && b[eol] != '\n') {
        eol++;
      }
      String line = new String(b, 0, Math.min(eol, b.length), StandardCharsets.US_ASCII);
      if (eol >= b.length || !line.startsWith(JOURNAL_MAGIC)) {
        return Optional.empty();
      }
      String[] lengths = line.substring(JOURNAL_MAGIC.length()).split(" ");
      if (lengths.length != 2) {
        return Optional.empty();
      }
      int slot = Integer.parseInt(lengths[0]);
      int manifest = Integer.parseInt(lengths[1]);
      if (slot < 0 || manifest < 0 || (long) eol + 1 + slot + manifest != b.length) {
        return Optional.empty();
      }
      byte[] slotBytes = Arrays.copyOfRange(b, eol + 1, eol + 1 + slot);
      byte[] manifestBytes = Arrays.copyOfRange(b, eol + 1 + slot, b.length);
      BundleManifest m = Json.mapper().readValue(manifestBytes, BundleManifest.class);
      return Optional.of(new ReadJournal(m.image().file(), slotBytes, m, manifestBytes));
    } catch (IOException | RuntimeException e) { // Jackson's, a bad number: not a journal we wrote whole
      return Optional.empty();
    }
  }

  /** The journaled steps: no manifest, the new slot, the new manifest (repeatable). */
  private static void apply(OutputFiles out, String dir, String image, byte[] slot, byte[] manifest)
      throws IOException {
    out.delete(dir + "/" + MANIFEST);
    out.overwrite(dir + "/" + image, 0, slot);
    writeAtomically(out, dir + "/" + MANIFEST, manifest);
  }

  /**
   * Finishes an in-place swap a killed run left in {@code dir} (a {@value #JOURNAL} file): writes
   * the journal's slot and manifest. A journal that does not fit the image (another length) is
   * dropped, leaving the bundle without a manifest, to be built again; so is a torn one (a run
   * killed while writing it: the bundle is still the old one).
   *
   * @return whether there was a journal
   */
  public static boolean recover(OutputFiles out, String dir) throws IOException {
    String journalRel = dir + "/" + JOURNAL;
    if (!out.canOverwrite() || !out.exists(journalRel)) {
      return false;
    }
    byte[] bytes;
    try (InputStream in = out.open(journalRel)) {
      bytes = in.readAllBytes();
    }
    Optional<ReadJournal> read = parseJournal(bytes);
    if (read.isEmpty()) {
      out.delete(journalRel); // journals are committed whole: this one is not ours
      return true;
    }
    ReadJournal j = read.get();
    String imageRel = dir + "/" + j.image();
    BundleManifest.ImageInfo image = j.manifest().image();
    if (out.exists(imageRel) && out.size(imageRel) == image.compressedLength()
        && j.slot().length == image.headSlotLength()
        && image.digestAlgorithm().hex(j.slot()).equals(image.toImageInfo().headSlotDigest())) {
      apply(out, dir, j.image(), j.slot(), j.manifestBytes());
    }
    out.delete(journalRel);
    return true;
  }

  /** Decompressed length of the source (single-frame output declares it up front). */
  private long rawLength(Source source, Opener opener, boolean plainImage) throws IOException {
    if (plainImage) { // a flash checkpoint's memory image: no state of its own
      try (InputStream in = opener.open();
          DecodedStream d = DecodedStream.open(in, source.uri(), options.maxRawBytes())) {
        return d.transferTo(OutputStream.nullOutputStream());
      }
    }
    try (InputStream in = opener.open(); OpenCheckpoint cp = CheckpointReader.open(in, source.uri(), readerOptions())) {
      return cp.drain(null);
    }
  }

  /**
   * Writes the flash image of a flash checkpoint beside the memory image (its name: the memory
   * image's with {@code _memory_} replaced by {@code _flash_}): the first MiB of flash normalized,
   * with a restorer that executes in place at the flash base. Returns {@code m} with the flash
   * image's part.
   */
  private BundleManifest writeFlashImage(FlashBuild flash, BundleManifest.Source recorded, Target target,
      OutputFiles out, BundleManifest m) throws IOException {
    FlashCheckpoint.FlashSource fs = flash.source();
    String file = FlashCheckpoint.flashFileName(target.imageFileName());
    String rel = target.dir() + "/" + file;
    String tmp = Store.temporary(rel);
    PlatformProfile xip = options.platform().inFlashAt(FlashCheckpoint.FLASH_BASE);
    Paired p;
    ImageInfo info;
    NormalizedLayout nl;
    try (OpenCheckpoint cp = CheckpointReader.open(new java.io.ByteArrayInputStream(fs.window()), fs.name(),
        new CheckpointReader.Options(options.vlen(), options.maxRawBytes()))) {
      nl = Normalizer.layoutFor(cp);
      if (options.restorer() instanceof External e) {
        // upstream restorers keep a barrier or data inside themselves: the flash gets gcpt's own
        LOG.debug("{}: the flash image gets gcpt's execute-in-place restorer, not {}", fs.name(), e.name());
      }
      p = pair(cp, nl, xip, true);
      byte[] head = Normalizer.window(cp, nl, p.bytes());
      try (OutputStream o = out.create(tmp)) {
        info = writer.write(head, InputStream.nullInputStream(), 0, o);
      }
    } catch (IOException | RuntimeException e) {
      deleteQuietly(out, tmp, e);
      throw e;
    }
    writeRestorerFile(out, p);
    out.commit(tmp, rel);
    byte[] d = nl.descriptor().encode();
    Map<String, String> commands = new LinkedHashMap<>(m.commands());
    commands.putAll(BundleCommands.flash(options.platform(), target.dir() + "/" + target.imageFileName(),
        target.dir() + "/" + file));
    BundleManifest withCommands = new BundleManifest(m.schema(), m.source(), m.variant(), m.producerLayout(), m.harts(),
        m.vlen(), m.hartStates(), m.descriptor(), m.restorer(), m.image(), m.simpoint(), m.notes(), commands, m.build());
    return withCommands.withFlash(new BundleManifest.Flash(hex(FlashCheckpoint.FLASH_BASE), recorded,
        new BundleManifest.DescriptorInfo(hex(nl.descriptorOffset()), d.length, HexFormat.of().formatHex(d)),
        p.info(), BundleManifest.ImageInfo.of(file, info)));
  }

  private CheckpointReader.Options readerOptions() {
    return new CheckpointReader.Options(options.vlen(), options.maxRawBytes(), options.platform().windowBase());
  }

  /**
   * A resume pc no restorer can continue at is refused: 0 (nothing is mapped there on any of the
   * platforms) or odd (instructions are at least 2-byte aligned).
   */
  private static void checkResumePcs(OpenCheckpoint cp) throws CheckpointException {
    for (HartState h : cp.harts()) {
      long pc = h.pc();
      if (pc == 0 || (pc & 1) != 0) {
        throw new CheckpointException(CheckpointException.Reason.BAD_PC, cp.name() + ": hart " + h.hart()
            + " would resume at pc 0x" + Long.toHexString(pc) + (pc == 0 ? ", where nothing is mapped"
            : ", which is not 2-byte aligned") + ": not a state a restorer can continue");
      }
    }
  }

  /**
   * A note per hart whose resume pc lies outside the platform's DRAM (boot ROM, flash or MMIO
   * code: the simulator must hold it there too).
   */
  private List<String> outsideDram(List<HartState> harts) {
    List<String> notes = new ArrayList<>();
    long base = options.platform().dramBase();
    long end = base + options.platform().dramSize();
    for (HartState h : harts) {
      long pc = h.pc();
      if (Long.compareUnsigned(pc, base) < 0 || Long.compareUnsigned(pc, end) >= 0) {
        notes.add(RESUME_PC_OUTSIDE_DRAM + "hart " + h.hart() + " resumes at pc 0x" + Long.toHexString(pc)
            + ", outside DRAM [0x" + Long.toHexString(base) + ", 0x" + Long.toHexString(end)
            + "): the simulator must hold that code there too");
      }
    }
    return notes;
  }

  /** The source's notes and the resume-pc notes, each once (a regeneration carries the old ones over). */
  private List<String> withPcNotes(List<String> sourceNotes, List<HartState> harts) {
    List<String> all = new ArrayList<>(sourceNotes);
    outsideDram(harts).stream().filter(n -> !all.contains(n)).forEach(all::add);
    return List.copyOf(all);
  }

  /** The restorer for a checkpoint, with what the manifest says about it. */
  private record Paired(byte[] bytes, String sha256, BundleManifest.RestorerInfo info, List<String> notes,
      NormalizedLayout layout, List<HartState> harts, OpenCheckpoint cp) {}

  private Paired pair(OpenCheckpoint cp, NormalizedLayout nl) throws CheckpointException {
    return pair(cp, nl, options.platform(), false);
  }

  /** As {@link #pair(OpenCheckpoint, NormalizedLayout)} for {@code platform}; {@code builtin}: never the external one. */
  private Paired pair(OpenCheckpoint cp, NormalizedLayout nl, PlatformProfile platform, boolean builtin)
      throws CheckpointException {
    checkResumePcs(cp);
    List<String> notes = new ArrayList<>();
    if (!builtin && options.restorer() instanceof External e) {
      if (cp.windowBase() != 0) {
        throw new CheckpointException(CheckpointException.Reason.BAD_RESTORER, cp.name() + ": external restorer "
            + e.name() + " cannot be paired with a window at DRAM offset 0x" + Long.toHexString(cp.windowBase())
            + " (platform " + options.platform().name() + "): upstream restorers assume the window at DRAM start;"
            + " use the built-in restorer, which is position independent");
      }
      if (!e.report().restores(cp.variant(), cp.harts().size())) {
        throw new CheckpointException(CheckpointException.Reason.BAD_RESTORER, cp.name() + ": external restorer "
            + e.name() + " (" + e.report().kind().label() + ", " + e.bytes().length + " bytes) cannot restore "
            + cp.variant() + " images with " + cp.harts().size() + " hart(s); it works for "
            + e.report().worksFor());
      }
      if (e.report().kind() == ExternalRestorer.Kind.LIBCHECKPOINT_ALPHA && cp.harts().stream().anyMatch(x -> x.mode() == 3)) {
        throw new CheckpointException(CheckpointException.Reason.BAD_RESTORER, cp.name() + ": external restorer "
            + e.name() + " (LibCheckpointAlpha) stops with BAD TRAP code 1 on a hart saved in M-mode; use the"
            + " built-in restorer");
      }
      notes.addAll(e.report().notRestored());
      String sha = Sha256.hex(e.bytes());
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("name", e.name());
      params.put("kind", e.report().kind().label());
      params.put("variants", e.report().variants().stream().map(Enum::name).sorted().toList());
      return new Paired(e.bytes(), sha, new BundleManifest.RestorerInfo(sha, e.bytes().length, "external",
          RESTORERS_DIR + sha + ".bin", params, notes), notes, nl, cp.harts(), cp);
    }
    boolean f = cp.harts().stream().anyMatch(HartState::hasFloat);
    boolean v = cp.harts().stream().anyMatch(HartState::hasVector) && nl.descriptor().layout().hasVectorArea();
    boolean h = cp.harts().stream().anyMatch(HartState::hasHypervisor);
    RestorerSpec spec;
    try {
      spec = new RestorerSpec(cp.harts().size(), nl.payloadPosition(), platform, options.vlen(), f, v, h,
          nl.descriptor(), nl.descriptorOffset(), OptionalInt.empty());
    } catch (IllegalArgumentException ex) {
      throw new CheckpointException(CheckpointException.Reason.INCONSISTENT, cp.name() + ": no restorer fits: "
          + ex.getMessage());
    }
    Restorer r;
    try {
      r = restorers.computeIfAbsent(spec, RestorerGenerator::generate);
    } catch (IllegalArgumentException ex) { // e.g. an execute-in-place restorer for more than one hart
      throw new CheckpointException(CheckpointException.Reason.INCONSISTENT, cp.name() + ": no restorer fits: "
          + ex.getMessage());
    }
    if (cp.harts().stream().anyMatch(x -> x.mode() == 3)) {
      notes.add(r.savedMachineModeNote());
    }
    if (cp.variant() == Variant.V2 && cp.harts().stream().anyMatch(HartState::hasVector)) {
      notes.add("XiangShan's rebased QEMU fork saves only 32*vlenb/64 vector words (v0-v3 at VLEN 128):"
          + " vector registers beyond those may be incomplete in the source");
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("harts", spec.harts());
    params.put("platform", platform.name());
    params.put("clintBase", hex(platform.clintBase()));
    platform.xipBase().ifPresent(x -> params.put("executeInPlaceAt", hex(x)));
    params.put("payloadPosition", hex(spec.payloadPosition()));
    params.put("vlen", spec.vlen());
    params.put("float", spec.restoreFloat());
    params.put("vector", spec.restoreVector());
    params.put("hypervisor", spec.restoreHypervisor());
    params.put("descriptorOffset", hex(spec.descriptorOffset()));
    if (options.platform().windowBase() != 0) {
      params.put("windowBase", hex(options.platform().windowBase()));
      params.put("startAddress", hex(options.platform().windowAddress()));
    }
    return new Paired(r.bytes(), r.sha256(), new BundleManifest.RestorerInfo(r.sha256(), r.size(), "generated",
        RESTORERS_DIR + r.sha256() + ".bin", params, notes), notes, nl, cp.harts(), cp);
  }

  private BundleManifest manifest(BundleManifest.Source source, List<String> sourceNotes, Target target, Paired p,
      ImageInfo w, String recipe, String imageRecipe) {
    NormalizedLayout nl = p.layout();
    byte[] d = nl.descriptor().encode();
    List<BundleManifest.Hart> harts = p.harts().stream().map(h -> new BundleManifest.Hart(h.hart(), hex(h.pc()),
        HartState.modeName(h.mode()), h.hasFloat(), h.hasVector(), h.hasHypervisor())).toList();
    String imagePath = target.dir() + "/" + target.imageFileName();
    return new BundleManifest(BundleManifest.SCHEMA, source, nl.variant().name(), nl.variant().producerName(), harts.size(), options.vlen(), harts,
        new BundleManifest.DescriptorInfo(hex(options.platform().windowBase() + nl.descriptorOffset()), d.length,
            HexFormat.of().formatHex(d)),
        p.info(),
        BundleManifest.ImageInfo.of(target.imageFileName(), w),
        target.simpoint(), withPcNotes(sourceNotes, p.harts()), commands(imagePath, harts.size(), w), new BundleManifest.Build(GENERATOR_VERSION,
            recipe, imageRecipe));
  }

  /** The ready-to-paste commands ({@link BundleCommands}); {@code image} is relative to the output root. */
  private Map<String, String> commands(String image, int harts, ImageInfo w) {
    return BundleCommands.of(options.platform(), image, harts, options.vlen(), w.codec(), w.singleFrame());
  }

  private void writeRestorerFile(OutputFiles out, Paired p) throws IOException {
    String rel = p.info().file();
    if (!out.exists(rel)) {
      writeAtomically(out, rel, p.bytes());
    }
  }

  private static void writeManifest(OutputFiles out, String dir, BundleManifest m) throws IOException {
    writeAtomically(out, dir + "/" + MANIFEST, Json.pretty(m).getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes} under a temporary name, then commits them to {@code rel}. */
  private static void writeAtomically(OutputFiles out, String rel, byte[] bytes) throws IOException {
    String tmp = Store.temporary(rel);
    try (OutputStream o = out.create(tmp)) {
      o.write(bytes);
    }
    out.commit(tmp, rel);
  }

  /** The manifest in {@code out}, if there is one that parses. */
  public static Optional<BundleManifest> readManifest(OutputFiles out, String rel) throws IOException {
    if (!out.exists(rel)) {
      return Optional.empty();
    }
    try (InputStream in = out.open(rel)) {
      return Optional.of(Json.mapper().readValue(in, BundleManifest.class));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      return Optional.empty(); // unreadable: rebuild
    }
  }

  private static void deleteQuietly(OutputFiles out, String rel, Exception primary) {
    try {
      out.delete(rel);
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }
}
