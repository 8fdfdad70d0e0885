package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.webhook.WebhookFixtures.Example;
import dev.lgr.webhook.WebhookFixtures.MemoryQueue;
import dev.lgr.webhook.WebhookFixtures.MemorySecret;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every one of GitHub's example deliveries (test resources), signed here as GitHub signs them, sent
 * as JSON and as a form, under several routing setups. The expected answer is read from the
 * example's own JSON, not from the service.
 */
class WebhookServiceExamplesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "It's a Secret to Everybody";
  private static final String JSON_TYPE = "application/json";
  private static final String FORM_TYPE = "application/x-www-form-urlencoded";

  /** Runner labels and allowed repositories and organizations, as a user would configure them. */
  record Setup(String name, List<String> labels, List<String> repositories, List<String> orgs) {
    RoutingRules rules() {
      return new RoutingRules(labels, repositories, orgs);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Setups chosen so that GitHub's examples fall on each side of every rule. */
  static final List<Setup> SETUPS =
      List.of(
          new Setup(
              "k8s runners for one repository",
              List.of("self-hosted", "K8S", "lambda"),
              List.of("LineVille/Elastic-Machines-Testing"),
              List.of()),
          new Setup(
              "ubuntu-latest for an organization",
              List.of("Ubuntu-Latest"),
              List.of(),
              List.of("codertocat")),
          new Setup(
              "ubuntu-latest for the organization named in repository.owner",
              List.of("ubuntu-latest"),
              List.of(),
              List.of("Octocoders")),
          new Setup(
              "too few labels",
              List.of("self-hosted"),
              List.of("lineville/elastic-machines-testing", "Codertocat/Hello-World"),
              List.of()),
          new Setup(
              "other repositories only",
              List.of("self-hosted", "k8s", "ubuntu-latest"),
              List.of("someone/else"),
              List.of("another-org")));

  /** Each example's JSON tree, parsed once. */
  private static final Map<Example, JsonNode> TREES = new IdentityHashMap<>();

  private static synchronized JsonNode tree(Example example) {
    return TREES.computeIfAbsent(example, Example::json);
  }

  static Stream<Example> examples() {
    return WebhookFixtures.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void example_getsTheDecisionItsJsonCallsFor(Example example) throws IOException {
    JsonNode json = tree(example);
    // Only workflow_job deliveries depend on the routing setup.
    List<Setup> setups = example.event().equals("workflow_job") ? SETUPS : SETUPS.subList(0, 1);
    for (Setup setup : setups) {
      for (String contentType : List.of(JSON_TYPE, FORM_TYPE)) {
        checkExample(example, json, setup, contentType);
      }
    }
  }

  @Test
  void examples_coverEveryDecision() {
    Map<String, Set<String>> decisions = new HashMap<>();
    for (Example example : WebhookFixtures.all()) {
      JsonNode json = tree(example);
      for (Setup setup : SETUPS) {
        Expected expected = expected(example, json, setup, "d");
        decisions
            .computeIfAbsent(expected.decision(), k -> new TreeSet<>())
            .add(example.event() + ": " + expected.reasonFragment());
      }
    }
    assertThat(decisions).containsOnlyKeys("ping", "ignored", "dispatched");
    assertThat(decisions.get("ignored"))
        .anyMatch(d -> d.startsWith("workflow_job: action "))
        .anyMatch(d -> d.startsWith("workflow_job: labels"))
        .anyMatch(d -> d.startsWith("workflow_job: repository"))
        .anyMatch(d -> d.startsWith("check_run: "))
        .anyMatch(d -> d.startsWith("push: "));
    long dispatching =
        SETUPS.stream()
            .flatMap(
                s ->
                    WebhookFixtures.of("workflow_job").stream()
                        .map(e -> expected(e, tree(e), s, "")))
            .filter(e -> e.decision().equals("dispatched"))
            .count();
    assertThat(dispatching).isEqualTo(2);
  }

  @Test
  void organizationRule_usesTheOwnerTheRunnerRegistersWith() {
    // GitHub's example names Codertocat/Hello-World with repository.owner.login "Octocoders"; the
    // runner of an organization-scoped request registers on the owner in full_name.
    Example example = WebhookFixtures.first("workflow_job", "queued");
    assertThat(example.json().at("/repository/full_name").asText())
        .isEqualTo("Codertocat/Hello-World");
    assertThat(example.json().at("/repository/owner/login").asText()).isEqualTo("Octocoders");

    MemoryQueue queue = new MemoryQueue();
    WebhookService octocoders =
        new WebhookService(
            new RoutingRules(List.of("ubuntu-latest"), List.of(), List.of("Octocoders")),
            new MemorySecret(SECRET),
            queue,
            line -> {});
    HttpResponse ignored =
        octocoders.handle(WebhookFixtures.signed(SECRET, "workflow_job", example.body()));
    assertThat(ignored.status()).isEqualTo(200);
    assertThat(queue.messages()).isEmpty();

    WebhookService codertocat =
        new WebhookService(
            new RoutingRules(List.of("ubuntu-latest"), List.of(), List.of("Codertocat")),
            new MemorySecret(SECRET),
            queue,
            line -> {});
    HttpResponse dispatched =
        codertocat.handle(WebhookFixtures.signed(SECRET, "workflow_job", example.body()));
    assertThat(dispatched.status()).isEqualTo(202);
    assertThat(queue.messages()).singleElement();
    JobRequest request = queue.messages().get(0).request();
    assertThat(request.scope()).isEqualTo(RoutingRules.Scope.ORGANIZATION);
    assertThat(request.owner()).isEqualTo("Codertocat");
  }

  private static void checkExample(Example example, JsonNode json, Setup setup, String contentType)
      throws IOException {
    String what = example + " as " + contentType + " with " + setup;
    String deliveryId = "delivery-" + example.event() + "-" + example.index();
    MemoryQueue queue = new MemoryQueue();
    List<String> log = new ArrayList<>();
    WebhookService service =
        new WebhookService(setup.rules(), new MemorySecret(SECRET), queue, log::add);
    byte[] body =
        contentType.equals(FORM_TYPE)
            ? WebhookFixtures.formEncoded(example.body())
            : example.body();
    Map<String, String> headers =
        new HashMap<>(WebhookFixtures.headers(SECRET, example.event(), body, contentType));
    headers.put("X-GitHub-Delivery", deliveryId);

    HttpResponse response = service.handle(new HttpRequest("POST", headers, body));

    Expected expected = expected(example, json, setup, deliveryId);
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.path("decision").asText()).as(what).isEqualTo(expected.decision());
    switch (expected.decision()) {
      case "ping" -> {
        assertThat(response.status()).as(what).isEqualTo(200);
        assertThat(answer.path("hook_id").asLong()).as(what).isEqualTo(expected.hookId());
        assertThat(queue.messages()).as(what).isEmpty();
      }
      case "ignored" -> {
        assertThat(response.status()).as(what).isBetween(200, 299);
        assertThat(answer.path("reason").asText()).as(what).contains(expected.reasonFragment());
        assertThat(queue.messages()).as(what).isEmpty();
      }
      case "dispatched" -> {
        assertThat(response.status()).as(what).isEqualTo(202);
        assertThat(queue.messages()).as(what).hasSize(1);
        MemoryQueue.Message message = queue.messages().get(0);
        assertThat(message.request()).as(what).isEqualTo(expected.request());
        assertThat(JobRequest.fromJson(message.body())).as(what).isEqualTo(expected.request());
        assertThat(message.groupId()).isEqualTo(Long.toString(expected.request().jobId()));
        assertThat(message.deduplicationId())
            .isEqualTo(expected.request().jobId() + "-" + expected.request().runAttempt());
        JsonNode sent = JSON.readTree(message.body());
        assertThat(iterable(sent.fieldNames()))
            .as("%s: the message names the job and carries no credential", what)
            .containsExactlyInAnyOrder(
                "version",
                "repository",
                "scope",
                "jobId",
                "runId",
                "runAttempt",
                "labels",
                "deliveryId");
        assertThat(message.body()).doesNotContain(SECRET);
        assertThat(answer.path("job_id").asLong()).isEqualTo(expected.request().jobId());
      }
      default -> throw new AssertionError(expected.decision());
    }

    assertThat(log).as(what).hasSize(1);
    JsonNode line = JSON.readTree(log.get(0));
    assertThat(line.path("delivery").asText()).as(what).isEqualTo(deliveryId);
    assertThat(line.path("event").asText()).as(what).isEqualTo(example.event());
    assertThat(line.path("decision").asText()).as(what).isEqualTo(expected.decision());
    assertThat(line.path("status").asInt()).as(what).isEqualTo(response.status());
    assertThat(line.path("ms").isNumber()).as(what).isTrue();
    if (example.action() != null) {
      assertThat(line.path("action").asText()).as(what).isEqualTo(example.action());
    }
    JsonNode repository = json.at("/repository/full_name");
    if (repository.isTextual()) {
      assertThat(line.path("repository").asText()).as(what).isEqualTo(repository.asText());
    }
    if (example.event().equals("workflow_job")) {
      assertThat(line.path("job_id").asLong())
          .as(what)
          .isEqualTo(json.at("/workflow_job/id").asLong());
    }
    assertThat(log.get(0))
        .doesNotContain(SECRET)
        .doesNotContain(headers.get("X-Hub-Signature-256"));
  }

  /** The answer GitHub's example calls for, derived from its JSON and the setup. */
  record Expected(String decision, String reasonFragment, long hookId, JobRequest request) {
    static Expected ignored(String reasonFragment) {
      return new Expected("ignored", reasonFragment, 0, null);
    }
  }

  static Expected expected(Example example, JsonNode json, Setup setup, String deliveryId) {
    switch (example.event()) {
      case "ping":
        return new Expected("ping", "", json.path("hook_id").asLong(), null);
      case "check_run":
        // The hook is set up for the wrong event: the reason must point the user to workflow_job.
        return Expected.ignored("workflow_job");
      case "workflow_job":
        break;
      default:
        return Expected.ignored(example.event());
    }
    String action = json.path("action").asText();
    if (!action.equals("queued")) {
      return Expected.ignored("action " + action);
    }
    List<String> labels = new ArrayList<>();
    json.at("/workflow_job/labels").forEach(label -> labels.add(label.asText()));
    boolean labelsMatch =
        !labels.isEmpty()
            && labels.stream()
                .allMatch(label -> setup.labels().stream().anyMatch(label::equalsIgnoreCase));
    if (!labelsMatch) {
      return Expected.ignored("labels");
    }
    String repository = json.at("/repository/full_name").asText();
    String owner = repository.split("/")[0];
    RoutingRules.Scope scope;
    if (setup.repositories().stream().anyMatch(repository::equalsIgnoreCase)) {
      scope = RoutingRules.Scope.REPOSITORY;
    } else if (setup.orgs().stream().anyMatch(owner::equalsIgnoreCase)) {
      scope = RoutingRules.Scope.ORGANIZATION;
    } else {
      return Expected.ignored("repository " + repository);
    }
    JsonNode job = json.get("workflow_job");
    long runAttempt = job.hasNonNull("run_attempt") ? job.get("run_attempt").asLong() : 1;
    return new Expected(
        "dispatched",
        "",
        0,
        new JobRequest(
            repository,
            scope,
            job.get("id").asLong(),
            job.get("run_id").asLong(),
            runAttempt,
            labels,
            deliveryId));
  }

  private static <T> List<T> iterable(java.util.Iterator<T> it) {
    List<T> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
