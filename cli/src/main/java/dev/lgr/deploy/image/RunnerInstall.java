package dev.lgr.deploy.image;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The GitHub runner as installed in the image: its release archive extracted once per checksum into
 * lgr's cache (so that Jib's layer cache recognizes unchanged files), and the image layer made from
 * it.
 *
 * <p>File modes come from the archive, widened so that Lambda's unprivileged user can read every
 * file and run every executable ({@code 0644} and {@code 0755} at least). Jib cannot write symbolic
 * links into a layer, so a link inside the archive becomes a copy of what it points to.
 */
final class RunnerInstall {
  /** Where the runner lives in the image (the runner function's {@code LGR_RUNNER_DIR}). */
  static final AbsoluteUnixPath TARGET = AbsoluteUnixPath.get("/opt/actions-runner");

  private RunnerInstall() {}

  /**
   * The archive's files under {@code cache}, extracted on first use into a folder named after the
   * archive's checksum and moved into place only when complete.
   */
  static Path extract(
      Path archive, String sha256, String name, Path cache, BuildListener listener) {
    Path root = cache.resolve(name + "-" + sha256.substring(0, 12));
    if (Files.isDirectory(root)) {
      return root;
    }
    Path partial = cache.resolve(root.getFileName() + ".tmp-" + UUID.randomUUID());
    listener.step("Unpacking " + archive.getFileName());
    try {
      Files.createDirectories(partial);
      unpack(archive, partial, listener);
      try {
        Files.move(partial, root, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        // another lgr got there first
        deleteTree(partial);
      } catch (IOException e) {
        if (!Files.isDirectory(root)) {
          throw e;
        }
        deleteTree(partial);
      }
      return root;
    } catch (IOException e) {
      deleteTree(partial);
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE,
          "cannot unpack " + archive.getFileName() + " into " + cache + ": " + e.getMessage(),
          e);
    }
  }

  /** Extracts a {@code .tar.gz}; refuses entries that would land outside {@code root}. */
  static void unpack(Path archive, Path root, BuildListener listener) throws IOException {
    Path base = root.toAbsolutePath().normalize();
    try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
        GzipCompressorInputStream gzip = new GzipCompressorInputStream(file, true);
        TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        String name = relative(entry.getName());
        if (name.isEmpty()) {
          continue;
        }
        Path path = inside(base, base.resolve(name), entry.getName());
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(path.getParent());
          Path target = path.getParent().resolve(entry.getLinkName()).normalize();
          if (!target.startsWith(base)) {
            listener.log(
                Level.WARNING,
                "skipping " + name + ": a link to " + entry.getLinkName() + " outside the runner");
            continue;
          }
          Files.deleteIfExists(path);
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          Path source = inside(base, base.resolve(relative(entry.getLinkName())), entry.getName());
          Files.createDirectories(path.getParent());
          Files.copy(source, path, StandardCopyOption.REPLACE_EXISTING);
        } else if (entry.isFile()) {
          Files.createDirectories(path.getParent());
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(path, posix((entry.getMode() & 0777) | 0600));
        } else {
          listener.log(Level.DEBUG, "skipping " + name + ": not a file, folder or link");
        }
      }
    }
  }

  /** The layer holding the runner at {@link #TARGET}, files sorted, modes widened. */
  static FileEntriesLayer layer(Path root, BuildListener listener) {
    FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("github runner");
    try {
      add(layer, root, root, TARGET, new HashSet<>(), listener);
    } catch (IOException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE, "cannot read the unpacked runner in " + root, e);
    }
    return layer.build();
  }

  private static void add(
      FileEntriesLayer.Builder layer,
      Path root,
      Path folder,
      AbsoluteUnixPath target,
      Set<Path> seen,
      BuildListener listener)
      throws IOException {
    if (!seen.add(folder.toRealPath())) {
      return;
    }
    List<Path> children;
    try (Stream<Path> list = Files.list(folder)) {
      children = new ArrayList<>(list.sorted(Comparator.comparing(Path::toString)).toList());
    }
    for (Path child : children) {
      String name = child.getFileName().toString();
      AbsoluteUnixPath destination = target.resolve(name);
      Path real = child;
      if (Files.isSymbolicLink(child)) {
        real = child.getParent().resolve(Files.readSymbolicLink(child)).normalize();
        if (!real.startsWith(root) || !Files.exists(real)) {
          listener.log(
              Level.WARNING,
              "skipping " + root.relativize(child) + ": a link to nothing inside the runner");
          continue;
        }
      }
      if (Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
        layer.addEntry(real, destination, FilePermissions.DEFAULT_FOLDER_PERMISSIONS);
        add(layer, root, real, destination, seen, listener);
      } else if (Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
        layer.addEntry(real, destination, widened(Files.getPosixFilePermissions(real)));
      }
    }
    seen.remove(folder.toRealPath());
  }

  /** Read for all; executable for all when executable for anyone. */
  static FilePermissions widened(Set<PosixFilePermission> permissions) {
    int mode = FilePermissions.fromPosixFilePermissions(permissions).getPermissionBits() | 0444;
    if ((mode & 0111) != 0) {
      mode |= 0555;
    }
    return FilePermissions.fromOctalString(String.format("%03o", mode));
  }

  private static String relative(String name) {
    String path = name.replace('\\', '/');
    while (path.startsWith("./")) {
      path = path.substring(2);
    }
    if (path.equals(".")) {
      return "";
    }
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static Path inside(Path base, Path path, String name) throws IOException {
    Path normalized = path.normalize();
    if (!normalized.startsWith(base) || normalized.equals(base)) {
      throw new IOException("the archive entry '" + name + "' points outside the runner's folder");
    }
    return normalized;
  }

  private static Set<PosixFilePermission> posix(int mode) {
    // PosixFilePermission's constants run from OWNER_READ (0400) to OTHERS_EXECUTE (0001).
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = PosixFilePermission.values();
    for (int i = 0; i < all.length; i++) {
      if ((mode & (0400 >> i)) != 0) {
        permissions.add(all[i]);
      }
    }
    return permissions;
  }

  static void deleteTree(Path path) {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(each);
      }
    } catch (IOException ignored) {
      // a leftover temporary folder in the cache is harmless
    }
  }
}
