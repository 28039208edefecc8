package dev.gcpt.core.read;

import static dev.gcpt.core.json.Json.hex;

import dev.gcpt.core.state.Csr;
import dev.gcpt.core.state.HartState;
import java.util.List;

/**
 * What {@code gcpt inspect} reports about one checkpoint, in a JSON-friendly shape (addresses
 * and CSR values as hex strings).
 */
public record CheckpointSummary(
    String input,
    String variant,
    String producerLayout,
    String codec,
    long imageLength,
    long compressedLength,
    long windowLength,
    int harts,
    List<Hart> hartStates,
    Restorer embeddedRestorer,
    List<String> notes) {

  /** One hart's headline state. */
  public record Hart(int hart, String pc, String mode, boolean floatState, boolean vectorState,
      boolean hypervisorState, String mtime, String mtimecmp, String misa, String mstatus) {

    public static Hart of(HartState h) {
      return new Hart(h.hart(), hex(h.pc()), HartState.modeName(h.mode()), h.hasFloat(), h.hasVector(),
          h.hasHypervisor(), hex(h.mtime()), hex(h.mtimecmp()), hex(h.csr(Csr.MISA)), hex(h.csr(Csr.MSTATUS)));
    }
  }

  /** The restorer a source image carries at offset 0. */
  public record Restorer(long size, boolean complete, String flagOffset, String sha256, String kind) {
    static Restorer of(EmbeddedRestorer e) {
      return new Restorer(e.size(), e.complete(), e.complete() ? hex(e.flagOffset()) : null, e.sha256(), e.kind());
    }
  }

  /** Summarizes a checkpoint whose stream has been drained (so the lengths are final). */
  public static CheckpointSummary of(OpenCheckpoint cp) {
    return new CheckpointSummary(cp.name(), cp.variant().name(), cp.variant().producerName(),
        cp.codec().cliName(), cp.position(), cp.compressedPosition(), cp.windowLength(), cp.harts().size(),
        cp.harts().stream().map(Hart::of).toList(),
        cp.embeddedRestorer().map(Restorer::of).orElse(null), cp.notes());
  }
}
