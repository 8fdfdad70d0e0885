package dev.lgr.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.webhook.WebhookFixtures;
import dev.lgr.webhook.WebhookSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * GitHub's {@code workflow_job} deliveries for the scenario's jobs: GitHub's own example payloads
 * (the vendored fixture, left as it is) re-targeted to a job (ids, labels, repository, status),
 * inside the API Gateway REST event Lambda hands the webhook function, signed as GitHub signs.
 */
final class GitHubDeliveries {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The examples, by action: GitHub's Codertocat/Hello-World job in each state. */
  private final JsonNode queued = example("queued");

  private final JsonNode inProgress = example("in_progress");
  private final JsonNode completed = example("completed");
  private final List<String> labels;

  GitHubDeliveries(List<String> labels) {
    this.labels = List.copyOf(labels);
  }

  private static JsonNode example(String action) {
    return WebhookFixtures.of("workflow_job").stream()
        .filter(e -> action.equals(e.action()))
        .filter(e -> e.json().at("/repository/full_name").asText().equals("Codertocat/Hello-World"))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no " + action + " example"))
        .json();
  }

  /** One delivery: its GUID and the body GitHub signs. */
  record Delivery(String guid, String action, long jobId, byte[] body) {}

  /** The delivery GitHub sends for a job entering {@code action}'s state. */
  Delivery delivery(String action, ScenarioPlan.Job job, String runnerName, String conclusion) {
    JsonNode template =
        switch (action) {
          case "queued" -> queued;
          case "in_progress" -> inProgress;
          case "completed" -> completed;
          default -> throw new IllegalArgumentException("no example for " + action);
        };
    ObjectNode root = template.deepCopy();
    ObjectNode workflowJob = (ObjectNode) root.get("workflow_job");
    workflowJob.put("id", job.jobId());
    workflowJob.put("run_id", job.runId());
    workflowJob.put("run_attempt", 1);
    workflowJob.put("status", action);
    workflowJob.put("conclusion", conclusion);
    workflowJob.put("name", "build (" + job.jobId() % 100 + ")");
    workflowJob.put("runner_name", runnerName);
    var labelArray = workflowJob.putArray("labels");
    labels.forEach(labelArray::add);
    ObjectNode repository = (ObjectNode) root.get("repository");
    String owner = job.repository().substring(0, job.repository().indexOf('/'));
    repository.put("full_name", job.repository());
    repository.put("name", job.repository().substring(owner.length() + 1));
    ((ObjectNode) repository.get("owner")).put("login", owner);
    try {
      return new Delivery(
          UUID.randomUUID().toString(), action, job.jobId(), JSON.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The API Gateway REST (payload 1.0) event for a delivery signed with {@code secret}. */
  static byte[] apiGatewayEvent(Delivery delivery, String secret) {
    ObjectNode headers = JSON.createObjectNode();
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "GitHub-Hookshot/ab12cd3");
    headers.put("X-GitHub-Event", "workflow_job");
    headers.put("X-GitHub-Delivery", delivery.guid());
    headers.put("X-GitHub-Hook-ID", "109948940");
    headers.put(
        "X-Hub-Signature-256",
        WebhookSignature.sign(WebhookSignature.key(secret), delivery.body()));
    ObjectNode event = JSON.createObjectNode();
    event.put("resource", "/webhook");
    event.put("path", "/webhook");
    event.put("httpMethod", "POST");
    event.set("headers", headers);
    event.put("isBase64Encoded", false);
    event.put("body", new String(delivery.body(), StandardCharsets.UTF_8));
    try {
      return JSON.writeValueAsBytes(event);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The status code and decision of the function's answer. */
  record Answer(int status, String decision) {
    static Answer of(byte[] response) {
      try {
        JsonNode node = JSON.readTree(response);
        int status = node.path("statusCode").asInt();
        JsonNode body = JSON.readTree(node.path("body").asText("{}"));
        return new Answer(status, body.path("decision").asText("").toLowerCase(Locale.ROOT));
      } catch (IOException e) {
        return new Answer(-1, "unreadable answer");
      }
    }
  }
}
