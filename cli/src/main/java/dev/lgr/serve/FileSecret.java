package dev.lgr.serve;

import dev.lgr.webhook.CachedSecret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The webhook secret from a file (one line; surrounding white space ignored), read again when a
 * signature fails, so that rotating the file needs no restart.
 */
public final class FileSecret extends CachedSecret {
  private final Path file;

  public FileSecret(Path file, Duration minRefreshInterval) {
    super(minRefreshInterval, System::nanoTime);
    this.file = file;
  }

  @Override
  protected String load() {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new SecretUnavailableException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
