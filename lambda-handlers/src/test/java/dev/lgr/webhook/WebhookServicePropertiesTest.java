package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.webhook.WebhookFixtures.MemoryQueue;
import dev.lgr.webhook.WebhookFixtures.MemorySecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated deliveries: unsigned or badly signed ones never dispatch and never get a 5xx; validly
 * signed arbitrary ones never get a 5xx and dispatch exactly when their JSON calls for it.
 */
class WebhookServicePropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "property-secret";
  private static final List<String> LABELS = List.of("self-hosted", "k8s", "lambda");
  private static final List<String> REPOSITORIES = List.of("lineville/elastic-machines-testing");
  private static final List<String> ORGANIZATIONS = List.of("octo-org");
  private static final RoutingRules RULES = new RoutingRules(LABELS, REPOSITORIES, ORGANIZATIONS);
  private static final String JSON_TYPE = "application/json";
  private static final String FORM_TYPE = "application/x-www-form-urlencoded";

  /** Stands for a header or method left out. */
  private static final String NONE = "<none>";

  /** How a delivery's signature is wrong. */
  enum Forgery {
    ABSENT,
    EMPTY,
    WRONG_SECRET,
    ANOTHER_BODY,
    TAMPERED_BODY,
    SHA1_PREFIX,
    TRUNCATED,
    EXTENDED,
    NOT_HEX,
    NON_ASCII_HEX,
    RANDOM_WELL_FORMED,
    RANDOM_TEXT,
    LEGACY_SHA1_HEADER_ONLY
  }

  /** One generated request, with a short description for failure reports. */
  record Attempt(String method, Map<String, String> headers, byte[] body, String description) {
    HttpRequest request() {
      return new HttpRequest(method, headers, body);
    }

    @Override
    public String toString() {
      return description + " " + headers + " body(" + body.length + ")=" + preview(body);
    }
  }

  /** A body to send, and what it is made of. */
  record Body(byte[] bytes, String kind) {}

  // --- properties -------------------------------------------------------------------------------

  @Property(tries = 10_000)
  void withoutAValidSignature_nothingIsDispatched_andTheAnswerIs4xx(
      @ForAll("forgedDeliveries") Attempt attempt) throws IOException {
    MemoryQueue queue = new MemoryQueue();
    List<String> log = new ArrayList<>();
    WebhookService service = new WebhookService(RULES, new MemorySecret(SECRET), queue, log::add);

    HttpResponse response = service.handle(attempt.request());

    if (attempt.description().contains(" job ")) {
      // Generated runner jobs: most of them would start a runner if they were signed.
      Statistics.label("job that would dispatch if signed").collect(wouldDispatch(attempt));
      Statistics.label("job that would dispatch if signed")
          .coverage(checker -> checker.check(true).percentage(p -> p > 10));
    }
    assertThat(queue.messages()).isEmpty();
    assertThat(response.status()).isBetween(400, 499);
    if (attempt.method() == null || attempt.method().equalsIgnoreCase("POST")) {
      assertThat(response.status()).isEqualTo(401);
    }
    assertThat(JSON.readTree(response.body()).path("decision").asText()).isEqualTo("rejected");
    assertThat(log).hasSize(1);
    assertThat(log.get(0)).doesNotContain(SECRET);
  }

  @Property(tries = 3_000)
  void validlySignedDelivery_neverGets5xx_andDispatchesExactlyWhenItsJsonSaysSo(
      @ForAll("signedDeliveries") Attempt attempt) throws IOException {
    MemoryQueue queue = new MemoryQueue();
    List<String> log = new ArrayList<>();
    WebhookService service = new WebhookService(RULES, new MemorySecret(SECRET), queue, log::add);

    HttpResponse response = service.handle(attempt.request());

    Statistics.label("status").collect(response.status());
    Statistics.label("status")
        .coverage(
            checker -> {
              checker.check(202).percentage(p -> p > 10);
              checker.check(200).percentage(p -> p > 10);
              checker.check(400).percentage(p -> p > 10);
              checker.check(415).percentage(p -> p > 2);
            });
    assertThat(response.status()).isIn(200, 202, 400, 405, 415);
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.path("decision").asText()).isIn("ping", "ignored", "dispatched", "rejected");
    assertThat(log).hasSize(1);
    assertThat(log.get(0)).doesNotContain(SECRET);

    Optional<JobRequest> expected = expectedDispatch(attempt);
    if (response.status() == 202) {
      assertThat(queue.messages()).hasSize(1);
      assertThat(expected).as("dispatched, so its JSON must call for it").isPresent();
      assertThat(queue.messages().get(0).request()).isEqualTo(expected.get());
    } else {
      assertThat(queue.messages()).isEmpty();
      if (attempt.description().startsWith("job")) {
        // Well-typed generated jobs: the JSON alone says whether a runner is needed.
        assertThat(expected).as("not dispatched, so its JSON must not call for it").isEmpty();
      }
    }
  }

  @Property(tries = 1_000)
  void headerNames_inAnyCase_getTheSameAnswer(
      @ForAll("examples") WebhookFixtures.Example example, @ForAll long caseSeed) {
    Map<String, String> headers =
        WebhookFixtures.headers(SECRET, example.event(), example.body(), JSON_TYPE);
    MemoryQueue canonicalQueue = new MemoryQueue();
    MemoryQueue recasedQueue = new MemoryQueue();

    HttpResponse canonical =
        new WebhookService(RULES, new MemorySecret(SECRET), canonicalQueue, line -> {})
            .handle(new HttpRequest("POST", headers, example.body()));
    HttpResponse recased =
        new WebhookService(RULES, new MemorySecret(SECRET), recasedQueue, line -> {})
            .handle(
                new HttpRequest("POST", WebhookFixtures.recase(headers, caseSeed), example.body()));

    assertThat(recased.status()).isEqualTo(canonical.status());
    assertThat(canonical.status()).isBetween(200, 299);
    assertThat(recasedQueue.messages()).hasSameSizeAs(canonicalQueue.messages());
  }

  /** Whether the same delivery, signed, would start a runner: forged ones must be worth forging. */
  private static boolean wouldDispatch(Attempt attempt) {
    if (attempt.description().startsWith("TAMPERED")) {
      return false;
    }
    Map<String, String> headers = new HashMap<>(attempt.headers());
    headers.keySet().removeIf(name -> name.toLowerCase(Locale.ROOT).startsWith("x-hub-signature"));
    headers.put(
        "X-Hub-Signature-256", WebhookSignature.sign(WebhookSignature.key(SECRET), attempt.body()));
    MemoryQueue queue = new MemoryQueue();
    new WebhookService(RULES, new MemorySecret(SECRET), queue, line -> {})
        .handle(new HttpRequest(attempt.method(), headers, attempt.body()));
    return !queue.messages().isEmpty();
  }

  // --- generators -------------------------------------------------------------------------------

  @Provide
  Arbitrary<WebhookFixtures.Example> examples() {
    return Arbitraries.of(WebhookFixtures.all());
  }

  @Provide
  Arbitrary<Attempt> forgedDeliveries() {
    return Combinators.combine(
            bodies(),
            Arbitraries.of(Forgery.class),
            events(),
            contentTypes(),
            methods(),
            Arbitraries.longs(),
            Arbitraries.strings().ofMaxLength(40))
        .as(
            (body, forgery, event, contentType, method, seed, deliveryId) -> {
              Random random = new Random(seed);
              byte[] sent = body.bytes();
              Map<String, String> headers = new HashMap<>();
              String signature = WebhookSignature.sign(WebhookSignature.key(SECRET), sent);
              String hex = signature.substring("sha256=".length());
              switch (forgery) {
                case ABSENT -> signature = null;
                case EMPTY -> signature = "";
                case WRONG_SECRET ->
                    signature = WebhookSignature.sign(WebhookSignature.key(SECRET + "x"), sent);
                case ANOTHER_BODY ->
                    signature =
                        WebhookSignature.sign(
                            WebhookSignature.key(SECRET), dispatchableBody(random.nextLong()));
                case TAMPERED_BODY -> sent = tamper(sent, random);
                case SHA1_PREFIX -> signature = "sha1=" + hex.substring(0, 40);
                case TRUNCATED -> signature = signature.substring(0, random.nextInt(71));
                case EXTENDED -> signature = signature + Integer.toHexString(random.nextInt(16));
                case NOT_HEX -> signature = replaceAt(signature, 7 + random.nextInt(64), 'g');
                case NON_ASCII_HEX -> signature = "sha256=" + nonAsciiHex(hex);
                case RANDOM_WELL_FORMED -> {
                  byte[] mac = new byte[32];
                  random.nextBytes(mac);
                  signature = "sha256=" + HexFormat.of().formatHex(mac);
                }
                case RANDOM_TEXT -> signature = randomText(random);
                case LEGACY_SHA1_HEADER_ONLY -> {
                  headers.put("X-Hub-Signature", "sha1=" + hex.substring(0, 40));
                  signature = null;
                }
                default -> throw new AssertionError(forgery);
              }
              if (signature != null) {
                headers.put("X-Hub-Signature-256", signature);
              }
              putGitHubHeaders(headers, event, contentType, deliveryId);
              return new Attempt(
                  method.equals(NONE) ? null : method,
                  WebhookFixtures.recase(headers, seed),
                  sent,
                  forgery + " " + body.kind() + " " + method);
            });
  }

  @Provide
  Arbitrary<Attempt> signedDeliveries() {
    Arbitrary<Body> bodies =
        Arbitraries.frequencyOf(
            Tuple.of(5, jobs().map(json -> new Body(write(json), "job"))), Tuple.of(5, bodies()));
    return Combinators.combine(
            bodies,
            events(),
            contentTypes(),
            Arbitraries.frequency(Tuple.of(20, "POST"), Tuple.of(1, "GET")),
            Arbitraries.longs(),
            Arbitraries.strings().ofMaxLength(40))
        .as(
            (body, event, contentType, method, seed, deliveryId) -> {
              byte[] sent = body.bytes();
              if (contentType.toLowerCase(Locale.ROOT).startsWith(FORM_TYPE)) {
                sent = WebhookFixtures.formEncoded(sent);
              }
              Map<String, String> headers = new HashMap<>();
              headers.put(
                  "X-Hub-Signature-256", WebhookSignature.sign(WebhookSignature.key(SECRET), sent));
              putGitHubHeaders(headers, event, contentType, deliveryId);
              return new Attempt(
                  method,
                  WebhookFixtures.recase(headers, seed),
                  sent,
                  body.kind() + " " + event + " " + contentType);
            });
  }

  /** Bodies of every kind: GitHub's examples, runner jobs, broken JSON, any text, any bytes. */
  private static Arbitrary<Body> bodies() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, jobs().map(json -> new Body(write(json), "job"))),
        Tuple.of(1, Arbitraries.of(WebhookFixtures.all()).map(e -> new Body(e.body(), e.event()))),
        Tuple.of(
            1,
            Combinators.combine(
                    Arbitraries.of(WebhookFixtures.all()),
                    Arbitraries.longs(),
                    Arbitraries.strings().ofMaxLength(4))
                .as(
                    (example, seed, insert) ->
                        new Body(mutate(example.body(), seed, insert), "mutated"))),
        Tuple.of(
            1,
            Arbitraries.strings()
                .all()
                .ofMaxLength(200)
                .map(s -> new Body(s.getBytes(StandardCharsets.UTF_8), "text"))),
        Tuple.of(
            1,
            Arbitraries.bytes()
                .array(byte[].class)
                .ofMaxSize(200)
                .map(bytes -> new Body(bytes, "bytes"))));
  }

  /**
   * Workflow job deliveries with well-typed fields, most of them queued for the runners' labels
   * from an allowed repository, each rule broken now and then.
   */
  private static Arbitrary<ObjectNode> jobs() {
    Arbitrary<String> actions =
        Arbitraries.frequency(
            Tuple.of(8, "queued"),
            Tuple.of(1, "in_progress"),
            Tuple.of(1, "completed"),
            Tuple.of(1, "waiting"),
            Tuple.of(1, "Queued"),
            Tuple.of(1, ""));
    Arbitrary<List<String>> labels =
        Arbitraries.frequencyOf(
            Tuple.of(
                8,
                Combinators.combine(Arbitraries.subsetOf(LABELS).ofMinSize(1), Arbitraries.longs())
                    .as((subset, seed) -> recaseAll(new ArrayList<>(subset), seed))),
            Tuple.of(
                2,
                Arbitraries.strings()
                    .withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. ")
                    .ofMaxLength(12)
                    .list()
                    .ofMaxSize(4)));
    Arbitrary<String> repositories =
        Arbitraries.frequency(
            Tuple.of(4, "lineville/elastic-machines-testing"),
            Tuple.of(2, "LineVille/Elastic-Machines-Testing"),
            Tuple.of(3, "octo-org/example-workflow"),
            Tuple.of(2, "Octo-Org/other"),
            Tuple.of(1, "lineville/other"),
            Tuple.of(1, "octo-orgs/x"),
            Tuple.of(1, "someone/elastic-machines-testing"),
            Tuple.of(1, "no-slash"),
            Tuple.of(1, "/leading"));
    Arbitrary<Long> ids = Arbitraries.longs();
    return Combinators.combine(
            actions,
            labels,
            repositories,
            ids,
            ids,
            Arbitraries.longs().between(1, 5).injectNull(0.3),
            Arbitraries.strings().ofMaxLength(8).injectNull(0.5),
            Arbitraries.integers().between(0, 255))
        .as(
            (action, jobLabels, repository, id, runId, runAttempt, ownerLogin, omit) -> {
              ObjectNode json = JSON.createObjectNode();
              if ((omit & 1) == 0 || omit > 40) {
                json.put("action", action);
              }
              ObjectNode job = json.putObject("workflow_job");
              if ((omit & 2) == 0 || omit > 40) {
                job.put("id", id);
              }
              if ((omit & 4) == 0 || omit > 40) {
                job.put("run_id", runId);
              }
              if (runAttempt != null) {
                job.put("run_attempt", runAttempt);
              }
              job.put("name", "build");
              if ((omit & 8) == 0 || omit > 40) {
                ArrayNode array = job.putArray("labels");
                jobLabels.forEach(array::add);
              }
              job.put("status", "queued");
              if ((omit & 16) == 0 || omit > 40) {
                ObjectNode repo = json.putObject("repository");
                repo.put("full_name", repository);
                repo.putObject("owner")
                    .put(
                        "login",
                        ownerLogin != null
                            ? ownerLogin
                            : repository.substring(0, Math.max(0, repository.indexOf('/'))));
              }
              if ((omit & 32) == 0) {
                json.putObject("organization").put("login", "octo-org");
              }
              json.putObject("sender").put("login", "octocat").put("id", 1);
              return json;
            });
  }

  private static Arbitrary<String> events() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.just("workflow_job")),
        Tuple.of(1, Arbitraries.of("ping", "check_run", "push", "workflow_run", "WORKFLOW_JOB")),
        Tuple.of(1, Arbitraries.strings().ofMaxLength(30)),
        Tuple.of(1, Arbitraries.just(NONE)));
  }

  private static Arbitrary<String> contentTypes() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.just(JSON_TYPE)),
        Tuple.of(3, Arbitraries.just(FORM_TYPE)),
        Tuple.of(
            2,
            Arbitraries.of(
                "Application/JSON; charset=utf-8",
                FORM_TYPE + "; charset=UTF-8",
                "text/plain",
                "application/xml",
                "multipart/form-data; boundary=x",
                "")),
        Tuple.of(1, Arbitraries.strings().ofMaxLength(30)),
        Tuple.of(1, Arbitraries.just(NONE)));
  }

  private static Arbitrary<String> methods() {
    return Arbitraries.frequencyOf(
        Tuple.of(10, Arbitraries.just("POST")),
        Tuple.of(2, Arbitraries.just(NONE)),
        Tuple.of(1, Arbitraries.of("GET", "PUT", "post", "DELETE")),
        Tuple.of(1, Arbitraries.strings().ofMaxLength(10)));
  }

  // --- the expected decision --------------------------------------------------------------------

  /** The runner request a delivery calls for, read from its headers and JSON. */
  private static Optional<JobRequest> expectedDispatch(Attempt attempt) {
    HttpRequest request = attempt.request();
    String method = request.method();
    if (method != null && !method.equalsIgnoreCase("POST")) {
      return Optional.empty();
    }
    if (!"workflow_job".equals(request.header("X-GitHub-Event"))) {
      return Optional.empty();
    }
    String contentType = request.header("Content-Type");
    String mediaType =
        contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    byte[] document;
    if (mediaType.equals(JSON_TYPE)) {
      document = attempt.body();
    } else if (mediaType.equals(FORM_TYPE)) {
      String form = new String(attempt.body(), StandardCharsets.UTF_8);
      if (!form.startsWith("payload=")) {
        return Optional.empty();
      }
      try {
        document =
            java.net.URLDecoder.decode(form.substring(8), StandardCharsets.UTF_8)
                .getBytes(StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    } else {
      return Optional.empty();
    }
    JsonNode json;
    try {
      json = JSON.readTree(document);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (json == null || !json.isObject() || !"queued".equals(json.path("action").textValue())) {
      return Optional.empty();
    }
    JsonNode job = json.path("workflow_job");
    JsonNode labels = job.path("labels");
    if (!isLong(job.path("id"))
        || !isLong(job.path("run_id"))
        || !labels.isArray()
        || labels.isEmpty()) {
      return Optional.empty();
    }
    List<String> jobLabels = new ArrayList<>();
    for (JsonNode label : labels) {
      if (!label.isTextual()
          || LABELS.stream().noneMatch(mine -> mine.equalsIgnoreCase(label.textValue()))) {
        return Optional.empty();
      }
      jobLabels.add(label.textValue());
    }
    String repository = json.path("repository").path("full_name").textValue();
    if (repository == null || repository.indexOf('/') < 1) {
      return Optional.empty();
    }
    String owner = repository.substring(0, repository.indexOf('/'));
    RoutingRules.Scope scope;
    if (REPOSITORIES.stream().anyMatch(repository::equalsIgnoreCase)) {
      scope = RoutingRules.Scope.REPOSITORY;
    } else if (ORGANIZATIONS.stream().anyMatch(owner::equalsIgnoreCase)) {
      scope = RoutingRules.Scope.ORGANIZATION;
    } else {
      return Optional.empty();
    }
    String deliveryId = request.header("X-GitHub-Delivery");
    return Optional.of(
        new JobRequest(
            repository,
            scope,
            job.get("id").longValue(),
            job.get("run_id").longValue(),
            isLong(job.path("run_attempt")) ? job.get("run_attempt").longValue() : 1,
            jobLabels,
            deliveryId == null || deliveryId.isEmpty() ? "-" : clip(deliveryId)));
  }

  private static boolean isLong(JsonNode node) {
    return node.isInt() || node.isLong();
  }

  private static String clip(String value) {
    return value.length() <= 100 ? value : value.substring(0, 100) + "…";
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static void putGitHubHeaders(
      Map<String, String> headers, String event, String contentType, String deliveryId) {
    if (!event.equals(NONE)) {
      headers.put("X-GitHub-Event", event);
    }
    if (!contentType.equals(NONE)) {
      headers.put("Content-Type", contentType);
    }
    headers.put("X-GitHub-Delivery", deliveryId);
    headers.put("User-Agent", "GitHub-Hookshot/ab12cd3");
    headers.put("X-GitHub-Hook-ID", "109948940");
  }

  private static List<String> recaseAll(List<String> values, long seed) {
    Random random = new Random(seed);
    return values.stream().map(v -> WebhookFixtures.recase(v, random)).toList();
  }

  private static byte[] dispatchableBody(long seed) {
    ObjectNode json = JSON.createObjectNode();
    json.put("action", "queued");
    ObjectNode job = json.putObject("workflow_job");
    job.put("id", Math.abs(seed % 1_000_000_000L) + 1).put("run_id", 7).put("run_attempt", 1);
    job.putArray("labels").add("self-hosted").add("k8s");
    json.putObject("repository").put("full_name", REPOSITORIES.get(0));
    return write(json);
  }

  /** {@code body} with one byte changed (or one added, when it is empty). */
  private static byte[] tamper(byte[] body, Random random) {
    if (body.length == 0) {
      return new byte[] {(byte) random.nextInt(256)};
    }
    byte[] out = body.clone();
    int at = random.nextInt(out.length);
    out[at] = (byte) (out[at] ^ (1 << random.nextInt(8)));
    return out;
  }

  /** A GitHub example cut, with a piece taken out, or with {@code insert} put in, at one place. */
  private static byte[] mutate(byte[] body, long seed, String insert) {
    Random random = new Random(seed);
    int at = random.nextInt(body.length + 1);
    return switch (random.nextInt(3)) {
      case 0 -> Arrays.copyOf(body, at);
      case 1 -> {
        int end = Math.min(body.length, at + 1 + random.nextInt(20));
        byte[] out = new byte[body.length - (end - at)];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(body, end, out, at, body.length - end);
        yield out;
      }
      default -> {
        byte[] piece = insert.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + piece.length];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(body, at, out, at + piece.length, body.length - at);
        yield out;
      }
    };
  }

  private static String replaceAt(String text, int at, char c) {
    return text.substring(0, at) + c + text.substring(at + 1);
  }

  private static String nonAsciiHex(String hex) {
    StringBuilder out = new StringBuilder();
    for (char c : hex.toCharArray()) {
      out.append(c <= '9' ? (char) ('\u0660' + (c - '0')) : (char) ('\uFF41' + (c - 'a')));
    }
    return out.toString();
  }

  private static String randomText(Random random) {
    StringBuilder out = new StringBuilder();
    int length = random.nextInt(80);
    for (int i = 0; i < length; i++) {
      out.append((char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(0x3000)));
    }
    return out.toString();
  }

  private static byte[] write(JsonNode json) {
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String preview(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }
}
