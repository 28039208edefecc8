package dev.gcpt.core.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** {@link OutputFiles} on a local directory; commits are atomic renames. */
public final class LocalOutputFiles implements OutputFiles {
  private final Path root;

  public LocalOutputFiles(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  private Path resolve(String rel) throws IOException {
    Path p = root.resolve(rel).normalize();
    if (!p.startsWith(root)) {
      throw new IOException("refusing to write outside the output root: " + rel);
    }
    return p;
  }

  @Override
  public OutputStream create(String rel) throws IOException {
    Path p = resolve(rel);
    makeParent(p);
    return Files.newOutputStream(p);
  }

  @Override
  public void commit(String fromRel, String toRel) throws IOException {
    Path to = resolve(toRel);
    makeParent(to);
    try {
      Files.move(resolve(fromRel), to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(resolve(fromRel), to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Creates {@code p}'s directory if missing (createDirectories alone throws and catches an exception when it exists). */
  private static void makeParent(Path p) throws IOException {
    if (!Files.isDirectory(p.getParent())) {
      Files.createDirectories(p.getParent());
    }
  }

  @Override
  public boolean exists(String rel) throws IOException {
    return Files.exists(resolve(rel));
  }

  @Override
  public InputStream open(String rel) throws IOException {
    return Files.newInputStream(resolve(rel));
  }

  @Override
  public void delete(String rel) throws IOException {
    Files.deleteIfExists(resolve(rel));
  }

  @Override
  public String describe(String rel) {
    return root.resolve(rel).toString();
  }

  @Override
  public long size(String rel) throws IOException {
    return Files.size(resolve(rel));
  }

  @Override
  public boolean canOverwrite() {
    return true;
  }

  @Override
  public void overwrite(String rel, long offset, byte[] bytes) throws IOException {
    overwrite(resolve(rel), offset, bytes);
  }

  /** Writes {@code bytes} at {@code offset} of the existing file {@code file}, neither truncating nor growing it. */
  public static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      if (offset + bytes.length > ch.size()) {
        throw new IOException(file + ": writing " + bytes.length + " bytes at offset " + offset + " would grow the "
            + ch.size() + "-byte file");
      }
      ByteBuffer b = ByteBuffer.wrap(bytes);
      long at = offset;
      while (b.hasRemaining()) {
        at += ch.write(b, at);
      }
    }
  }
}
