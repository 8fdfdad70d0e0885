package dev.lgr.deploy.image;

import com.google.cloud.tools.jib.api.ImageReference;
import java.time.Duration;

/**
 * What was built.
 *
 * @param image the image's name with its tag
 * @param digest the image manifest's digest ({@code sha256:…}), what Lambda deploys
 * @param imageId the digest of the image's configuration
 * @param runner the GitHub runner release inside
 * @param arch the architecture
 * @param baseImage the base image
 * @param layers how many layers lgr added on top of the base image's
 * @param layersPushed layers (of the base or lgr's) sent to the registry, or mounted there from
 *     another of its repositories; 0 for a tarball
 * @param layersPresent layers the registry already had
 * @param bytesPushed the size of the layers pushed
 * @param elapsed how long the build took
 */
public record ImageBuildResult(
    ImageReference image,
    String digest,
    String imageId,
    RunnerRelease runner,
    Arch arch,
    String baseImage,
    int layers,
    int layersPushed,
    int layersPresent,
    long bytesPushed,
    Duration elapsed) {

  /** {@code registry/repository@sha256:…}: the image, pinned. */
  public String referenceByDigest() {
    return image.getRegistry() + "/" + image.getRepository() + "@" + digest;
  }
}
