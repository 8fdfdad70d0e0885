package dev.lgr.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

/**
 * GitHub's real webhook deliveries (test resources, see NOTICE.md there), and signed requests made
 * from them as GitHub would send them.
 */
public final class WebhookFixtures {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static List<Example> all;

  /** One example delivery: its event name, its index among that event's examples, its body. */
  public record Example(String event, int index, String action, byte[] body) {
    @Override
    public String toString() {
      return event + "#" + index + (action == null ? "" : " (" + action + ")");
    }

    /** The example's JSON tree, for assertions. */
    public JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private WebhookFixtures() {}

  /** Every example of every event, bodies as compact JSON bytes. */
  public static synchronized List<Example> all() {
    if (all == null) {
      try (InputStream in =
          WebhookFixtures.class.getResourceAsStream("/github-webhooks/api.github.com.json")) {
        List<Example> examples = new ArrayList<>();
        for (JsonNode event : MAPPER.readTree(in)) {
          String name = event.get("name").asText();
          int index = 0;
          for (JsonNode example : event.get("examples")) {
            String action = example.hasNonNull("action") ? example.get("action").asText() : null;
            examples.add(new Example(name, index++, action, MAPPER.writeValueAsBytes(example)));
          }
        }
        all = List.copyOf(examples);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return all;
  }

  /** The examples of one event. */
  public static List<Example> of(String event) {
    return all().stream().filter(e -> e.event().equals(event)).toList();
  }

  /** The first example of {@code event} with {@code action}. */
  public static Example first(String event, String action) {
    return of(event).stream()
        .filter(e -> action.equals(e.action()))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no " + event + " " + action + " example"));
  }

  /** A JSON delivery of {@code body} signed with {@code secret}, headers as GitHub sends them. */
  public static HttpRequest signed(String secret, String event, byte[] body) {
    return new HttpRequest("POST", headers(secret, event, body, "application/json"), body);
  }

  /** GitHub's delivery headers for {@code body} signed with {@code secret}. */
  public static Map<String, String> headers(
      String secret, String event, byte[] body, String contentType) {
    return Map.of(
        "Content-Type",
        contentType,
        "X-GitHub-Event",
        event,
        "X-GitHub-Delivery",
        UUID.randomUUID().toString(),
        "X-GitHub-Hook-ID",
        "109948940",
        "User-Agent",
        "GitHub-Hookshot/ab12cd3",
        "X-Hub-Signature-256",
        WebhookSignature.sign(WebhookSignature.key(secret), body));
  }

  /** The same headers, each name's letters in a case chosen by {@code seed}. */
  public static Map<String, String> recase(Map<String, String> headers, long seed) {
    Random random = new Random(seed);
    Map<String, String> out = new HashMap<>();
    headers.forEach((name, value) -> out.put(recase(name, random), value));
    return out;
  }

  /** {@code text} with each letter in upper or lower case at random. */
  public static String recase(String text, Random random) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      out.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
    }
    return out.toString();
  }

  /** {@code body} as a form-encoded delivery ({@code payload=<url-encoded JSON>}). */
  public static byte[] formEncoded(byte[] body) {
    return ("payload="
            + java.net.URLEncoder.encode(
                new String(body, StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The jobs queue in memory: keeps each message as SQS would get it (body, group id, deduplication
   * id), or fails every send once told to.
   */
  public static final class MemoryQueue implements JobQueue {
    /** One sent message. */
    public record Message(
        JobRequest request, String body, String groupId, String deduplicationId) {}

    private final List<Message> messages = new ArrayList<>();
    private boolean failing;

    /** Makes every later send fail as an unreachable queue would. */
    public MemoryQueue failing() {
      failing = true;
      return this;
    }

    public List<Message> messages() {
      return messages;
    }

    @Override
    public void send(JobRequest request) {
      if (failing) {
        throw new QueueException("queue unreachable (test)", null);
      }
      messages.add(
          new Message(
              request, request.toJson(), request.messageGroupId(), request.deduplicationId()));
    }
  }

  /**
   * The webhook secret in memory, with a store behind it that can be rotated or made unavailable;
   * it counts how often it is read and refreshed.
   */
  public static final class MemorySecret implements WebhookSecret {
    private String stored;
    private byte[] cached;
    private boolean unavailable;
    private int currentCalls;
    private int refreshCalls;

    public MemorySecret(String value) {
      this.stored = value;
    }

    /** Puts a new value in the store; the cached key stays until a refresh. */
    public synchronized void rotate(String value) {
      stored = value;
    }

    /** Makes every later read fail (the store is down), or work again. */
    public synchronized void unavailable(boolean value) {
      unavailable = value;
    }

    public synchronized int currentCalls() {
      return currentCalls;
    }

    public synchronized int refreshCalls() {
      return refreshCalls;
    }

    @Override
    public synchronized byte[] current() {
      currentCalls++;
      if (cached == null) {
        cached = read();
      }
      return cached;
    }

    @Override
    public synchronized Optional<byte[]> refresh() {
      refreshCalls++;
      byte[] fresh = read();
      if (Arrays.equals(fresh, cached)) {
        return Optional.empty();
      }
      cached = fresh;
      return Optional.of(fresh);
    }

    private byte[] read() {
      if (unavailable) {
        throw new SecretUnavailableException("secret store unreachable (test)", null);
      }
      return WebhookSignature.key(stored);
    }
  }
}
