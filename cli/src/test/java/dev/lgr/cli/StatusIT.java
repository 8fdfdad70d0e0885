package dev.lgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code lgr status} on a deployment made by {@code lgr deploy} (moto server and the GitHub
 * stand-in), healthy and then broken one way at a time: each test puts one thing wrong, checks the
 * verdict, the exit code and the JSON document against schemas/status.schema.json, and puts it
 * right again. The runner image is one "pushed" to moto's ECR with lgr's tag, so the runner version
 * is read as lgr reads it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusIT {
  private static final String REPO = "octo/status";
  private static final String TOKEN =
      "fake-gh-token-" + UUID.randomUUID().toString().replace("-", "");

  private static GitHubStandIn github;
  private static Path home;
  private static LgrProcess lgr;
  private static String stack;
  private static String digest;
  private static JsonNode outputs;
  private static long hookId;

  private static final CloudFormationClient CLOUD_FORMATION =
      CloudFormationClient.builder()
          .region(MotoServer.REGION)
          .credentialsProvider(MotoServer.credentials())
          .endpointOverride(MotoServer.endpoint())
          .build();

  @BeforeAll
  static void deploy() throws Exception {
    github = GitHubStandIn.start().repo(REPO).token(TOKEN);
    home = Files.createTempDirectory("lgr-status-it");
    lgr = new LgrProcess(home, github.baseUrl(), TOKEN);
    stack = MotoServer.unique("lgr-status");
    String repository = MotoServer.unique("lgr-status-runner");
    try (EcrClient ecr = client(EcrClient.builder())) {
      ecr.createRepository(b -> b.repositoryName(repository));
      digest =
          ecr.putImage(
                  b ->
                      b.repositoryName(repository)
                          .imageTag("runner-2.330.0-amd64")
                          .imageManifest(
                              "{\"schemaVersion\":2,\"mediaType\":"
                                  + "\"application/vnd.oci.image.manifest.v1+json\","
                                  + "\"config\":{\"mediaType\":"
                                  + "\"application/vnd.oci.image.config.v1+json\",\"size\":2,"
                                  + "\"digest\":\"sha256:"
                                  + "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
                                  + "\"},\"layers\":[]}"))
              .image()
              .imageId()
              .imageDigest();
    }
    String image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + repository + "@" + digest;
    LgrProcess.Run deployed =
        lgr.run("deploy", "--repo", REPO, "--stack", stack, "--image", image, "--yes");
    assertThat(deployed.exit()).as(deployed.err()).isZero();
    hookId = github.hooks(REPO).get(0).id();
    JsonNode status = status(0);
    outputs = status.path("stacks").path(stack).path("outputs");
  }

  @AfterAll
  static void destroy() throws Exception {
    if (lgr != null) {
      lgr.run("destroy", "--stack", stack, "--yes");
    }
    github.close();
  }

  @Test
  @Order(1)
  void healthy_showsTheImageTheFunctionsTheRunnersAndNoErrors() throws Exception {
    github.putJob(REPO, 77, 7, java.util.List.of("self-hosted", "lambda"));
    github.addRunner(REPO, "lgr-77-abc123", java.util.List.of("self-hosted", "lambda"));
    github.runnerStatus("lgr-77-abc123", "online", true);
    github.addRunner(REPO, "someone-elses", java.util.List.of("self-hosted"));
    JsonNode doc;
    try {
      doc = status(0);
    } finally {
      github.removeRunner("lgr-77-abc123");
      github.removeRunner("someone-elses");
    }

    assertThat(doc.at("/runners/0/lgr/0/name").asText()).isEqualTo("lgr-77-abc123");
    assertThat(doc.at("/runners/0/lgr/0/status").asText()).isEqualTo("busy");
    assertThat(doc.at("/runners/0/lgr/0/age_seconds").isIntegralNumber())
        .as("its job's age")
        .isTrue();
    assertThat(doc.at("/runners/0/placeholder").asBoolean()).isTrue();
    assertThat(doc.at("/runners/0/others").asInt()).isEqualTo(1);

    assertThat(doc.path("verdict").asText()).isEqualTo("ok");
    assertThat(doc.at("/image/digest").asText()).isEqualTo(digest);
    assertThat(doc.at("/image/runner_version").asText()).isEqualTo("2.330.0");
    assertThat(doc.at("/functions/runner/found").asBoolean()).isTrue();
    assertThat(doc.at("/functions/runner/name").asText())
        .isEqualTo(outputs.path("RunnerFunctionName").asText());
    assertThat(doc.at("/functions/runner/memory_mb").asInt()).isEqualTo(2048);
    assertThat(doc.at("/functions/runner/timeout_s").asInt()).isEqualTo(900);
    assertThat(doc.at("/functions/runner/state").asText()).isEqualTo("Active");
    assertThat(doc.at("/functions/runner/reserved_concurrency").isNull())
        .as("the template reserves none unless asked")
        .isTrue();
    assertThat(doc.at("/functions/webhook/runtime").asText()).isEqualTo("java21");
    assertThat(doc.at("/functions/reconcile/name").asText())
        .isEqualTo(outputs.path("ReconcileFunctionName").asText());
    assertThat(doc.at("/functions/reconcile/found").asBoolean()).isTrue();
    assertThat(doc.at("/functions/reconcile/reserved_concurrency").asInt())
        .as("one reconciler at a time")
        .isEqualTo(1);
    assertThat(doc.path("errors")).isEmpty();

    LgrProcess.Run text = lgr.run("status", "--stack", stack);
    assertThat(text.exit()).as(text.err()).isZero();
    assertThat(text.out())
        .contains("Verdict: ok")
        .contains("Runner image: " + digest + ", runner 2.330.0")
        .contains("Function runner    Active")
        .contains("Function reconcile Active")
        .contains("Runner function errors (last 24 h): none")
        .doesNotContain("\u001b[");
  }

  @Test
  @Order(2)
  void deadLetterQueueNotEmpty_isTheVerdict() throws Exception {
    String dlq = outputs.path("DeadLetterQueueUrl").asText();
    try (SqsClient sqs = client(SqsClient.builder())) {
      sqs.sendMessage(
          b ->
              b.queueUrl(dlq)
                  .messageBody("{\"job_id\":42}")
                  .messageGroupId("42")
                  .messageDeduplicationId("42-1"));
      try {
        JsonNode doc = status(3);
        assertThat(doc.at("/queues/dead_letter_messages").asLong()).isEqualTo(1);
        assertThat(doc.path("verdict").asText())
            .startsWith("1 job(s) in the dead-letter queue: no runner could be started");
      } finally {
        sqs.purgeQueue(b -> b.queueUrl(dlq));
      }
    }
    assertThat(status(0).path("verdict").asText()).isEqualTo("ok");
  }

  @Test
  @Order(3)
  void inactiveHook_isTheVerdict() throws Exception {
    github.hookActive(REPO, hookId, false);
    try {
      JsonNode doc = status(3);
      assertThat(doc.at("/webhooks/0/active").asBoolean()).isFalse();
      assertThat(doc.path("verdict").asText()).isEqualTo("the webhook on " + REPO + " is inactive");
      LgrProcess.Run text = lgr.run("status", "--stack", stack);
      assertThat(text.exit()).isEqualTo(3);
      assertThat(text.out()).contains("Webhook on " + REPO + ": inactive");
    } finally {
      github.hookActive(REPO, hookId, true);
    }
  }

  @Test
  @Order(4)
  void failedDeliveries_areTheVerdict_andListedWithCodeAndDuration() throws Exception {
    github.recordDelivery(REPO, hookId, "workflow_job", 502, 10.0);
    JsonNode doc = status(3);

    assertThat(doc.path("verdict").asText())
        .isEqualTo(
            "the last delivery to the webhook on "
                + REPO
                + " failed: 502 Invalid HTTP Response: 502");
    assertThat(doc.at("/webhooks/0/deliveries/0/status_code").asInt()).isEqualTo(502);
    assertThat(doc.at("/webhooks/0/deliveries/0/duration_s").asDouble()).isEqualTo(10.0);
    assertThat(doc.at("/webhooks/0/deliveries/0/event").asText()).isEqualTo("workflow_job");

    github.recordDelivery(REPO, hookId, "workflow_job", 202, 0.05);
    assertThat(status(0).path("verdict").asText()).isEqualTo("ok");
  }

  @Test
  @Order(5)
  void runnerErrorsInTheLog_areShown_andRecentOnesAreTheVerdict() throws Exception {
    String group =
        CLOUD_FORMATION
            .describeStackResource(b -> b.stackName(stack).logicalResourceId("RunnerLogGroup"))
            .stackResourceDetail()
            .physicalResourceId();
    try (CloudWatchLogsClient logs = client(CloudWatchLogsClient.builder())) {
      logs.createLogStream(b -> b.logGroupName(group).logStreamName("s/1"));
      logs.putLogEvents(
          b ->
              b.logGroupName(group)
                  .logStreamName("s/1")
                  .logEvents(
                      e ->
                          e.timestamp(Instant.now().minusSeconds(30).toEpochMilli())
                              .message(
                                  "{\"event\":\"error\",\"runner\":\"lgr-42-ab12\","
                                      + "\"job_id\":42,\"message\":\"could not remove the runner"
                                      + " from GitHub (the reconciler will): 500\"}"),
                      e ->
                          e.timestamp(Instant.now().minusSeconds(20).toEpochMilli())
                              .message("[lgr-42-ab12] an error in the job's own output")));
    }

    JsonNode doc = status(3);

    assertThat(doc.path("errors")).hasSize(1);
    assertThat(doc.at("/errors/0/runner").asText()).isEqualTo("lgr-42-ab12");
    assertThat(doc.at("/errors/0/job_id").asLong()).isEqualTo(42);
    assertThat(doc.path("verdict").asText())
        .startsWith(
            "1 runner function error(s) in the last hour, the latest: {\"event\":\"error\"");
    LgrProcess.Run text = lgr.run("status", "--stack", stack);
    assertThat(text.out()).contains("lgr-42-ab12 job 42  {\"event\":\"error\"");
  }

  @Test
  @Order(6)
  void theSchemaRejectsADocumentThatBreaksIt() throws Exception {
    ObjectNode doc = (ObjectNode) status(3);
    assertThat(JsonSchemas.problems("status", doc)).isEmpty();

    doc.remove("verdict");
    ((ObjectNode) doc.path("queues")).put("dead_letter_messages", "none");

    assertThat(JsonSchemas.problems("status", doc)).hasSize(2);
  }

  /** Runs {@code lgr status --output json}, checks the exit code and the schema. */
  private static JsonNode status(int exit) throws Exception {
    LgrProcess.Run run = lgr.run("status", "--stack", stack, "--output", "json");
    assertThat(run.exit()).as(run.err() + run.out()).isEqualTo(exit);
    return JsonSchemas.assertValid("status", run.out());
  }

  private static <C, B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, C>>
      C client(B builder) {
    return builder
        .region(MotoServer.REGION)
        .credentialsProvider(MotoServer.credentials())
        .endpointOverride(MotoServer.endpoint())
        .build();
  }
}
