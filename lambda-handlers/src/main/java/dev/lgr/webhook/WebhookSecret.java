package dev.lgr.webhook;

import java.util.Optional;

/**
 * The webhook secret, cached. Implementations read it from Secrets Manager (Lambda) or a file
 * ({@code lgr serve}).
 */
public interface WebhookSecret {
  /**
   * The key to verify with, read once and then cached.
   *
   * @throws SecretUnavailableException when it cannot be read
   */
  byte[] current();

  /**
   * Reads the secret again, for a signature that did not verify: a rotated secret then works
   * without a redeploy. Implementations limit how often they go to the source, so that unsigned
   * requests cannot turn into a flood of reads.
   *
   * @return the new key when it changed and may be tried, else empty
   */
  Optional<byte[]> refresh();

  /** The secret could not be read (missing, no permission, service down). */
  final class SecretUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SecretUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
