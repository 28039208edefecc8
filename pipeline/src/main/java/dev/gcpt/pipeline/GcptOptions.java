package dev.gcpt.pipeline;

import dev.gcpt.pipeline.io.GcptS3Options;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** The pipeline's options (on top of Beam's and S3's). */
public interface GcptOptions extends GcptS3Options {
  @Description("Set root: a local directory or an s3:// prefix holding the checkpoints and their metadata.")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("Output root (local directory or s3:// prefix).")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description("Platform profile: xiangshan, nemu, gem5 or qemu-virt.")
  @Default.String("xiangshan")
  String getPlatform();

  void setPlatform(String value);

  @Description("builtin (a restorer generated per distinct spec) or the URI of a gcpt.bin to pair with all.")
  @Default.String("builtin")
  String getRestorer();

  void setRestorer(String value);

  @Description("Output codec: zstd or gz.")
  @Default.String("zstd")
  String getCodec();

  void setCodec(String value);

  @Description("Compression level; 0 = the codec's default (zstd 1, gzip 6).")
  @Default.Integer(0)
  int getLevel();

  void setLevel(int value);

  @Description("Raw size of a body frame in MiB.")
  @Default.Integer(8)
  int getFrameMib();

  void setFrameMib(int value);

  @Description("Compression threads per image; 0 (default) decodes, hashes and compresses on the worker's own"
      + " thread: the runner already runs one checkpoint per worker, one worker per core.")
  @Default.Integer(0)
  int getImageThreads();

  void setImageThreads(int value);

  @Description("Write each image as a single zstd frame (for XiangShan's QEMU fork).")
  @Default.Boolean(false)
  boolean getSingleFrame();

  void setSingleFrame(boolean value);

  @Description("VLEN in bits of the saved vector state.")
  @Default.Integer(128)
  int getVlen();

  void setVlen(int value);

  @Description("Refuse images that decompress to more than this many GiB.")
  @Default.Long(64)
  long getMaxImageGib();

  void setMaxImageGib(long value);

  @Description("Attempts per checkpoint on storage errors (with exponential backoff) before it becomes a failure.")
  @Default.Integer(NormalizeCheckpoints.Config.DEFAULT_IO_ATTEMPTS)
  int getIoAttempts();

  void setIoAttempts(int value);
}
