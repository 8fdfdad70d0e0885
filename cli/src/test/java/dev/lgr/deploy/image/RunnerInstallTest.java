package dev.lgr.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunnerInstallTest {
  @TempDir Path dir;

  @Test
  void extract_keepsTheLayoutAndModes_onceperChecksum() throws Exception {
    Path archive = dir.resolve("runner.tar.gz");
    String sha = StandInRunnerArchive.write(archive, "one");

    Path root =
        RunnerInstall.extract(archive, sha, "runner", dir.resolve("cache"), BuildListener.silent());

    assertThat(root.getFileName().toString()).isEqualTo("runner-" + sha.substring(0, 12));
    assertThat(root.resolve("run.sh")).isRegularFile();
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(root.resolve("bin/Runner.Listener"))))
        .isEqualTo("rwxr-xr-x");
    assertThat(Files.isSymbolicLink(root.resolve("externals/node20/bin/npm"))).isTrue();
    var modified = Files.getLastModifiedTime(root.resolve("run.sh"));
    assertThat(
            RunnerInstall.extract(
                archive, sha, "runner", dir.resolve("cache"), BuildListener.silent()))
        .isEqualTo(root);
    assertThat(Files.getLastModifiedTime(root.resolve("run.sh"))).isEqualTo(modified);
  }

  @Test
  void layer_putsTheRunnerAtOptActionsRunner_readableByAll_linksAsCopies() throws Exception {
    Path archive = dir.resolve("runner.tar.gz");
    String sha = StandInRunnerArchive.write(archive, "one");
    Path root =
        RunnerInstall.extract(archive, sha, "runner", dir.resolve("cache"), BuildListener.silent());

    FileEntriesLayer layer = RunnerInstall.layer(root, BuildListener.silent());

    Map<String, String> modes = new TreeMap<>();
    for (FileEntry entry : layer.getEntries()) {
      modes.put(entry.getExtractionPath().toString(), entry.getPermissions().toOctalString());
    }
    assertThat(modes)
        .containsEntry("/opt/actions-runner/run.sh", "755")
        .containsEntry("/opt/actions-runner/bin/Runner.Listener.dll", "644")
        .containsEntry("/opt/actions-runner/bin/runner.json", "664")
        .containsEntry("/opt/actions-runner/bin", "755")
        .containsEntry("/opt/actions-runner/externals/node20/bin/npm", "755");
    FileEntry npm =
        layer.getEntries().stream()
            .filter(e -> e.getExtractionPath().toString().endsWith("/bin/npm"))
            .findFirst()
            .orElseThrow();
    assertThat(npm.getSourceFile())
        .isEqualTo(root.resolve("externals/node20/lib/node_modules/npm/bin/npm-cli.js"));
  }

  @Test
  void anEntryLeavingTheRunnersFolder_isRefused() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GzipCompressorOutputStream(buffer))) {
      TarArchiveEntry entry = new TarArchiveEntry("./../escape.sh");
      entry.setSize(2);
      tar.putArchiveEntry(entry);
      tar.write("x\n".getBytes());
      tar.closeArchiveEntry();
    }
    Path archive = Files.write(dir.resolve("evil.tar.gz"), buffer.toByteArray());

    assertThatThrownBy(
            () ->
                RunnerInstall.extract(
                    archive, "a".repeat(64), "evil", dir.resolve("cache"), BuildListener.silent()))
        .isInstanceOf(ImageBuildException.class)
        .hasMessageContaining("points outside the runner's folder");
    assertThat(dir.resolve("escape.sh")).doesNotExist();
    try (var left = Files.list(dir.resolve("cache"))) {
      assertThat(left).as("no half-unpacked folder left").isEmpty();
    }
  }
}
