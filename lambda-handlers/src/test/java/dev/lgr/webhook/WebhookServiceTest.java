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
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The webhook service on its own: an in-memory queue and secret, GitHub's own example bodies. */
class WebhookServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "s3cr3t-for-the-webhook";
  private static final String REPO = "lineville/elastic-machines-testing";
  private static final String JSON_TYPE = "application/json";
  private static final String FORM_TYPE = "application/x-www-form-urlencoded";

  private final MemoryQueue queue = new MemoryQueue();
  private final MemorySecret secret = new MemorySecret(SECRET);
  private final List<String> log = new ArrayList<>();
  private RoutingRules rules =
      new RoutingRules(List.of("self-hosted", "k8s", "lambda"), List.of(REPO), List.of("octo-org"));

  // --- signatures -------------------------------------------------------------------------------

  @Test
  void signedQueuedJob_dispatchesOneRequest() {
    HttpResponse response = send(signed("workflow_job", queued()), queued());

    assertThat(response.status()).isEqualTo(202);
    assertThat(queue.messages()).singleElement();
    JobRequest request = queue.messages().get(0).request();
    assertThat(request.repository()).isEqualTo(REPO);
    assertThat(request.jobId()).isEqualTo(12877621891L);
    assertThat(request.runId()).isEqualTo(4747967848L);
    assertThat(request.runAttempt()).isEqualTo(1);
    assertThat(request.labels()).containsExactly("self-hosted", "k8s");
  }

  @Test
  void tamperedBody_isRejected() {
    byte[] body = queued();
    Map<String, String> headers = signed("workflow_job", body);
    byte[] tampered =
        new String(body, StandardCharsets.UTF_8)
            .replace("12877621891", "12877621892")
            .getBytes(StandardCharsets.UTF_8);

    assertRejected(send(headers, tampered), 401);
  }

  @Test
  void bodySignedWithAnotherSecret_isRejected() {
    byte[] body = queued();
    Map<String, String> headers =
        new HashMap<>(WebhookFixtures.headers("not-the-secret", "workflow_job", body, JSON_TYPE));

    assertRejected(send(headers, body), 401);
  }

  @Test
  void sha1Signature_isRejected() {
    byte[] body = queued();
    String sha1 = "sha1=" + HexFormat.of().formatHex(hmac("HmacSHA1", SECRET, body));
    Map<String, String> headers = signed("workflow_job", body);

    headers.put("X-Hub-Signature-256", sha1);
    assertRejected(send(headers, body), 401);

    // GitHub's legacy header alone (a hook without SHA-256 support) is not enough either.
    headers.remove("X-Hub-Signature-256");
    headers.put("X-Hub-Signature", sha1);
    assertRejected(send(headers, body), 401);
  }

  @Test
  void missingOrEmptySignature_isRejected() {
    byte[] body = queued();
    Map<String, String> headers = signed("workflow_job", body);
    headers.remove("X-Hub-Signature-256");
    assertRejected(send(headers, body), 401);

    headers.put("X-Hub-Signature-256", "");
    assertRejected(send(headers, body), 401);
  }

  @Test
  void malformedSignature_isRejected() {
    byte[] body = queued();
    String good = WebhookSignature.sign(WebhookSignature.key(SECRET), body);
    String hex = good.substring("sha256=".length());
    List<String> malformed =
        List.of(
            "sha256=",
            "sha256=" + hex.substring(1),
            good + "0",
            "sha256=" + hex.substring(0, 63) + "g",
            "sha256=" + hex.substring(0, 63) + " ",
            "sha256:" + hex,
            "sha256 " + hex,
            "sha512=" + hex,
            hex,
            " " + good,
            good + " ",
            // The right MAC spelled with digits and letters that are not ASCII hex.
            "sha256=" + nonAsciiHex(hex),
            "sha256=" + "0".repeat(64));
    for (String signature : malformed) {
      Map<String, String> headers = signed("workflow_job", body);
      headers.put("X-Hub-Signature-256", signature);
      HttpResponse response = send(headers, body);
      assertThat(response.status()).as(signature).isEqualTo(401);
    }
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void formSignedOverItsDecodedPayload_isRejected() {
    byte[] json = queued();
    byte[] form = WebhookFixtures.formEncoded(json);
    Map<String, String> headers = signed("workflow_job", json);
    headers.put("Content-Type", FORM_TYPE);

    assertRejected(send(headers, form), 401);
  }

  @Test
  void unsignedRequest_isRejectedBeforeItsBodyOrTypeIsRead() {
    Map<String, String> headers = signed("workflow_job", queued());
    headers.remove("X-Hub-Signature-256");

    assertRejected(send(headers, bytes("{not json")), 401);
    headers.put("Content-Type", "text/plain");
    assertRejected(send(headers, queued()), 401);
    headers.remove("X-GitHub-Event");
    assertRejected(send(headers, queued()), 401);
  }

  // --- the secret -------------------------------------------------------------------------------

  @Test
  void goodSignatures_neverReadTheSecretAgain() {
    for (int i = 0; i < 3; i++) {
      assertThat(send(signed("workflow_job", queued()), queued()).status()).isEqualTo(202);
    }
    assertThat(secret.refreshCalls()).isZero();
  }

  @Test
  void failedSignature_readsTheSecretAgainOnceOnly() {
    byte[] body = queued();
    Map<String, String> headers =
        new HashMap<>(WebhookFixtures.headers("wrong", "workflow_job", body, JSON_TYPE));

    assertRejected(send(headers, body), 401);

    assertThat(secret.refreshCalls()).isEqualTo(1);
    assertThat(secret.currentCalls()).isEqualTo(1);
  }

  @Test
  void rotatedSecret_isUsedAfterOneRefresh_andTheOldOneStopsWorking() {
    byte[] ping = WebhookFixtures.of("ping").get(0).body();
    assertThat(send(signed("ping", ping), ping).status()).isEqualTo(200);

    secret.rotate("rotated-secret");
    byte[] body = queued();
    Map<String, String> rotated =
        new HashMap<>(WebhookFixtures.headers("rotated-secret", "workflow_job", body, JSON_TYPE));
    assertThat(send(rotated, body).status()).isEqualTo(202);
    assertThat(secret.refreshCalls()).isEqualTo(1);

    assertThat(send(rotated, body).status()).isEqualTo(202);
    assertThat(secret.refreshCalls()).isEqualTo(1);

    assertThat(send(signed("ping", ping), ping).status()).isEqualTo(401);
    assertThat(secret.refreshCalls()).isEqualTo(2);
  }

  @Test
  void secretUnavailable_is503AndNothingIsQueued() throws IOException {
    secret.unavailable(true);

    HttpResponse response = send(signed("workflow_job", queued()), queued());

    assertThat(response.status()).isEqualTo(503);
    assertThat(queue.messages()).isEmpty();
    assertThat(JSON.readTree(response.body()).path("decision").asText()).isEqualTo("failed");
    assertThat(onlyLogLine().path("decision").asText()).isEqualTo("failed");
    // The caller is not yet authenticated: why the store failed goes to the log only.
    String detail = onlyLogLine().path("detail").asText();
    assertThat(detail).isNotBlank();
    assertThat(response.body()).doesNotContain(detail);
  }

  @Test
  void secretUnavailableWhenCheckingForARotation_is503() {
    byte[] ping = WebhookFixtures.of("ping").get(0).body();
    assertThat(send(signed("ping", ping), ping).status()).isEqualTo(200);
    secret.unavailable(true);
    Map<String, String> headers =
        new HashMap<>(WebhookFixtures.headers("maybe-rotated", "ping", ping, JSON_TYPE));

    assertThat(send(headers, ping).status()).isEqualTo(503);
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void queueFailure_is502SoGitHubShowsTheDeliveryFailed() throws IOException {
    queue.failing();

    HttpResponse response = send(signed("workflow_job", queued()), queued());

    assertThat(response.status()).isEqualTo(502);
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.path("decision").asText()).isEqualTo("failed");
    assertThat(answer.path("reason").asText()).contains("queue");
    assertThat(onlyLogLine().path("status").asInt()).isEqualTo(502);
  }

  // --- content types and bodies -----------------------------------------------------------------

  @Test
  void formDelivery_isReadFromItsPayloadField() {
    byte[] form = WebhookFixtures.formEncoded(queued());
    assertThat(send(signedAs("workflow_job", form, FORM_TYPE), form).status()).isEqualTo(202);

    byte[] withOtherFields =
        ("a=1&b&" + new String(form, StandardCharsets.UTF_8) + "&c=3")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(send(signedAs("workflow_job", withOtherFields, FORM_TYPE), withOtherFields).status())
        .isEqualTo(202);

    assertThat(queue.messages()).hasSize(2);
    assertThat(queue.messages().get(0).request().jobId())
        .isEqualTo(queue.messages().get(1).request().jobId())
        .isEqualTo(12877621891L);
  }

  @Test
  void contentTypeWithParametersInAnyCase_isAccepted() {
    byte[] body = queued();
    assertThat(
            send(signedAs("workflow_job", body, "Application/JSON; charset=UTF-8"), body).status())
        .isEqualTo(202);
    byte[] form = WebhookFixtures.formEncoded(body);
    assertThat(
            send(
                    signedAs(
                        "workflow_job", form, "application/x-www-form-urlencoded;charset=utf-8"),
                    form)
                .status())
        .isEqualTo(202);
  }

  @Test
  void unsupportedOrMissingContentType_is415() {
    byte[] body = queued();
    for (String type :
        List.of("text/plain", "application/xml", "multipart/form-data", "", "json")) {
      assertRejected(send(signedAs("workflow_job", body, type), body), 415);
    }
    Map<String, String> headers = signed("workflow_job", body);
    headers.remove("Content-Type");
    assertRejected(send(headers, body), 415);
  }

  @Test
  void formWithoutAUsablePayload_is400() {
    for (String form : List.of("", "payloads=%7B%7D", "a=1&b=2", "payload", "payload=%zz%7B%7D")) {
      byte[] body = bytes(form);
      assertRejected(send(signedAs("workflow_job", body, FORM_TYPE), body), 400);
    }
  }

  @Test
  void malformedJson_is400_andIsNeitherEchoedNorLogged() {
    byte[] body = bytes("{\"action\":\"queued\",\"token\":\"ghs_leakedInstallationToken\" oops");

    HttpResponse response = send(signed("workflow_job", body), body);

    assertRejected(response, 400);
    assertThat(response.body()).contains("malformed JSON").doesNotContain("ghs_");
    assertThat(log.get(0)).doesNotContain("ghs_").doesNotContain("oops");
  }

  @Test
  void bodyThatIsNotOneJsonObject_is400() {
    for (String body : List.of("", "[]", "\"queued\"", "null", "42", "{} {}", "{}x", "\u0000")) {
      byte[] bytes = bytes(body);
      assertThat(send(signed("workflow_job", bytes), bytes).status()).as(body).isEqualTo(400);
    }
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void queuedJobMissingWhatTheRunnerNeeds_is400() {
    List<Consumer<ObjectNode>> damages =
        List.of(
            json -> job(json).remove("id"),
            json -> job(json).remove("run_id"),
            json -> job(json).remove("labels"),
            json -> job(json).putNull("labels"),
            json -> json.remove("repository"),
            json -> ((ObjectNode) json.get("repository")).remove("full_name"),
            json -> ((ObjectNode) json.get("repository")).put("full_name", "no-slash"),
            json -> ((ObjectNode) json.get("repository")).put("full_name", "/leading-slash"),
            json -> json.remove("workflow_job"));
    for (Consumer<ObjectNode> damage : damages) {
      ObjectNode json = queuedTree();
      damage.accept(json);
      byte[] body = write(json);
      assertThat(send(signed("workflow_job", body), body).status())
          .as(json.toString())
          .isEqualTo(400);
    }
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void knownFieldOfTheWrongType_is400() {
    List<Consumer<ObjectNode>> damages =
        List.of(
            json -> json.put("action", 5),
            json -> json.putObject("action"),
            json -> json.put("repository", REPO),
            json -> ((ObjectNode) json.get("repository")).put("full_name", 7),
            json -> ((ObjectNode) json.get("repository")).put("owner", "lineville"),
            json -> json.put("organization", "octo-org"),
            json -> json.put("workflow_job", 12877621891L),
            json -> job(json).put("id", "12877621891"),
            json -> job(json).put("id", 1.5),
            json -> job(json).put("id", new BigInteger("123456789012345678901234567890")),
            json -> job(json).put("run_attempt", true),
            json -> job(json).put("labels", "self-hosted"),
            json -> job(json).putArray("labels").add("self-hosted").add(1),
            json -> job(json).putArray("labels").add("self-hosted").addNull(),
            json -> job(json).putArray("labels").addArray().add("self-hosted"),
            json -> job(json).putArray("name"),
            json -> json.put("hook_id", "109948940"));
    for (Consumer<ObjectNode> damage : damages) {
      ObjectNode json = queuedTree();
      damage.accept(json);
      byte[] body = write(json);
      assertThat(send(signed("workflow_job", body), body).status())
          .as(json.toString())
          .isEqualTo(400);
    }
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void missingEventHeader_is400() {
    Map<String, String> headers = signed("workflow_job", queued());
    headers.remove("X-GitHub-Event");
    assertRejected(send(headers, queued()), 400);
    headers.put("X-GitHub-Event", "");
    assertRejected(send(headers, queued()), 400);
  }

  @Test
  void methodOtherThanPost_is405() {
    for (String method : List.of("GET", "PUT", "HEAD", "")) {
      HttpResponse response =
          service().handle(new HttpRequest(method, signed("workflow_job", queued()), queued()));
      assertThat(response.status()).as(method).isEqualTo(405);
    }
    assertThat(
            service()
                .handle(new HttpRequest("post", signed("workflow_job", queued()), queued()))
                .status())
        .isEqualTo(202);
    assertThat(
            service()
                .handle(new HttpRequest(null, signed("workflow_job", queued()), queued()))
                .status())
        .isEqualTo(202);
    assertThat(queue.messages()).hasSize(2);
  }

  @Test
  void bodyOverGitHubsCap_is413_withoutTouchingTheSecret() {
    byte[] body = new byte[WebhookService.MAX_BODY_BYTES + 1];
    Arrays.fill(body, (byte) ' ');
    body[0] = '{';
    body[body.length - 1] = '}';

    assertRejected(send(signed("workflow_job", body), body), 413);
    assertThat(secret.currentCalls()).isZero();
  }

  // --- routing ----------------------------------------------------------------------------------

  @Test
  void labels_matchWithoutRegardToCase_andAreSentAsTheJobGaveThem() {
    byte[] body = queuedWith(json -> labels(json, "Self-Hosted", "K8S"));

    assertThat(send(signed("workflow_job", body), body).status()).isEqualTo(202);
    assertThat(queue.messages().get(0).request().labels()).containsExactly("Self-Hosted", "K8S");
  }

  @Test
  void jobWithALabelTheRunnersLack_isIgnoredWithTheLabelsInTheReason() throws IOException {
    byte[] body = queuedWith(json -> labels(json, "self-hosted", "k8s", "gpu"));

    HttpResponse response = send(signed("workflow_job", body), body);

    assertThat(response.status()).isEqualTo(200);
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.path("decision").asText()).isEqualTo("ignored");
    assertThat(answer.path("reason").asText()).contains("gpu");
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void jobWithSomeOfTheRunnersLabels_isDispatched() {
    byte[] body = queuedWith(json -> labels(json, "lambda"));
    assertThat(send(signed("workflow_job", body), body).status()).isEqualTo(202);
  }

  @Test
  void jobWithoutLabels_isIgnored() {
    byte[] body = queuedWith(json -> labels(json));
    assertThat(send(signed("workflow_job", body), body).status()).isEqualTo(200);
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void listedRepository_inAnyCase_getsRepositoryScope() {
    byte[] body = queuedWith(json -> repository(json, "LineVille/Elastic-Machines-Testing"));

    assertThat(send(signed("workflow_job", body), body).status()).isEqualTo(202);
    assertThat(queue.messages().get(0).request().scope()).isEqualTo(RoutingRules.Scope.REPOSITORY);
    assertThat(queue.messages().get(0).request().repository())
        .isEqualTo("LineVille/Elastic-Machines-Testing");
  }

  @Test
  void repositoryOfAnAllowedOrganization_getsOrganizationScope() {
    byte[] body = queuedWith(json -> repository(json, "Octo-Org/example-workflow"));

    assertThat(send(signed("workflow_job", body), body).status()).isEqualTo(202);
    JobRequest request = queue.messages().get(0).request();
    assertThat(request.scope()).isEqualTo(RoutingRules.Scope.ORGANIZATION);
    assertThat(request.owner()).isEqualTo("Octo-Org");
  }

  @Test
  void repositoryBothListedAndInAnAllowedOrganization_getsRepositoryScope() {
    rules =
        new RoutingRules(
            List.of("self-hosted", "k8s"), List.of(REPO), List.of("lineville", "octo-org"));
    assertThat(send(signed("workflow_job", queued()), queued()).status()).isEqualTo(202);
    assertThat(queue.messages().get(0).request().scope()).isEqualTo(RoutingRules.Scope.REPOSITORY);
  }

  @Test
  void otherRepository_isIgnored() {
    for (String repository :
        List.of("lineville/other", "someone/elastic-machines-testing", "octo-orgs/x", "octo/x")) {
      byte[] body = queuedWith(json -> repository(json, repository));
      assertThat(send(signed("workflow_job", body), body).status()).as(repository).isEqualTo(200);
    }
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void notQueuedActions_areIgnored() {
    for (String action : List.of("waiting", "in_progress", "completed", "requested", "QUEUED")) {
      byte[] body = queuedWith(json -> json.put("action", action));
      assertThat(send(signed("workflow_job", body), body).status()).as(action).isEqualTo(200);
    }
    byte[] noAction = queuedWith(json -> json.remove("action"));
    assertThat(send(signed("workflow_job", noAction), noAction).status()).isEqualTo(200);
    assertThat(queue.messages()).isEmpty();
  }

  @Test
  void runAttempt_defaultsToTheFirst_andSetsTheDeduplicationId() {
    byte[] first = queuedWith(json -> job(json).remove("run_attempt"));
    byte[] third = queuedWith(json -> job(json).put("run_attempt", 3));

    send(signed("workflow_job", first), first);
    send(signed("workflow_job", third), third);

    assertThat(queue.messages()).hasSize(2);
    assertThat(queue.messages().get(0).deduplicationId()).isEqualTo("12877621891-1");
    assertThat(queue.messages().get(1).deduplicationId()).isEqualTo("12877621891-3");
    assertThat(queue.messages()).allSatisfy(m -> assertThat(m.groupId()).isEqualTo("12877621891"));
  }

  @Test
  void deliveryId_isCarried_andADashStandsInWhenAbsent() {
    Map<String, String> headers = signed("workflow_job", queued());
    headers.put("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    send(headers, queued());
    headers.remove("X-GitHub-Delivery");
    send(headers, queued());

    assertThat(queue.messages().get(0).request().deliveryId())
        .isEqualTo("72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assertThat(queue.messages().get(1).request().deliveryId()).isEqualTo("-");
  }

  // --- logs -------------------------------------------------------------------------------------

  @Test
  void dispatchedDelivery_isLoggedAsOneJsonLineWithWhatItWas() throws IOException {
    Map<String, String> headers = signed("workflow_job", queued());
    headers.put("X-GitHub-Delivery", "d-42");

    send(headers, queued());

    assertThat(log).singleElement().satisfies(line -> assertThat(line).doesNotContain("\n"));
    JsonNode line = onlyLogLine();
    assertThat(line.path("delivery").asText()).isEqualTo("d-42");
    assertThat(line.path("event").asText()).isEqualTo("workflow_job");
    assertThat(line.path("action").asText()).isEqualTo("queued");
    assertThat(line.path("repository").asText()).isEqualTo(REPO);
    assertThat(line.path("job_id").asLong()).isEqualTo(12877621891L);
    assertThat(line.path("decision").asText()).isEqualTo("dispatched");
    assertThat(line.path("status").asInt()).isEqualTo(202);
    assertThat(line.path("ms").isNumber()).isTrue();
    assertThat(line.path("ms").asDouble()).isBetween(0.0, 10_000.0);
  }

  @Test
  void everyOutcome_logsExactlyOneLine_withoutBodySecretOrToken() throws IOException {
    String token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
    String pat = "fake-gh-token-abcdefghijklmnopqrstuvwxyz0123456789";
    byte[] body =
        queuedWith(
            json -> {
              json.putObject("installation").put("id", 1).put("token", token);
              json.put("comment", "a distinctive phrase from the body");
            });
    Map<String, String> good = signed("workflow_job", body);
    good.put("Authorization", "token " + pat);
    Map<String, String> unsigned = new HashMap<>(good);
    unsigned.put("X-Hub-Signature-256", "sha256=" + "ab".repeat(32));
    byte[] malformed = bytes("{\"token\":\"" + token + "\", broken");
    Map<String, String> malformedHeaders = signed("workflow_job", malformed);
    malformedHeaders.put("Authorization", "token " + pat);

    List<Integer> statuses = new ArrayList<>();
    statuses.add(send(good, body).status());
    statuses.add(send(unsigned, body).status());
    statuses.add(send(malformedHeaders, malformed).status());
    statuses.add(service().handle(new HttpRequest("GET", good, body)).status());
    queue.failing();
    statuses.add(send(good, body).status());
    MemorySecret down = new MemorySecret(SECRET);
    down.unavailable(true);
    statuses.add(
        new WebhookService(rules, down, queue, log::add)
            .handle(new HttpRequest("POST", good, body))
            .status());

    assertThat(statuses).containsExactly(202, 401, 400, 405, 502, 503);
    assertThat(log).hasSize(statuses.size());
    for (int i = 0; i < log.size(); i++) {
      String line = log.get(i);
      JsonNode entry = JSON.readTree(line);
      assertThat(entry.path("status").asInt()).isEqualTo(statuses.get(i));
      assertThat(entry.has("decision")).isTrue();
      assertThat(entry.has("delivery")).isTrue();
      assertThat(entry.path("event").asText()).isEqualTo("workflow_job");
      assertThat(entry.path("ms").isNumber()).isTrue();
      assertThat(line)
          .doesNotContain(SECRET)
          .doesNotContain(token)
          .doesNotContain(pat)
          .doesNotContain("distinctive phrase")
          .doesNotContain(good.get("X-Hub-Signature-256"));
    }
  }

  @Test
  void hugeHeaders_areClippedInTheLog() throws IOException {
    Map<String, String> headers = signed("workflow_job", queued());
    headers.put("X-GitHub-Delivery", "d".repeat(10_000));
    headers.put("X-GitHub-Event", "e".repeat(10_000));

    send(headers, queued());

    assertThat(log.get(0).length()).isLessThan(1_000);
    assertThat(onlyLogLine().path("decision").asText()).isEqualTo("ignored");
  }

  // --- helpers ----------------------------------------------------------------------------------

  private WebhookService service() {
    return new WebhookService(rules, secret, queue, log::add);
  }

  private HttpResponse send(Map<String, String> headers, byte[] body) {
    return service().handle(new HttpRequest("POST", headers, body));
  }

  private void assertRejected(HttpResponse response, int status) {
    assertThat(response.status()).isEqualTo(status);
    assertThat(queue.messages()).isEmpty();
    try {
      JsonNode answer = JSON.readTree(response.body());
      assertThat(answer.path("decision").asText()).isEqualTo("rejected");
      assertThat(answer.path("reason").asText()).isNotBlank();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(log).isNotEmpty();
    assertThat(log.get(log.size() - 1)).contains("\"status\":" + status);
  }

  private JsonNode onlyLogLine() throws IOException {
    assertThat(log).hasSize(1);
    return JSON.readTree(log.get(0));
  }

  /** GitHub's headers for a JSON delivery signed with the right secret (a mutable copy). */
  private static Map<String, String> signed(String event, byte[] body) {
    return signedAs(event, body, JSON_TYPE);
  }

  private static Map<String, String> signedAs(String event, byte[] body, String contentType) {
    return new HashMap<>(WebhookFixtures.headers(SECRET, event, body, contentType));
  }

  /** GitHub's queued example for {@link #REPO}, whose labels are [self-hosted, k8s]. */
  private static byte[] queued() {
    return WebhookFixtures.of("workflow_job").stream()
        .filter(e -> "queued".equals(e.action()))
        .filter(e -> e.json().at("/repository/full_name").asText().equals(REPO))
        .findFirst()
        .orElseThrow()
        .body();
  }

  private static ObjectNode queuedTree() {
    try {
      return (ObjectNode) JSON.readTree(queued());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] queuedWith(Consumer<ObjectNode> change) {
    ObjectNode json = queuedTree();
    change.accept(json);
    return write(json);
  }

  private static ObjectNode job(ObjectNode json) {
    return (ObjectNode) json.get("workflow_job");
  }

  private static void labels(ObjectNode json, String... labels) {
    ArrayNode array = job(json).putArray("labels");
    for (String label : labels) {
      array.add(label);
    }
  }

  private static void repository(ObjectNode json, String fullName) {
    ObjectNode repository = (ObjectNode) json.get("repository");
    repository.put("full_name", fullName);
    repository.put("name", fullName.substring(fullName.indexOf('/') + 1));
    ((ObjectNode) repository.get("owner"))
        .put("login", fullName.substring(0, fullName.indexOf('/')));
  }

  private static byte[] write(JsonNode json) {
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] hmac(String algorithm, String key, byte[] body) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hex with Arabic-Indic digits and full-width letters: Character.digit reads both as hex. */
  private static String nonAsciiHex(String hex) {
    StringBuilder out = new StringBuilder();
    for (char c : hex.toCharArray()) {
      out.append(c <= '9' ? (char) ('\u0660' + (c - '0')) : (char) ('\uFF41' + (c - 'a')));
    }
    return out.toString();
  }
}
