package dev.lgr.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.JitConfig;
import dev.lgr.github.RunnerScope;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GitHubStandInTest {
  private static final String TOKEN = "fake-gh-token-standInAdminToken0000000000000000";
  private static final String READER = "fake-gh-token-standInReaderToken000000000000000";
  private static final String REPO = "octo/app";
  private static final String ORG = "octo";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NEXT = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");

  private final HttpClient http = HttpClient.newHttpClient();
  private GitHubStandIn github;

  @BeforeEach
  void start() {
    github = GitHubStandIn.start().repo(REPO).org(ORG).token(TOKEN).token(READER, false);
  }

  @AfterEach
  void stop() {
    github.close();
  }

  @Test
  void generateJitConfig_validRequest_registersTheRunner_withoutViolation() throws Exception {
    HttpResponse<String> response =
        call(
            "POST",
            "/repos/octo/app/actions/runners/generate-jitconfig",
            "{\"name\":\"lgr-42\",\"runner_group_id\":1,\"labels\":[\"self-hosted\",\"lambda\"],"
                + "\"work_folder\":\"_work\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    JsonNode body = JSON.readTree(response.body());
    JsonNode runner = body.get("runner");
    assertThat(runner.get("name").asText()).isEqualTo("lgr-42");
    assertThat(runner.get("status").asText()).isEqualTo("offline");
    assertThat(runner.get("busy").asBoolean()).isFalse();
    assertThat(runner.get("os").asText()).isEqualTo("unknown");
    assertThat(runner.get("labels").findValuesAsText("name"))
        .containsExactly("self-hosted", "lambda");
    assertThat(runner.get("labels").findValuesAsText("type"))
        .containsExactly("read-only", "custom");
    String jit = body.get("encoded_jit_config").asText();
    assertThat(JSON.readTree(Base64.getDecoder().decode(jit)).fieldNames())
        .toIterable()
        .contains(".runner", ".credentials");
    assertThat(github.runners(REPO))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.id()).isEqualTo(runner.get("id").asLong());
              assertThat(r.ephemeral()).isTrue();
              assertThat(r.jitConfig()).isEqualTo(jit);
            });
    assertThat(github.runnerForJitConfig(jit)).map(r -> r.name()).contains("lgr-42");
    assertThat(github.issuedSecrets()).containsExactly(jit);
    assertThat(github.violations()).isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
    assertThat(github.requests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.header("Authorization")).isEqualTo("Bearer " + TOKEN);
              assertThat(r.status()).isEqualTo(201);
              assertThat(r.contains("lgr-42")).isTrue();
              assertThat(r.contains(jit)).isFalse();
            });
  }

  @Test
  void generateJitConfig_nameTaken_is409_asGitHubAnswers() throws Exception {
    String body = "{\"name\":\"lgr-1\",\"runner_group_id\":1,\"labels\":[\"lambda\"]}";
    assertThat(call("POST", "/orgs/octo/actions/runners/generate-jitconfig", body).statusCode())
        .isEqualTo(201);

    HttpResponse<String> again =
        call("POST", "/orgs/octo/actions/runners/generate-jitconfig", body);

    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(again.body()).get("message").asText()).contains("already exists");
    assertThat(github.violations()).isEmpty();
  }

  @Test
  void missingRequiredBodyField_isAViolation_answered422() throws Exception {
    HttpResponse<String> response =
        call(
            "POST",
            "/repos/octo/app/actions/runners/generate-jitconfig",
            "{\"runner_group_id\":1,\"labels\":[\"lambda\"]}");

    assertThat(response.statusCode()).isEqualTo(422);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("message").asText()).startsWith("Invalid request.").contains("name");
    assertThat(body.get("documentation_url").asText())
        .startsWith("https://docs.github.com/rest/actions/self-hosted-runners");
    assertThat(github.violations())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.status()).isEqualTo(422);
              assertThat(v.messages()).anyMatch(m -> m.contains("body.schema.required"));
            });
    assertThat(github.runners(REPO)).isEmpty();
  }

  @Test
  void wrongTypes_emptyLabels_andMalformedJson_areViolations() throws Exception {
    String path = "/repos/octo/app/actions/runners/generate-jitconfig";

    int wrongType =
        call("POST", path, "{\"name\":\"a\",\"runner_group_id\":\"1\",\"labels\":[\"x\"]}")
            .statusCode();
    int noLabels =
        call("POST", path, "{\"name\":\"a\",\"runner_group_id\":1,\"labels\":[]}").statusCode();
    int malformed = call("POST", path, "{\"name\":").statusCode();
    int badQuery = call("GET", "/repos/octo/app/actions/runners?per_page=many", null).statusCode();

    assertThat(List.of(wrongType, noLabels, malformed, badQuery))
        .containsExactly(422, 422, 400, 422);
    assertThat(github.violations()).hasSize(4);
    assertThat(github.violations().get(0).messages())
        .anyMatch(m -> m.contains("runner_group_id") && m.contains("integer"));
  }

  @Test
  void unknownPathOrMethod_isAViolation_answered404() throws Exception {
    assertThat(call("GET", "/repos/octo/app/actions/runnerz", null).statusCode()).isEqualTo(404);
    assertThat(call("PUT", "/repos/octo/app/actions/runners", "{}").statusCode()).isEqualTo(404);

    assertThat(github.violations())
        .extracting(GitHubStandIn.Violation::status)
        .containsExactly(404, 404);
  }

  @Test
  void unknownQueryParameter_isAccepted_asGitHubIgnoresIt_butWarned() throws Exception {
    assertThat(call("GET", "/repos/octo/app/actions/runners?perpage=100", null).statusCode())
        .isEqualTo(200);

    assertThat(github.violations()).isEmpty();
    assertThat(github.warnings()).singleElement().asString().contains("perpage");
  }

  @Test
  void paging_250Runners_followsLinkHeaders_likeGitHub() throws Exception {
    for (int i = 0; i < 250; i++) {
      github.addRunner(REPO, "runner-" + i, List.of("self-hosted", "lambda"));
    }

    List<Integer> pageSizes = new ArrayList<>();
    Set<Long> ids = new HashSet<>();
    String next = github.baseUrl() + "/repos/octo/app/actions/runners?per_page=100";
    HttpResponse<String> first = null;
    while (next != null) {
      HttpResponse<String> page = send("GET", URI.create(next), null, TOKEN);
      assertThat(page.statusCode()).isEqualTo(200);
      first = first == null ? page : first;
      JsonNode body = JSON.readTree(page.body());
      assertThat(body.get("total_count").asInt()).isEqualTo(250);
      pageSizes.add(body.get("runners").size());
      body.get("runners").forEach(r -> ids.add(r.get("id").asLong()));
      next = nextLink(page);
    }

    assertThat(pageSizes).containsExactly(100, 100, 50);
    assertThat(ids).hasSize(250);
    assertThat(first.headers().firstValue("link").orElseThrow())
        .isEqualTo(
            "<"
                + github.baseUrl()
                + "/repos/octo/app/actions/runners?per_page=100&page=2>; rel=\"next\", <"
                + github.baseUrl()
                + "/repos/octo/app/actions/runners?per_page=100&page=3>; rel=\"last\"");
    JsonNode defaultPage =
        JSON.readTree(call("GET", "/repos/octo/app/actions/runners", null).body());
    assertThat(defaultPage.get("runners").size()).isEqualTo(30);
    JsonNode named =
        JSON.readTree(call("GET", "/repos/octo/app/actions/runners?name=runner-7", null).body());
    assertThat(named.get("total_count").asInt()).isEqualTo(1);
    assertThat(named.get("runners").get(0).get("name").asText()).isEqualTo("runner-7");
    assertThat(github.violations()).isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
  }

  @Test
  void runnerLifecycle_getDelete_busyRunnerCannotBeDeleted() throws Exception {
    long id = github.addRunner(ORG, "r1", List.of("self-hosted")).id();
    github.runnerStatus("r1", "online", true);

    JsonNode got = JSON.readTree(call("GET", "/orgs/octo/actions/runners/" + id, null).body());
    assertThat(got.get("status").asText()).isEqualTo("online");
    assertThat(got.get("busy").asBoolean()).isTrue();
    assertThat(got.get("version").asText()).isEqualTo(GitHubStandIn.RUNNER_VERSION);
    assertThat(call("DELETE", "/orgs/octo/actions/runners/" + id, null).statusCode())
        .isEqualTo(422);

    github.runnerStatus("r1", "online", false);
    assertThat(call("DELETE", "/orgs/octo/actions/runners/" + id, null).statusCode())
        .isEqualTo(204);
    assertThat(call("DELETE", "/orgs/octo/actions/runners/" + id, null).statusCode())
        .isEqualTo(404);
    assertThat(call("GET", "/orgs/octo/actions/runners/" + id, null).statusCode()).isEqualTo(404);
    assertThat(github.runners(ORG)).isEmpty();
    assertThat(github.violations()).isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
  }

  @Test
  void registrationAndRemoveTokens_areIssuedAndRemembered() throws Exception {
    HttpResponse<String> registration =
        call("POST", "/repos/octo/app/actions/runners/registration-token", null);
    HttpResponse<String> remove = call("POST", "/orgs/octo/actions/runners/remove-token", null);

    assertThat(registration.statusCode()).isEqualTo(201);
    assertThat(remove.statusCode()).isEqualTo(201);
    String token = JSON.readTree(registration.body()).get("token").asText();
    assertThat(Instant.parse(JSON.readTree(registration.body()).get("expires_at").asText()))
        .isAfter(Instant.now());
    assertThat(github.issuedSecrets())
        .containsExactly(token, JSON.readTree(remove.body()).get("token").asText());
    assertThat(github.responseMismatches()).isEmpty();
  }

  @Test
  void jobsAndRuns_followTheTestsState() throws Exception {
    github.addRunner(REPO, "lgr-7", List.of("self-hosted", "lambda"));
    github.putJob(REPO, 7001, 900, List.of("self-hosted", "lambda"));
    github.putJob(REPO, 7002, 901, List.of("self-hosted", "lambda"));

    JsonNode queued = JSON.readTree(call("GET", "/repos/octo/app/actions/jobs/7001", null).body());
    assertThat(queued.get("status").asText()).isEqualTo("queued");
    assertThat(queued.get("runner_name").isNull()).isTrue();
    assertThat(queued.get("labels").toString()).isEqualTo("[\"self-hosted\",\"lambda\"]");

    github.assignJob(7001, "lgr-7");
    JsonNode running = JSON.readTree(call("GET", "/repos/octo/app/actions/jobs/7001", null).body());
    assertThat(running.get("status").asText()).isEqualTo("in_progress");
    assertThat(running.get("runner_name").asText()).isEqualTo("lgr-7");
    assertThat(github.runner("lgr-7").orElseThrow().busy()).isTrue();

    JsonNode queuedRuns =
        JSON.readTree(call("GET", "/repos/octo/app/actions/runs?status=queued", null).body());
    assertThat(queuedRuns.get("workflow_runs").findValuesAsText("status"))
        .containsExactly("queued");
    assertThat(queuedRuns.get("workflow_runs").get(0).get("id").asLong()).isEqualTo(901);
    JsonNode runJobs =
        JSON.readTree(call("GET", "/repos/octo/app/actions/runs/900/jobs", null).body());
    assertThat(runJobs.get("jobs").findValuesAsText("runner_name")).containsExactly("lgr-7");

    github.setJobStatus(7001, "completed", "success");
    JsonNode done = JSON.readTree(call("GET", "/repos/octo/app/actions/jobs/7001", null).body());
    assertThat(done.get("conclusion").asText()).isEqualTo("success");
    assertThat(done.get("completed_at").isNull()).isFalse();
    assertThat(github.runner("lgr-7").orElseThrow().busy()).isFalse();
    assertThat(call("GET", "/repos/octo/app/actions/jobs/1", null).statusCode()).isEqualTo(404);
    assertThat(github.violations()).isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
  }

  @Test
  void hooks_createListUpdatePingDelete_secretMaskedInAnswers() throws Exception {
    String create =
        "{\"name\":\"web\",\"active\":true,\"events\":[\"workflow_job\"],"
            + "\"config\":{\"url\":\"https://example.com/webhook\",\"content_type\":\"json\","
            + "\"secret\":\"s3cret-value\",\"insecure_ssl\":\"0\"}}";
    HttpResponse<String> created = call("POST", "/repos/octo/app/hooks", create);
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode hook = JSON.readTree(created.body());
    long id = hook.get("id").asLong();
    assertThat(hook.get("config").get("secret").asText()).isEqualTo("********");
    assertThat(created.headers().firstValue("location").orElseThrow()).endsWith("/hooks/" + id);
    assertThat(call("POST", "/repos/octo/app/hooks", create).statusCode()).isEqualTo(422);

    JsonNode listed = JSON.readTree(call("GET", "/repos/octo/app/hooks", null).body());
    assertThat(listed.size()).isEqualTo(1);
    assertThat(listed.get(0).at("/config/url").asText()).isEqualTo("https://example.com/webhook");
    HttpResponse<String> patched =
        call(
            "PATCH", "/repos/octo/app/hooks/" + id, "{\"add_events\":[\"ping\"],\"active\":false}");
    assertThat(JSON.readTree(patched.body()).get("events").toString())
        .isEqualTo("[\"workflow_job\",\"ping\"]");
    assertThat(call("POST", "/repos/octo/app/hooks/" + id + "/pings", null).statusCode())
        .isEqualTo(204);
    JsonNode deliveries =
        JSON.readTree(call("GET", "/repos/octo/app/hooks/" + id + "/deliveries", null).body());
    assertThat(deliveries.findValuesAsText("event")).containsExactly("ping", "ping");
    assertThat(github.hooks(REPO))
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.secret()).isEqualTo("s3cret-value");
              assertThat(h.active()).isFalse();
            });

    String orgHook =
        "{\"name\":\"web\",\"config\":{\"url\":\"https://example.com/org\",\"secret\":\"x\"},"
            + "\"events\":[\"workflow_job\"]}";
    HttpResponse<String> orgCreated = call("POST", "/orgs/octo/hooks", orgHook);
    assertThat(orgCreated.statusCode()).isEqualTo(201);
    long orgId = JSON.readTree(orgCreated.body()).get("id").asLong();
    assertThat(call("GET", "/orgs/octo/hooks/" + orgId, null).statusCode()).isEqualTo(200);
    assertThat(call("DELETE", "/orgs/octo/hooks/" + orgId, null).statusCode()).isEqualTo(204);
    assertThat(call("DELETE", "/repos/octo/app/hooks/" + id, null).statusCode()).isEqualTo(204);
    assertThat(github.hooks(REPO)).isEmpty();
    assertThat(github.violations()).isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
  }

  @Test
  void delivery_byId_hasRequestAndResponse_unknownIs404() throws Exception {
    String create =
        "{\"name\":\"web\",\"events\":[\"workflow_job\"],"
            + "\"config\":{\"url\":\"https://example.com/webhook\",\"content_type\":\"json\","
            + "\"secret\":\"s3cret-value\"}}";
    long id =
        JSON.readTree(call("POST", "/repos/octo/app/hooks", create).body()).get("id").asLong();
    String deliveries = "/repos/octo/app/hooks/" + id + "/deliveries";
    long deliveryId = JSON.readTree(call("GET", deliveries, null).body()).get(0).get("id").asLong();

    HttpResponse<String> one = call("GET", deliveries + "/" + deliveryId, null);

    assertThat(one.statusCode()).isEqualTo(200);
    JsonNode delivery = JSON.readTree(one.body());
    assertThat(delivery.get("event").asText()).isEqualTo("ping");
    assertThat(delivery.get("status_code").asInt()).isEqualTo(200);
    assertThat(delivery.at("/request/payload/hook_id").asLong()).isEqualTo(id);
    assertThat(delivery.at("/request/payload/hook/config/secret").asText()).isEqualTo("********");
    assertThat(delivery.at("/request/headers/X-Hub-Signature-256").asText()).startsWith("sha256=");
    assertThat(call("GET", deliveries + "/999", null).statusCode()).isEqualTo(404);
    assertThat(github.violations()).isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
  }

  @Test
  void deliverPings_postsSignedPingToTheHook_andRecordsTheAnswer() throws Exception {
    List<String> signatures = new ArrayList<>();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          synchronized (signatures) {
            signatures.add(exchange.getRequestHeaders().getFirst("X-Hub-Signature-256"));
          }
          boolean ok = exchange.getRequestURI().getPath().equals("/ok");
          byte[] answer = (ok ? "pong" : "bad signature").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(ok ? 200 : 401, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
          assertThat(body).isNotEmpty();
        });
    receiver.start();
    try {
      github.deliverPings(true);
      String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
      long ok = createHook(base + "/ok");
      long refused = createHook(base + "/refused");
      long unreachable = createHook("http://127.0.0.1:1/nothing");

      JsonNode okDelivery = awaitDelivery(ok);
      JsonNode refusedDelivery = awaitDelivery(refused);
      JsonNode unreachableDelivery = awaitDelivery(unreachable);

      assertThat(okDelivery.get("status_code").asInt()).isEqualTo(200);
      assertThat(okDelivery.get("status").asText()).isEqualTo("OK");
      assertThat(refusedDelivery.get("status_code").asInt()).isEqualTo(401);
      assertThat(refusedDelivery.get("status").asText()).isEqualTo("Invalid HTTP Response: 401");
      JsonNode detail =
          JSON.readTree(
              call(
                      "GET",
                      "/repos/octo/app/hooks/"
                          + refused
                          + "/deliveries/"
                          + refusedDelivery.get("id").asLong(),
                      null)
                  .body());
      assertThat(detail.at("/response/payload").asText()).isEqualTo("bad signature");
      assertThat(unreachableDelivery.get("status").asText()).isEqualTo("failed to connect");
      synchronized (signatures) {
        assertThat(signatures).hasSize(2).allMatch(v -> v.startsWith("sha256="));
      }
      assertThat(github.violations()).isEmpty();
      assertThat(github.responseMismatches()).isEmpty();
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void classicToken_answersCarryItsScopes() throws Exception {
    github.classicToken("fake-gh-token-classic", true, "repo", "workflow");

    HttpResponse<String> repo =
        send(
            "GET", URI.create(github.baseUrl() + "/repos/octo/app"), null, "fake-gh-token-classic");
    HttpResponse<String> fineGrained = call("GET", "/repos/octo/app", null);

    assertThat(repo.headers().firstValue("x-oauth-scopes")).hasValue("repo, workflow");
    assertThat(fineGrained.headers().firstValue("x-oauth-scopes")).isEmpty();
  }

  private long createHook(String url) throws Exception {
    String body =
        "{\"name\":\"web\",\"events\":[\"workflow_job\"],\"config\":{\"url\":\""
            + url
            + "\",\"content_type\":\"json\",\"secret\":\"s3cret-value\"}}";
    HttpResponse<String> created = call("POST", "/repos/octo/app/hooks", body);
    assertThat(created.statusCode()).isEqualTo(201);
    return JSON.readTree(created.body()).get("id").asLong();
  }

  private JsonNode awaitDelivery(long hookId) throws Exception {
    Instant deadline = Instant.now().plusSeconds(15);
    while (Instant.now().isBefore(deadline)) {
      JsonNode list =
          JSON.readTree(
              call("GET", "/repos/octo/app/hooks/" + hookId + "/deliveries", null).body());
      if (list.size() > 0) {
        return list.get(0);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no delivery for hook " + hookId);
  }

  @Test
  void auth_missingOrUnknownToken_is401_reader_is403_onRunners() throws Exception {
    URI runners = URI.create(github.baseUrl() + "/repos/octo/app/actions/runners");

    HttpResponse<String> none = send("GET", runners, null, null);
    HttpResponse<String> unknown = send("GET", runners, null, "fake-gh-token-unknown");
    HttpResponse<String> reader = send("GET", runners, null, READER);
    HttpResponse<String> repo =
        send("GET", URI.create(github.baseUrl() + "/repos/octo/app"), null, READER);

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(none.body()).get("message").asText())
        .isEqualTo("Requires authentication");
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(unknown.body()).get("message").asText()).isEqualTo("Bad credentials");
    assertThat(reader.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(reader.body()).get("message").asText())
        .isEqualTo("Must have admin rights to Repository.");
    assertThat(repo.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(repo.body()).at("/permissions/admin").asBoolean()).isFalse();
    assertThat(JSON.readTree(repo.body()).get("full_name").asText()).isEqualTo(REPO);
    assertThat(
            send("GET", URI.create(github.baseUrl() + "/repos/octo/other"), null, TOKEN)
                .statusCode())
        .isEqualTo(404);
    assertThat(github.violations()).isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
  }

  @Test
  void faults_failRateLimitAndScope_thenRecover() throws Exception {
    String runners = "/repos/octo/app/actions/runners";
    github.failNext(2, 502);
    assertThat(call("GET", runners, null).statusCode()).isEqualTo(502);
    assertThat(call("GET", runners, null).statusCode()).isEqualTo(502);
    assertThat(call("GET", runners, null).statusCode()).isEqualTo(200);

    github.rateLimitNext(1, 429, 7);
    HttpResponse<String> secondary = call("GET", runners, null);
    assertThat(secondary.statusCode()).isEqualTo(429);
    assertThat(secondary.headers().firstValue("retry-after")).contains("7");
    assertThat(JSON.readTree(secondary.body()).get("message").asText())
        .startsWith("You have exceeded a secondary rate limit");

    github.primaryRateLimitNext(1, Duration.ofSeconds(30));
    HttpResponse<String> primary = call("GET", runners, null);
    assertThat(primary.statusCode()).isEqualTo(403);
    assertThat(primary.headers().firstValue("x-ratelimit-remaining")).contains("0");
    long reset = Long.parseLong(primary.headers().firstValue("x-ratelimit-reset").orElseThrow());
    assertThat(reset - Instant.now().getEpochSecond()).isBetween(28L, 31L);

    github.on("POST", ".*/generate-jitconfig").failNext(1, 500);
    assertThat(call("GET", runners, null).statusCode()).isEqualTo(200);
    String body = "{\"name\":\"x\",\"runner_group_id\":1,\"labels\":[\"lambda\"]}";
    assertThat(call("POST", runners + "/generate-jitconfig", body).statusCode()).isEqualTo(500);
    assertThat(call("POST", runners + "/generate-jitconfig", body).statusCode()).isEqualTo(201);
    assertThat(github.violations()).isEmpty();
  }

  @Test
  void delayNext_makesTheClientTimeOut_yetGitHubDidTheWork() throws Exception {
    github.delayNext(1, Duration.ofSeconds(2));
    HttpRequest request =
        request(
                "POST",
                URI.create(github.baseUrl() + "/repos/octo/app/actions/runners/generate-jitconfig"),
                "{\"name\":\"slow\",\"runner_group_id\":1,\"labels\":[\"lambda\"]}",
                TOKEN)
            .timeout(Duration.ofMillis(300))
            .build();

    assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(HttpTimeoutException.class);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (github.runner("slow").isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(github.runner("slow")).isPresent();
  }

  @Test
  void productClient_talksToTheStandIn_withoutViolation() {
    for (int i = 0; i < 120; i++) {
      github.addRunner(ORG, "old-" + i, List.of("self-hosted"));
    }
    github.putJob(REPO, 55, 5, List.of("self-hosted", "lambda"));
    GitHubClient client = new GitHubClient(github.baseUrl(), () -> TOKEN, () -> 60_000, 10);
    RunnerScope scope = RunnerScope.organization(ORG);

    JitConfig jit =
        client.generateJitConfig(scope, "lgr-55", 1, List.of("self-hosted", "lambda"), "_work");
    github.failNext(1, 503);
    assertThat(client.runners(scope)).hasSize(121);
    assertThat(client.runner(scope, jit.runner().id())).isPresent();
    assertThat(client.job(REPO, 55).queued()).isTrue();
    assertThat(client.deleteRunner(scope, jit.runner().id())).isTrue();
    assertThat(client.deleteRunner(scope, jit.runner().id())).isFalse();

    assertThat(github.violations()).isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
    assertThat(github.requests()).noneMatch(r -> r.contains(jit.encodedJitConfig()));
  }

  private HttpResponse<String> call(String method, String path, String body)
      throws IOException, InterruptedException {
    return send(method, URI.create(github.baseUrl() + path), body, TOKEN);
  }

  private HttpResponse<String> send(String method, URI uri, String body, String token)
      throws IOException, InterruptedException {
    return http.send(
        request(method, uri, body, token).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String method, URI uri, String body, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10))
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("User-Agent", "lgr-test");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
  }

  private static String nextLink(HttpResponse<String> response) {
    String link = response.headers().firstValue("link").orElse(null);
    if (link == null) {
      return null;
    }
    Matcher matcher = NEXT.matcher(link);
    return matcher.find() ? matcher.group(1) : null;
  }
}
