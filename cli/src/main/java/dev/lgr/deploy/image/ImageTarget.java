package dev.lgr.deploy.image;

import com.google.cloud.tools.jib.api.ImageReference;
import java.nio.file.Path;

/** Where the built image goes. */
public sealed interface ImageTarget {
  /** The image's name (and, for a registry, where it is pushed). */
  ImageReference image();

  /**
   * Pushed to a registry (ECR or any other).
   *
   * @param image the repository, with a tag or without (then the tag names the runner release)
   */
  record Registry(ImageReference image) implements ImageTarget {}

  /**
   * Written as a tarball that {@code docker load} reads.
   *
   * @param file the tarball
   * @param image the name inside it
   */
  record Tar(Path file, ImageReference image) implements ImageTarget {}
}
