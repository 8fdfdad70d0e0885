package dev.lgr.deploy.image;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import dev.lgr.testing.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/** Images and jars for the image tests, which cannot reach public registries. */
final class TestImages {
  private TestImages() {}

  /**
   * Pushes a tiny stand-in for the Lambda Java base image to {@code registry}, for linux/amd64 and
   * linux/arm64: FROM scratch, the Lambda image's entry point script and its conventions
   * (ENTRYPOINT, LAMBDA_TASK_ROOT, working directory).
   *
   * @return its reference
   */
  static String pushBase(RegistryServer registry, String repository, Path work) throws Exception {
    Files.createDirectories(work);
    Path entrypoint =
        Files.writeString(work.resolve("lambda-entrypoint.sh"), "#!/bin/sh\nexec \"$@\"\n");
    Path release = Files.writeString(work.resolve("os-release"), "NAME=\"stand-in\"\n");
    ImageReference image = ImageReference.parse(registry.host() + "/" + repository + ":test");
    Jib.fromScratch()
        .setPlatforms(Set.of(new Platform("amd64", "linux"), new Platform("arm64", "linux")))
        .addFileEntriesLayer(
            FileEntriesLayer.builder()
                .addEntry(
                    entrypoint,
                    AbsoluteUnixPath.get("/lambda-entrypoint.sh"),
                    FilePermissions.fromOctalString("755"))
                .addEntry(release, AbsoluteUnixPath.get("/etc/os-release"))
                .build())
        .setEntrypoint(List.of("/lambda-entrypoint.sh"))
        .addEnvironmentVariable("LAMBDA_TASK_ROOT", "/var/task")
        .setWorkingDirectory(AbsoluteUnixPath.get("/var/task"))
        .containerize(
            Containerizer.to(
                    RegistryImage.named(image)
                        .addCredential(RegistryServer.USER, RegistryServer.PASSWORD))
                .setBaseImageLayersCache(work.resolve("jib-base"))
                .setApplicationLayersCache(work.resolve("jib-app")));
    return image.toString();
  }

  /** A small jar holding one resource with {@code text}, to stand in for a function jar. */
  static Path jar(Path file, String text) throws Exception {
    Files.createDirectories(file.getParent());
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(file))) {
      JarEntry entry = new JarEntry("dev/lgr/standin.txt");
      entry.setTime(0);
      jar.putNextEntry(entry);
      jar.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      jar.closeEntry();
    }
    return file;
  }
}
