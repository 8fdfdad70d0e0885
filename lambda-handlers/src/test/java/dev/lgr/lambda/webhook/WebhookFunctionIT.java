package dev.lgr.lambda.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.testing.MotoServer;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import dev.lgr.webhook.WebhookFixtures;
import dev.lgr.webhook.WebhookSignature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The webhook function as Lambda runs it (the stream handler fed API Gateway events), against an
 * SQS FIFO queue and a Secrets Manager secret on moto server.
 */
class WebhookFunctionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REPO = "lineville/elastic-machines-testing";

  private final SqsClient sqs = MotoServer.clients().sqs();
  private final SecretsManagerClient secrets = MotoServer.clients().secretsManager();
  private String queueUrl;
  private String secretArn;
  private String secret;
  private WebhookFunction function;

  @BeforeEach
  void setUp() {
    queueUrl = MotoServer.fifoQueue(sqs, "lgr-jobs", Map.of());
    secret = "s3cr3t-" + System.nanoTime();
    secretArn =
        secrets
            .createSecret(b -> b.name(MotoServer.unique("lgr-webhook")).secretString(secret))
            .arn();
    function =
        new WebhookFunction(
            WebhookConfig.from(
                Map.of(
                    "AWS_REGION",
                    MotoServer.REGION.id(),
                    WebhookConfig.QUEUE_URL,
                    queueUrl,
                    WebhookConfig.SECRET_ARN,
                    secretArn,
                    WebhookConfig.LABELS,
                    "self-hosted,k8s,lambda",
                    WebhookConfig.REPOSITORIES,
                    REPO)),
            MotoServer.clients());
  }

  @AfterEach
  void tearDown() {
    sqs.deleteQueue(b -> b.queueUrl(queueUrl));
    secrets.deleteSecret(b -> b.secretId(secretArn).forceDeleteWithoutRecovery(true));
  }

  @Test
  void queuedJob_sendsOneFifoMessageForTheJob() throws Exception {
    byte[] body = queuedExampleWithOurLabels();

    JsonNode response = invoke(restEvent(secret, "workflow_job", body, "delivery-1", false));

    assertThat(response.get("statusCode").asInt()).isEqualTo(202);
    List<Message> messages = receiveAll();
    assertThat(messages).hasSize(1);
    Message message = messages.get(0);
    JobRequest request = JobRequest.fromJson(message.body());
    assertThat(request.repository()).isEqualTo(REPO);
    assertThat(request.jobId()).isEqualTo(12877621891L);
    assertThat(request.runId()).isEqualTo(4747967848L);
    assertThat(request.runAttempt()).isEqualTo(1);
    assertThat(request.labels()).containsExactly("self-hosted", "k8s");
    assertThat(request.scope()).isEqualTo(RoutingRules.Scope.REPOSITORY);
    assertThat(request.deliveryId()).isEqualTo("delivery-1");
    assertThat(message.attributes())
        .containsEntry(
            software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName.MESSAGE_GROUP_ID,
            "12877621891")
        .containsEntry(
            software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName
                .MESSAGE_DEDUPLICATION_ID,
            "12877621891-1");
    assertThat(message.body()).doesNotContain(secret);
  }

  @Test
  void duplicateAndRedeliveredDeliveries_startOneRunner() throws Exception {
    byte[] body = queuedExampleWithOurLabels();

    for (int i = 0; i < 3; i++) {
      JsonNode response =
          invoke(restEvent(secret, "workflow_job", body, "delivery-" + i, i % 2 == 0));
      assertThat(response.get("statusCode").asInt()).isEqualTo(202);
    }

    assertThat(receiveAll()).hasSize(1);
  }

  @Test
  void rotatedSecret_isPickedUpWithoutARedeploy() throws Exception {
    byte[] ping = WebhookFixtures.of("ping").get(0).body();
    assertThat(invoke(restEvent(secret, "ping", ping, "p-1", false)).get("statusCode").asInt())
        .isEqualTo(200);

    String rotated = "rotated-" + System.nanoTime();
    secrets.putSecretValue(b -> b.secretId(secretArn).secretString(rotated));
    Thread.sleep(WebhookFunction.SECRET_REFRESH_INTERVAL.toMillis() + 100);

    JsonNode response =
        invoke(restEvent(rotated, "workflow_job", queuedExampleWithOurLabels(), "d-2", false));
    assertThat(response.get("statusCode").asInt()).isEqualTo(202);
    assertThat(receiveAll()).hasSize(1);
    JsonNode old = invoke(restEvent(secret, "ping", ping, "p-3", false));
    assertThat(old.get("statusCode").asInt()).isEqualTo(401);
  }

  @Test
  void badSignature_isRejectedAndNothingIsQueued() throws Exception {
    JsonNode response =
        invoke(
            restEvent("not-the-secret", "workflow_job", queuedExampleWithOurLabels(), "x", false));

    assertThat(response.get("statusCode").asInt()).isEqualTo(401);
    assertThat(receiveAll()).isEmpty();
  }

  @Test
  void missingQueue_answers5xxSoGitHubCanRedeliver() throws Exception {
    sqs.deleteQueue(b -> b.queueUrl(queueUrl));
    try {
      JsonNode response =
          invoke(restEvent(secret, "workflow_job", queuedExampleWithOurLabels(), "d", false));
      assertThat(response.get("statusCode").asInt()).isBetween(500, 599);
    } finally {
      queueUrl = MotoServer.fifoQueue(sqs, "lgr-jobs", Map.of());
    }
  }

  /** GitHub's real queued example whose labels are [self-hosted, k8s]. */
  private static byte[] queuedExampleWithOurLabels() {
    return WebhookFixtures.of("workflow_job").stream()
        .filter(e -> "queued".equals(e.action()))
        .filter(e -> e.json().at("/repository/full_name").asText().equals(REPO))
        .findFirst()
        .orElseThrow()
        .body();
  }

  /** An API Gateway REST (payload 1.0) event, as API Gateway hands it to the function. */
  private static byte[] restEvent(
      String secret, String event, byte[] body, String deliveryId, boolean base64)
      throws Exception {
    ObjectNode headers = JSON.createObjectNode();
    headers.put("Content-Type", "application/json");
    headers.put("X-GitHub-Event", event);
    headers.put("X-GitHub-Delivery", deliveryId);
    headers.put("X-Hub-Signature-256", WebhookSignature.sign(WebhookSignature.key(secret), body));
    ObjectNode root = JSON.createObjectNode();
    root.put("resource", "/webhook");
    root.put("path", "/webhook");
    root.put("httpMethod", "POST");
    root.set("headers", headers);
    root.put("isBase64Encoded", base64);
    root.put(
        "body",
        base64
            ? Base64.getEncoder().encodeToString(body)
            : new String(body, StandardCharsets.UTF_8));
    return JSON.writeValueAsBytes(root);
  }

  private JsonNode invoke(byte[] event) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    function.handleRequest(new ByteArrayInputStream(event), out, null);
    return JSON.readTree(out.toByteArray());
  }

  private List<Message> receiveAll() {
    List<Message> all = new ArrayList<>();
    while (true) {
      List<Message> batch =
          sqs.receiveMessage(
                  b ->
                      b.queueUrl(queueUrl)
                          .maxNumberOfMessages(10)
                          .waitTimeSeconds(0)
                          .messageSystemAttributeNamesWithStrings("All"))
              .messages();
      if (batch.isEmpty()) {
        return all;
      }
      all.addAll(batch);
      for (Message m : batch) {
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
      }
    }
  }
}
