package dev.lgr.lambda.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The runner's writable home in Lambda's scratch space. The image's filesystem is read-only and the
 * GitHub runner writes into its own folder ({@code .runner}, {@code _diag}, {@code _work}, {@code
 * run-helper.sh}), so each invocation gets a fresh folder that mirrors the installed runner:
 * top-level files and the native launchers of {@code bin/} ({@code Runner.Listener}, {@code
 * Runner.Worker}, {@code Runner.PluginHost}: .NET app hosts, which find the runner's root from
 * their own resolved path, so they must be real files in the new folder) are copied; every other
 * file of {@code bin/} and all of {@code externals/} are symbolic links. That copies well under a
 * megabyte where copying the ~200 MB tree costs seconds (benchmarks/runner-prep-bench.sh).
 *
 * <p>Layout under the scratch folder: {@code runner/} (the runner's root), {@code home/} ({@code
 * HOME}), {@code tmp/} ({@code TMPDIR}, {@code RUNNER_TEMP}).
 */
final class RunnerHome {
  /** Launchers larger than this are linked all the same (an app host is about 70 KB). */
  static final long COPY_LIMIT_BYTES = 1024 * 1024;

  private final Path root;
  private final Path home;
  private final Path temp;

  private RunnerHome(Path scratch) {
    this.root = scratch.resolve("runner");
    this.home = scratch.resolve("home");
    this.temp = scratch.resolve("tmp");
  }

  /**
   * Empties {@code scratch} (whatever an earlier invocation on this warm container left there) and
   * lays out a runner home mirroring {@code installed}.
   */
  static RunnerHome prepare(Path installed, Path scratch) throws IOException {
    if (!Files.isRegularFile(installed.resolve("run.sh"))) {
      throw new IOException("no GitHub runner at " + installed + " (run.sh is missing)");
    }
    Files.createDirectories(scratch);
    try (Stream<Path> leftovers = Files.list(scratch)) {
      for (Path leftover : (Iterable<Path>) leftovers::iterator) {
        deleteRecursively(leftover);
      }
    }
    RunnerHome runnerHome = new RunnerHome(scratch);
    Files.createDirectories(runnerHome.root);
    Files.createDirectories(runnerHome.home);
    Files.createDirectories(runnerHome.temp);
    try (Stream<Path> entries = Files.list(installed)) {
      for (Path entry : (Iterable<Path>) entries::iterator) {
        Path target = runnerHome.root.resolve(entry.getFileName().toString());
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          if (entry.getFileName().toString().equals("bin")) {
            mirrorBin(entry, target);
          } else {
            Files.createSymbolicLink(target, entry);
          }
        } else {
          Files.copy(entry, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return runnerHome;
  }

  private static void mirrorBin(Path bin, Path target) throws IOException {
    Files.walkFileTree(
        bin,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.createDirectories(target.resolve(bin.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Path copy = target.resolve(bin.relativize(file).toString());
            if (isLauncher(file, attrs)) {
              Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
            } else {
              Files.createSymbolicLink(copy, file);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** The runner's .NET app hosts. */
  private static final Set<String> APP_HOSTS =
      Set.of("Runner.Listener", "Runner.Worker", "Runner.PluginHost");

  /**
   * A native launcher: one of the runner's app hosts, or another executable without an extension
   * (such as {@code createdump}), of modest size.
   */
  private static boolean isLauncher(Path file, BasicFileAttributes attrs) {
    String name = file.getFileName().toString();
    boolean launcherName = APP_HOSTS.contains(name) || name.indexOf('.') < 0;
    return attrs.isRegularFile()
        && attrs.size() <= COPY_LIMIT_BYTES
        && launcherName
        && Files.isExecutable(file);
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        path,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            // Jobs leave read-only folders behind (Go's module cache, for one).
            dir.toFile().setWritable(true, true);
            dir.toFile().setExecutable(true, true);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw new UncheckedIOException(e);
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  Path root() {
    return root;
  }

  Path home() {
    return home;
  }

  Path temp() {
    return temp;
  }
}
