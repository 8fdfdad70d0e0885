package dev.lgr.webhook;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A {@link WebhookSecret} read from a source on first use, cached across warm invocations, and read
 * again on a failed signature at most once per {@code minRefreshInterval}.
 */
public abstract class CachedSecret implements WebhookSecret {
  private final long minRefreshNanos;
  private final LongSupplier nanoClock;
  private byte[] key;
  private long loadedAt;

  protected CachedSecret(Duration minRefreshInterval, LongSupplier nanoClock) {
    this.minRefreshNanos = minRefreshInterval.toNanos();
    this.nanoClock = nanoClock;
  }

  /**
   * Reads the secret's text from its source.
   *
   * @throws SecretUnavailableException when it cannot
   */
  protected abstract String load();

  @Override
  public synchronized byte[] current() {
    if (key == null) {
      key = read();
    }
    return key;
  }

  @Override
  public synchronized Optional<byte[]> refresh() {
    if (key != null && nanoClock.getAsLong() - loadedAt < minRefreshNanos) {
      return Optional.empty();
    }
    byte[] previous = key;
    key = read();
    return Arrays.equals(previous, key) ? Optional.empty() : Optional.of(key);
  }

  private byte[] read() {
    // A failed read counts too: a store that is down is not asked again for every bad signature.
    loadedAt = nanoClock.getAsLong();
    String text = load();
    if (text == null || text.isEmpty()) {
      throw new SecretUnavailableException("the webhook secret is empty", null);
    }
    return WebhookSignature.key(text);
  }
}
