package dev.lgr.deploy.image;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Files shipped inside lgr (under a resource folder, in lgr.jar or in target/classes), and their
 * copies in lgr's cache: Jib reads layer files from the file system, and a copy that keeps its path
 * and modification time lets Jib's layer cache recognize it on the next build.
 */
final class BundledFiles {
  /** A bundled file: its path below the resource folder, with '/' separators, and its bytes. */
  record Entry(String path, byte[] bytes) {}

  private BundledFiles() {}

  /** The files below {@code folder} (an absolute resource name), sorted; null when absent. */
  static List<Entry> list(String folder) throws IOException {
    URL url = BundledFiles.class.getResource(folder);
    if (url == null) {
      return null;
    }
    URI uri;
    try {
      uri = url.toURI();
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate " + folder + ": " + url, e);
    }
    if (uri.getScheme().equals("jar")) {
      FileSystem zip;
      try {
        zip = FileSystems.newFileSystem(uri, Map.of());
      } catch (FileSystemAlreadyExistsException e) {
        zip = FileSystems.getFileSystem(uri);
      }
      return read(zip.provider().getPath(uri));
    }
    return read(Path.of(uri));
  }

  private static List<Entry> read(Path root) throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        String path =
            root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
        entries.add(new Entry(path, Files.readAllBytes(file)));
      }
    }
    entries.sort((a, b) -> a.path().compareTo(b.path()));
    return entries;
  }

  /**
   * Writes {@code bytes} to {@code file} unless it already holds them, so that an unchanged file
   * keeps its modification time.
   */
  static Path store(Path file, byte[] bytes) throws IOException {
    if (Files.isRegularFile(file)
        && Files.size(file) == bytes.length
        && Arrays.equals(Files.readAllBytes(file), bytes)) {
      return file;
    }
    Files.createDirectories(file.getParent());
    Path partial = file.resolveSibling(file.getFileName() + ".tmp-" + UUID.randomUUID());
    Files.write(partial, bytes);
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }
}
