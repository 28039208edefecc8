package dev.gcpt.core.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;

/**
 * The local disk as a {@link Store}: paths (absolute or relative to the working directory) and
 * {@code file:} URIs. Lists by walking the directory and following symbolic links (a loop is
 * detected, not followed); listed files are named by absolute, normalized path.
 */
final class LocalStore implements Store {
  static final LocalStore INSTANCE = new LocalStore();

  private LocalStore() {}

  @Override
  public InputStream open(String uri) throws IOException {
    try {
      return Files.newInputStream(Uris.localPath(uri));
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("no such file: " + uri);
    }
  }

  @Override
  public boolean exists(String uri) {
    return Files.isRegularFile(Uris.localPath(uri));
  }

  @Override
  public Entry stat(String uri) throws IOException {
    Path p = Uris.localPath(uri);
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("no such file: " + uri);
    }
    if (!a.isRegularFile()) {
      throw new FileNotFoundException("not a file: " + uri);
    }
    return new Entry(p.toString(), a.size(), a.lastModifiedTime().toMillis(), null);
  }

  /**
   * Walks the directory. Beam's local match goes through name strings and silently drops a file
   * whose name is not valid UTF-8; the walk keeps it. Nothing is dropped without a word: an entry
   * that is not a readable regular file comes back as {@link Entry#unusable}.
   */
  @Override
  public List<Entry> list(String root) throws IOException {
    Path base = Uris.localPath(root).toAbsolutePath().normalize();
    List<Entry> out = new ArrayList<>();
    if (!Files.isDirectory(base)) {
      return out;
    }
    Files.walkFileTree(base, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path p, BasicFileAttributes a) {
            if (a.isRegularFile()) {
              out.add(new Entry(p.toString(), a.size(), a.lastModifiedTime().toMillis(), null));
            } else if (a.isSymbolicLink()) {
              // following it failed: the walk hands over the link itself
              out.add(Entry.unusable(p.toString(), "a symbolic link that does not resolve (to "
                  + linkTarget(p) + ")"));
            } else if (!a.isDirectory()) {
              out.add(Entry.unusable(p.toString(), "not a regular file (" + (Files.isSymbolicLink(p)
                  ? "a symbolic link to " + linkTarget(p) + ", " : "") + "a FIFO, socket or device)"));
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path p, IOException e) {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE; // deleted while the set was walked
            }
            out.add(Entry.unusable(p.toString(), (Files.isDirectory(p) ? "directory: " : "") + describe(e)));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) {
            if (e != null) {
              out.add(Entry.unusable(dir.toString(), "directory: " + describe(e)));
            }
            return FileVisitResult.CONTINUE;
          }
        });
    out.sort(Comparator.comparing(Entry::uri));
    return out;
  }

  private static String linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "?";
    }
  }

  private static String describe(IOException e) {
    if (e instanceof FileSystemLoopException) {
      return "a symbolic link loop (it leads back to a directory above it)";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
    return "cannot be read: " + reason;
  }
}
