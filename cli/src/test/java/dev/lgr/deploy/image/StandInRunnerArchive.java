package dev.lgr.deploy.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * A small stand-in for the GitHub runner's release archive (which cannot be downloaded here), laid
 * out like the real one: entries under {@code ./}, {@code run.sh} and {@code config.sh} at the top,
 * the runner's launchers in {@code bin/}, node in {@code externals/}, with file modes and a
 * symbolic link as the real archive has them.
 */
final class StandInRunnerArchive {
  private StandInRunnerArchive() {}

  /** The archive's bytes; {@code variant} changes one file, to make a different archive. */
  static byte[] bytes(String variant) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(buffer);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      folder(tar, "./");
      file(
          tar,
          "./run.sh",
          0755,
          "#!/bin/bash\n# stand-in: the runner's entry point\nexec \"$(dirname \"$0\")/bin/Runner.Listener\" run \"$@\"\n");
      file(tar, "./config.sh", 0755, "#!/bin/bash\necho \"stand-in config.sh $*\"\n");
      file(tar, "./env.sh", 0755, "#!/bin/bash\n# stand-in\n");
      file(tar, "./run-helper.sh.template", 0644, "#!/bin/bash\n# template\n");
      folder(tar, "./bin/");
      file(
          tar,
          "./bin/Runner.Listener",
          0755,
          "#!/bin/bash\necho \"stand-in runner " + variant + " $*\"\n");
      file(tar, "./bin/Runner.Listener.dll", 0644, "not a real assembly\n");
      file(tar, "./bin/runner.json", 0664, "{\"variant\":\"" + variant + "\"}\n");
      folder(tar, "./externals/");
      folder(tar, "./externals/node20/");
      folder(tar, "./externals/node20/bin/");
      file(tar, "./externals/node20/bin/node", 0755, "#!/bin/sh\necho v20.0.0\n");
      folder(tar, "./externals/node20/lib/node_modules/npm/bin/");
      file(tar, "./externals/node20/lib/node_modules/npm/bin/npm-cli.js", 0755, "// npm\n");
      TarArchiveEntry link =
          new TarArchiveEntry("./externals/node20/bin/npm", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("../lib/node_modules/npm/bin/npm-cli.js");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
    return buffer.toByteArray();
  }

  /** Writes the archive and returns its SHA-256. */
  static String write(Path file, String variant) throws IOException {
    byte[] bytes = bytes(variant);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, bytes);
    return sha256(bytes);
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(RunnerReleases.sha256().digest(bytes));
  }

  private static void folder(TarArchiveOutputStream tar, String name) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(040755);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, int mode, String text)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(0100000 | mode);
    entry.setSize(bytes.length);
    tar.putArchiveEntry(entry);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }
}
