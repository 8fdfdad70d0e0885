package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgr.webhook.WebhookFixtures.MemoryQueue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cached webhook secret: one read, a bounded number of re-reads, rotation, failures. */
class CachedSecretTest {
  private static final Duration INTERVAL = Duration.ofSeconds(1);

  private long now = 1_000_000_000L;
  private String stored = "first-secret";
  private RuntimeException failure;
  private int loads;

  private final CachedSecret secret =
      new CachedSecret(INTERVAL, () -> now) {
        @Override
        protected String load() {
          loads++;
          if (failure != null) {
            throw failure;
          }
          return stored;
        }
      };

  @Test
  void current_readsTheStoreOnce() {
    for (int i = 0; i < 5; i++) {
      assertThat(secret.current()).isEqualTo(bytes("first-secret"));
    }
    assertThat(loads).isEqualTo(1);
  }

  @Test
  void refresh_withinTheInterval_doesNotReadTheStore() {
    secret.current();
    now += INTERVAL.toNanos() - 1;

    assertThat(secret.refresh()).isEmpty();
    assertThat(loads).isEqualTo(1);
  }

  @Test
  void refresh_afterTheInterval_readsOnce_andIsEmptyWhenUnchanged() {
    secret.current();
    now += INTERVAL.toNanos();

    assertThat(secret.refresh()).isEmpty();
    assertThat(secret.refresh()).isEmpty();
    assertThat(loads).isEqualTo(2);
  }

  @Test
  void refresh_ofARotatedSecret_givesTheNewKey_whichIsThenCurrent() {
    secret.current();
    stored = "second-secret";
    now += INTERVAL.toNanos();

    assertThat(secret.refresh()).contains(bytes("second-secret"));
    assertThat(secret.current()).isEqualTo(bytes("second-secret"));
    assertThat(loads).isEqualTo(2);
  }

  @Test
  void emptySecret_isUnavailable() {
    for (String empty : new String[] {"", null}) {
      stored = empty;
      assertThatThrownBy(secret::current)
          .isInstanceOf(WebhookSecret.SecretUnavailableException.class)
          .hasMessageContaining("empty");
    }
  }

  @Test
  void failedFirstRead_isTriedAgainOnTheNextDelivery() {
    failure = new WebhookSecret.SecretUnavailableException("no permission", null);
    assertThatThrownBy(secret::current).isSameAs(failure);

    failure = null;
    assertThat(secret.current()).isEqualTo(bytes("first-secret"));
  }

  @Test
  void failingStore_isNotAskedAgainWithinTheInterval() {
    secret.current();
    failure = new WebhookSecret.SecretUnavailableException("throttled", null);
    now += INTERVAL.toNanos();

    assertThatThrownBy(secret::refresh).isSameAs(failure);
    for (int i = 0; i < 10; i++) {
      assertThat(secret.refresh()).isEmpty();
    }
    assertThat(loads).isEqualTo(2);
    assertThat(secret.current()).isEqualTo(bytes("first-secret"));
  }

  @Test
  void failedSignatures_sendTheServiceToTheStoreAtMostOncePerInterval() {
    MemoryQueue queue = new MemoryQueue();
    WebhookService service =
        new WebhookService(
            new RoutingRules(List.of("self-hosted"), List.of("o/r"), List.of()),
            secret,
            queue,
            line -> {});
    byte[] ping = WebhookFixtures.of("ping").get(0).body();
    Map<String, String> good =
        WebhookFixtures.headers("first-secret", "ping", ping, "application/json");
    Map<String, String> forged =
        WebhookFixtures.headers("guessed", "ping", ping, "application/json");

    assertThat(service.handle(new HttpRequest("POST", good, ping)).status()).isEqualTo(200);
    for (int i = 0; i < 20; i++) {
      assertThat(service.handle(new HttpRequest("POST", forged, ping)).status()).isEqualTo(401);
    }
    assertThat(loads).as("just read: no re-read yet").isEqualTo(1);

    now += INTERVAL.toNanos();
    for (int i = 0; i < 20; i++) {
      assertThat(service.handle(new HttpRequest("POST", forged, ping)).status()).isEqualTo(401);
    }
    assertThat(loads).as("one re-read for 20 forged deliveries").isEqualTo(2);

    now += INTERVAL.toNanos();
    assertThat(service.handle(new HttpRequest("POST", forged, ping)).status()).isEqualTo(401);
    assertThat(loads).isEqualTo(3);

    assertThat(service.handle(new HttpRequest("POST", good, ping)).status()).isEqualTo(200);
    assertThat(loads).as("a good signature reads nothing").isEqualTo(3);
  }

  @Test
  void rotatedSecret_isPickedUpByTheFirstDeliverySignedWithIt() {
    MemoryQueue queue = new MemoryQueue();
    WebhookService service =
        new WebhookService(
            new RoutingRules(List.of("self-hosted"), List.of("o/r"), List.of()),
            secret,
            queue,
            line -> {});
    byte[] ping = WebhookFixtures.of("ping").get(0).body();
    HttpRequest old = WebhookFixtures.signed("first-secret", "ping", ping);
    HttpRequest rotated = WebhookFixtures.signed("second-secret", "ping", ping);
    assertThat(service.handle(old).status()).isEqualTo(200);

    stored = "second-secret";
    now += INTERVAL.toNanos();

    assertThat(service.handle(rotated).status()).isEqualTo(200);
    assertThat(service.handle(rotated).status()).isEqualTo(200);
    assertThat(loads).isEqualTo(2);
    assertThat(service.handle(old).status()).isEqualTo(401);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
