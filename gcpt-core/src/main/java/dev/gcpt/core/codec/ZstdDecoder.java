package dev.gcpt.core.codec;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Strict zstd decoder: any number of frames (data or skippable), decoded into the caller's array.
 * libzstd checks each frame's content checksum; this class adds what a streaming loop does not:
 * the input ending inside a frame is an error, never a short image, and a frame must hold exactly
 * the content size its header declares (libzstd's streaming decoder does not check it when the
 * frame ends in an empty block, the usual shape of a streamed frame).
 * A frame ends when {@code ZSTD_decompressStream} returns 0 (frame decoded, checksum checked,
 * everything flushed).
 */
final class ZstdDecoder implements Decoder {
  private final CompressedInput input;
  private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();
  private final ByteBuffer src;
  private final Consumer<Frame> frames;
  private boolean inFrame;
  private long frameIndex;
  private long frameStart;
  private long frameRawStart;
  private boolean frameSkippable;
  /** The frame's declared content size, or {@link ZstdFormat#CONTENT_SIZE_UNKNOWN}. */
  private long frameDeclared;
  private long raw;

  ZstdDecoder(CompressedInput input, Consumer<Frame> frames) {
    this.input = input;
    this.src = ByteBuffer.wrap(input.buffer);
    this.frames = frames;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    ByteBuffer dst = ByteBuffer.wrap(b, off, len);
    while (true) {
      if (input.available() == 0 && input.fill() < 0) {
        if (inFrame) {
          throw MalformedStreamException.truncated("truncated frame " + frameIndex + " (input ends inside it; frame started at"
              + " compressed offset 0x" + Long.toHexString(frameStart) + ")");
        }
        return -1;
      }
      if (!inFrame) {
        inFrame = true;
        frameStart = input.position();
        frameRawStart = raw;
        frameSkippable = isSkippableMagic();
        frameDeclared = frameSkippable ? ZstdFormat.CONTENT_SIZE_UNKNOWN : declaredContentSize();
      }
      src.limit(input.limit).position(input.pos);
      int before = input.pos;
      boolean frameDone;
      try {
        frameDone = ctx.decompressByteBufferStream(dst, src);
      } catch (ZstdException e) {
        throw MalformedStreamException.corrupt("corrupt frame " + frameIndex + " (started at compressed offset 0x"
            + Long.toHexString(frameStart) + "): " + e.getMessage(), e);
      }
      input.pos = src.position();
      int produced = dst.position() - off;
      raw += produced;
      if (frameDone) {
        inFrame = false;
        long held = raw - frameRawStart;
        if (frameDeclared != ZstdFormat.CONTENT_SIZE_UNKNOWN && held != frameDeclared) {
          throw MalformedStreamException.corrupt("frame " + frameIndex + " declares " + frameDeclared
              + " bytes of content and holds " + held + " (started at compressed offset 0x"
              + Long.toHexString(frameStart) + ")");
        }
        if (frames != null) {
          frames.accept(new Frame(frameIndex, frameStart, input.position() - frameStart, frameRawStart,
              raw - frameRawStart, frameSkippable));
        }
        frameIndex++;
      }
      if (produced > 0) {
        return produced;
      }
      if (!frameDone && input.pos == before && input.available() > 0) {
        throw MalformedStreamException.corrupt("zstd made no progress in frame " + frameIndex);
      }
    }
  }

  private boolean isSkippableMagic() throws IOException {
    if (input.fillAtLeast(ZstdFormat.MAGIC_SIZE) < ZstdFormat.MAGIC_SIZE) {
      return false;
    }
    return ZstdFormat.isSkippableMagic(ZstdFormat.readIntLE(input.buffer, input.pos));
  }

  /**
   * The content size the frame header at the input's position declares; unknown when the header
   * is not all there or is malformed (libzstd then reports what is wrong with it).
   */
  private long declaredContentSize() throws IOException {
    if (input.fillAtLeast(ZstdFormat.MIN_FRAME_HEADER_SIZE) < ZstdFormat.MIN_FRAME_HEADER_SIZE
        || ZstdFormat.readIntLE(input.buffer, input.pos) != ZstdFormat.MAGIC) {
      return ZstdFormat.CONTENT_SIZE_UNKNOWN;
    }
    int size = ZstdFormat.frameHeaderSize(input.buffer[input.pos + ZstdFormat.MAGIC_SIZE] & 0xFF);
    if (input.fillAtLeast(size) < size) {
      return ZstdFormat.CONTENT_SIZE_UNKNOWN;
    }
    try {
      return ZstdFormat.parseFrameHeader(input.buffer, input.pos).contentSize();
    } catch (IllegalArgumentException e) {
      return ZstdFormat.CONTENT_SIZE_UNKNOWN;
    }
  }

  @Override
  public long compressedPosition() {
    return input.position();
  }

  @Override
  public void close() throws IOException {
    ctx.close();
    input.close();
  }
}
