package dev.lgr.deploy.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The runner function's jars: its libraries and its own jar, each its own layer in {@code
 * /var/task/lib} so that a change to the function alone pushes one small layer.
 *
 * @param dependencies the libraries, in a stable order
 * @param function the lambda-handlers jar holding {@link ImageService#HANDLER}
 */
public record FunctionJars(List<Path> dependencies, Path function) {
  /** Where lgr.jar holds them: {@code deps/} and {@code function/} below this resource folder. */
  static final String RESOURCE = "/lambda-lib";

  public FunctionJars {
    dependencies = List.copyOf(dependencies);
    for (Path jar : dependencies) {
      requireFile(jar);
    }
    requireFile(function);
  }

  private static void requireFile(Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw new ImageBuildException(
          ImageBuildException.Kind.INPUT, "the runner function's jar " + jar + " is missing");
    }
  }

  /**
   * The jars lgr was built with (lgr.jar's {@code lambda-lib/}), copied into {@code cache} under
   * their checksums, so that an installed lgr builds the image without Maven.
   */
  public static FunctionJars bundled(Path cache) {
    try {
      List<BundledFiles.Entry> deps = BundledFiles.list(RESOURCE + "/deps");
      List<BundledFiles.Entry> function = BundledFiles.list(RESOURCE + "/function");
      if (deps == null || function == null || function.size() != 1) {
        throw new ImageBuildException(
            ImageBuildException.Kind.STATE,
            "this build of lgr does not hold the runner function's jars (lambda-lib/);"
                + " build lgr with ./mvnw package (or install.sh)");
      }
      List<Path> libraries = new ArrayList<>();
      for (BundledFiles.Entry jar : deps) {
        libraries.add(store(cache, jar));
      }
      return new FunctionJars(libraries, store(cache, function.get(0)));
    } catch (IOException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE,
          "cannot copy the runner function's jars into " + cache + ": " + e.getMessage(),
          e);
    }
  }

  private static Path store(Path cache, BundledFiles.Entry jar) throws IOException {
    byte[] digest = RunnerReleases.sha256().digest(jar.bytes());
    String key = HexFormat.of().formatHex(digest, 0, 8);
    String name = jar.path().substring(jar.path().lastIndexOf('/') + 1);
    return BundledFiles.store(cache.resolve(key).resolve(name), jar.bytes());
  }
}
