package dev.lgr.lambda.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Installs the stand-in runner archive (test resources, runner-standin/) into a folder. */
final class StandInRunner {
  private StandInRunner() {}

  /** Copies the stand-in to {@code target}, scripts executable, with the given behaviour. */
  static Path install(Path target, String behaviour) {
    try {
      Path source = Path.of(StandInRunner.class.getResource("/runner-standin").toURI());
      try (Stream<Path> files = Files.walk(source)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Path copy = target.resolve(source.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(copy);
          } else {
            Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
            String name = file.getFileName().toString();
            if (name.endsWith(".sh") || name.equals("Runner.Listener") || name.equals("node")) {
              copy.toFile().setExecutable(true);
            }
          }
        }
      }
      Files.writeString(target.resolve("behaviour"), behaviour);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
