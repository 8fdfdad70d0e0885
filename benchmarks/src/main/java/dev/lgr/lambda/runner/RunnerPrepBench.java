package dev.lgr.lambda.runner;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runner preparation: from the moment the runner function has its JIT configuration (GitHub's
 * latency is not counted) to {@code run.sh} running, with a runner tree of about 200 MB laid out as
 * GitHub's release is (bin/ with many small libraries and a few large ones, externals/node20). Side
 * by side: lgr's {@link RunnerHome} (copy the top level and small launchers, link the rest) and the
 * naive full copy of the tree, both on a warm container (the previous invocation's home still
 * there, as Lambda leaves it).
 *
 * <p>Usage: {@code RunnerPrepBench [runs] [tree-dir] [scratch-dir]}; the tree is generated once in
 * tree-dir (default /tmp/lgr-bench-runner). Prints medians; asserts nothing.
 */
public final class RunnerPrepBench {
  private static final long MB = 1024 * 1024;

  private RunnerPrepBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    Path tree = Path.of(args.length > 1 ? args[1] : "/tmp/lgr-bench-runner");
    Path scratch = Path.of(args.length > 2 ? args[2] : "/tmp/lgr-bench-scratch");
    long size = ensureTree(tree);
    System.out.printf(
        Locale.ROOT,
        "runner tree: %s, %d MB in %d files; scratch: %s; %d runs each%n",
        tree,
        size / MB,
        fileCount(tree),
        scratch,
        runs);

    // Alternate the two so that noise hits both alike; before each timed run, an untimed one of
    // the same kind leaves what a previous invocation of that kind leaves on a warm container
    // (each timed run clears it first, as the function does).
    long[] lgr = new long[runs];
    long[] naive = new long[runs];
    for (int i = 0; i < runs; i++) {
      measure(tree, scratch, false);
      lgr[i] = measure(tree, scratch, false);
      measure(tree, scratch, true);
      naive[i] = measure(tree, scratch, true);
    }
    measure(tree, scratch, false);
    long copied = copiedBytes(scratch.resolve("runner"));
    System.out.printf(
        Locale.ROOT, "%-44s %10s %10s%n", "preparation → run.sh running", "median", "p90");
    row("lgr (copy top level + launchers, link the rest)", lgr);
    row("naive (copy the whole tree)", naive);
    System.out.printf(
        Locale.ROOT,
        "ratio naive/lgr (medians): %.1fx; lgr copies %.1f MB per start%n",
        median(naive) / (double) median(lgr),
        copied / (double) MB);
  }

  /** Milliseconds·1000 (µs) from preparation start to run.sh's first line. */
  private static long measure(Path tree, Path scratch, boolean naive) throws Exception {
    long start = System.nanoTime();
    RunnerHome home;
    if (naive) {
      home = RunnerHome.prepare(emptyTree(scratch), scratch); // clears the scratch as lgr does
      copyAll(tree, home.root());
    } else {
      home = RunnerHome.prepare(tree, scratch);
    }
    CountDownLatch started = new CountDownLatch(1);
    RunnerProcess process =
        RunnerProcess.start(
            home,
            "bench-jit-config",
            Map.of("PATH", System.getenv("PATH"), "HOME", home.home().toString()),
            List.of(),
            line -> {
              if (line.equals("run.sh running")) {
                started.countDown();
              }
            });
    if (!started.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("run.sh did not start");
    }
    long micros = (System.nanoTime() - start) / 1000;
    process.exitCode();
    return micros;
  }

  private static Path emptyTree(Path scratch) throws IOException {
    Path empty = scratch.resolveSibling(scratch.getFileName() + "-empty");
    Files.createDirectories(empty);
    Files.writeString(empty.resolve("run.sh"), "#!/bin/bash\n"); // the full copy replaces it
    return empty;
  }

  private static void copyAll(Path from, Path to) throws IOException {
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.createDirectories(to.resolve(from.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.copy(
                file,
                to.resolve(from.relativize(file).toString()),
                StandardCopyOption.COPY_ATTRIBUTES,
                StandardCopyOption.REPLACE_EXISTING);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * A tree shaped like actions-runner-linux-x64 (about 200 MB): bin/ with ~300 small libraries and
   * ~40 large ones, externals/node20 with one ~110 MB binary and ~1,500 small files, and a run.sh
   * that says it runs and exits.
   */
  private static long ensureTree(Path tree) throws IOException {
    Path marker = tree.resolve(".complete");
    if (Files.exists(marker)) {
      return treeSize(tree);
    }
    Random random = new Random(42);
    Files.createDirectories(tree.resolve("bin"));
    for (int i = 0; i < 300; i++) {
      write(tree.resolve("bin/System.Lib" + i + ".dll"), 64 * 1024, random);
    }
    for (int i = 0; i < 40; i++) {
      write(tree.resolve("bin/Runtime.Big" + i + ".so"), (int) (1536 * 1024), random);
    }
    write(tree.resolve("bin/Runner.Listener"), 72 * 1024, random);
    write(tree.resolve("bin/Runner.Worker"), 72 * 1024, random);
    Path node = tree.resolve("externals/node20");
    Files.createDirectories(node.resolve("bin"));
    write(node.resolve("bin/node"), (int) (110 * MB), random);
    for (int i = 0; i < 1500; i++) {
      Path file = node.resolve("lib/node_modules/npm/m" + (i / 50) + "/f" + i + ".js");
      Files.createDirectories(file.getParent());
      write(file, 8 * 1024, random);
    }
    for (String script : List.of("config.sh", "env.sh", "safe_sleep.sh", "run-helper.sh")) {
      Files.writeString(tree.resolve(script), "#!/bin/bash\nexit 0\n");
    }
    Files.writeString(tree.resolve("run.sh"), "#!/bin/bash\necho 'run.sh running'\nexit 0\n");
    for (Path script :
        List.of(
            tree.resolve("run.sh"),
            node.resolve("bin/node"),
            tree.resolve("bin/Runner.Listener"),
            tree.resolve("bin/Runner.Worker"))) {
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.createFile(marker);
    return treeSize(tree);
  }

  private static void write(Path file, int bytes, Random random) throws IOException {
    byte[] block = new byte[Math.min(bytes, 1 << 20)];
    random.nextBytes(block);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int left = bytes; left > 0; left -= block.length) {
        out.write(block, 0, Math.min(left, block.length));
      }
    }
  }

  private static long treeSize(Path tree) throws IOException {
    try (Stream<Path> files = Files.walk(tree)) {
      return files.filter(Files::isRegularFile).mapToLong(RunnerPrepBench::size).sum();
    }
  }

  private static long fileCount(Path tree) throws IOException {
    try (Stream<Path> files = Files.walk(tree)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  /** Bytes of regular files (copies) under the runner home; symbolic links count nothing. */
  private static long copiedBytes(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .mapToLong(RunnerPrepBench::size)
          .sum();
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private static void row(String name, long[] micros) {
    long[] sorted = micros.clone();
    Arrays.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "%-44s %7.1f ms %7.1f ms%n",
        name,
        median(micros) / 1000.0,
        sorted[(int) Math.ceil(sorted.length * 0.9) - 1] / 1000.0);
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
