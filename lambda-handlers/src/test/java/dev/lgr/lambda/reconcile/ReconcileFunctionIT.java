package dev.lgr.lambda.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.RunnerPruner;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.testing.MotoServer;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The reconcile function as Lambda runs it on its schedule: the GitHub credential from Secrets
 * Manager and the jobs queue (SQS FIFO) on moto server, GitHub played by {@link GitHubStandIn}
 * (every request checked against GitHub's OpenAPI description).
 */
class ReconcileFunctionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> LABELS = List.of("self-hosted", "lambda");
  private static final String HOOK_URL =
      "https://abc.execute-api.us-east-1.amazonaws.com/lgr/webhook";
  private static final String BUSY = "octo/busy";
  private static final String QUIET = "octo/quiet";
  private static final String OTHER = "elsewhere/tool";
  private static final String ORG = "hub";

  private final GitHubStandIn github =
      GitHubStandIn.start().repo(BUSY).repo(QUIET).repo(OTHER).org("octo").org(ORG);
  private final SqsClient sqs = MotoServer.clients().sqs();
  private final SecretsManagerClient secrets = MotoServer.clients().secretsManager();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private String token;
  private String secretArn;
  private String queueUrl;

  @BeforeEach
  void setUp() {
    token = "fake-gh-token-" + UUID.randomUUID().toString().replace("-", "");
    github.token(token);
    secretArn =
        secrets
            .createSecret(b -> b.name(MotoServer.unique("lgr-github")).secretString(token))
            .arn();
    queueUrl =
        MotoServer.fifoQueue(sqs, "lgr-jobs", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "900"));
  }

  @AfterEach
  void tearDown() {
    secrets.deleteSecret(b -> b.secretId(secretArn).forceDeleteWithoutRecovery(true));
    sqs.deleteQueue(b -> b.queueUrl(queueUrl));
    assertThat(github.violations()).as("requests GitHub would refuse").isEmpty();
    assertThat(github.responseMismatches()).isEmpty();
    assertThat(String.join("\n", log)).doesNotContain(token);
    github.close();
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_REGION", MotoServer.REGION.id());
    env.put("LGR_JOBS_QUEUE_URL", queueUrl);
    env.put("LGR_GITHUB_CREDENTIAL_ARN", secretArn);
    env.put("GITHUB_API_URL", github.baseUrl().toString());
    env.put("LGR_LABELS", String.join(",", LABELS));
    env.put("LGR_REPOSITORIES", String.join(",", BUSY, QUIET, OTHER));
    env.put("LGR_ORGANIZATIONS", ORG);
    env.put("LGR_WEBHOOK_URL", HOOK_URL);
    env.put("LGR_PLACEHOLDER", "true");
    return env;
  }

  /** The function with its clock {@code ahead} of the stand-in's (jobs look that old). */
  private ReconcileFunction function(Duration ahead) {
    return new ReconcileFunction(
        env(), MotoServer.clients(), log::add, Clock.offset(Clock.systemUTC(), ahead));
  }

  private JsonNode invoke(ReconcileFunction function) throws Exception {
    String scheduled =
        "{\"version\":\"0\",\"id\":\"5f0e7b1c\",\"detail-type\":\"Scheduled Event\","
            + "\"source\":\"aws.events\",\"account\":\"123456789012\",\"time\":\""
            + Instant.now()
            + "\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{}}";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    function.handle(
        new ByteArrayInputStream(scheduled.getBytes(StandardCharsets.UTF_8)), out, () -> 60_000);
    return JSON.readTree(out.toByteArray());
  }

  /** Every message on the queue (taken off it). */
  private List<JobRequest> drain() {
    List<JobRequest> requests = new ArrayList<>();
    while (true) {
      List<Message> messages =
          sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)).messages();
      if (messages.isEmpty()) {
        return requests;
      }
      for (Message message : messages) {
        requests.add(JobRequest.fromJson(message.body()));
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
      }
    }
  }

  private long orgHook() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("url", HOOK_URL);
    config.put("content_type", "json");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", "web");
    body.put("events", List.of("workflow_job"));
    body.put("config", config);
    GitHubClient client = new GitHubClient(github.baseUrl(), () -> token, () -> 10_000, 10);
    assertThat(client.call("POST", "/orgs/" + ORG + "/hooks", body).status()).isEqualTo(201);
    return github.hooks(ORG).get(0).id();
  }

  @Test
  void scheduledRun_losesNoJob_leaksNoRunner_andSurvivesAnErrorBurst() throws Exception {
    // octo/busy: 120 lost jobs (more than a page), 5 of another label, 1 served, 1 stolen runner
    for (int i = 0; i < 120; i++) {
      github.putJob(BUSY, 10_000 + i, 20_000 + i, LABELS);
    }
    for (int i = 0; i < 5; i++) {
      github.putJob(BUSY, 30_000 + i, 40_000 + i, List.of("self-hosted", "gpu"));
    }
    github.putJob(BUSY, 50_000, 60_000, LABELS);
    github.addRunner(BUSY, "lgr-50000-aaaaaa", LABELS);
    github.runnerStatus("lgr-50000-aaaaaa", "online", false); // about to get it
    github.putJob(BUSY, 50_001, 60_001, LABELS);
    github.putJob(BUSY, 50_002, 60_001, LABELS);
    github.addRunner(BUSY, "lgr-50001-bbbbbb", LABELS);
    github.assignJob(50_002, "lgr-50001-bbbbbb"); // 50001's runner took 50002
    // octo/quiet: leaked runners, and the ones to keep
    github.addRunner(QUIET, RunnerPruner.PLACEHOLDER, LABELS);
    github.putJob(QUIET, 70_000, 80_000, LABELS);
    github.setJobStatus(70_000, "completed", "success");
    github.addRunner(QUIET, "lgr-70000-cccccc", LABELS); // offline, its job long done: leaked
    github.putJob(QUIET, 70_001, 80_001, LABELS);
    github.addRunner(QUIET, "lgr-70001-dddddd", LABELS);
    github.assignJob(70_001, "lgr-70001-dddddd"); // busy: kept
    github.addRunner(QUIET, "build-box", LABELS); // not lgr's: kept
    // the organization: a failed delivery, its placeholder gone
    long hook = orgHook();
    long failed =
        github.recordDelivery(
            ORG, hook, "workflow_job", "queued", 502, Instant.now().minusSeconds(600));
    github.recordDelivery(ORG, hook, "workflow_job", "queued", 202, Instant.now());
    // a burst of GitHub errors on the way
    github.failNext(2, 502);
    github.rateLimitNext(1, 429, 1);

    ReconcileFunction function = function(Duration.ofMinutes(40));
    JsonNode first = invoke(function);

    assertThat(first.path("event").asText()).as(first.toString()).isEqualTo("reconciled");
    assertThat(first.path("errors")).isEmpty();
    assertThat(first.path("budget_exhausted").asBoolean()).isFalse();
    assertThat(first.path("jobs_enqueued").asInt()).isEqualTo(121);
    assertThat(first.path("queued_jobs_seen").asInt()).isEqualTo(127);
    assertThat(first.path("deliveries_redelivered").asInt()).isEqualTo(1);
    assertThat(first.path("runners_removed").asInt()).isEqualTo(1);
    assertThat(first.path("placeholder_restored").asBoolean()).isTrue();
    assertThat(first.path("github_calls").asLong()).isGreaterThan(10);
    assertThat(log).hasSize(1).allMatch(l -> l.startsWith("{\"event\":\"reconciled\""));

    // A late webhook for a job the reconciler enqueued: SQS drops it as a duplicate (moto keeps
    // the deduplication window only while the first message is on the queue; SQS, 5 minutes).
    new SqsJobQueue(sqs, queueUrl)
        .send(
            new JobRequest(
                BUSY, RoutingRules.Scope.REPOSITORY, 10_000, 20_000, 1, LABELS, "late-delivery"));
    List<JobRequest> queued = drain();
    assertThat(queued).hasSize(121).noneMatch(r -> r.deliveryId().equals("late-delivery"));
    assertThat(queued)
        .extracting(JobRequest::jobId)
        .doesNotHaveDuplicates()
        .contains(10_000L, 10_119L, 50_001L)
        .doesNotContain(30_000L, 50_000L, 50_002L);
    assertThat(queued).allMatch(r -> r.repository().equals(BUSY) && r.labels().equals(LABELS));
    assertThat(github.runners(QUIET))
        .extracting(GitHubStandIn.RegisteredRunner::name)
        .containsExactlyInAnyOrder(RunnerPruner.PLACEHOLDER, "lgr-70001-dddddd", "build-box");
    assertThat(github.runners(ORG))
        .extracting(GitHubStandIn.RegisteredRunner::name)
        .containsExactly(RunnerPruner.PLACEHOLDER);
    assertThat(github.redeliveredIds()).containsExactly(failed);

    // The next scheduled run: nothing new to do, the unchanged lists come back 304.
    JsonNode second = invoke(function);
    assertThat(second.path("jobs_enqueued").asInt()).isZero();
    assertThat(second.path("deliveries_redelivered").asInt()).isZero();
    assertThat(second.path("runners_removed").asInt()).isZero();
    assertThat(second.path("placeholder_restored").asBoolean()).isFalse();
    assertThat(second.path("not_modified").asLong()).isGreaterThan(100);
    assertThat(github.redeliveredIds()).containsExactly(failed);
    assertThat(drain()).isEmpty();
  }

  @Test
  void youngJobs_areLeftToTheirWebhook() throws Exception {
    github.putJob(BUSY, 1, 2, LABELS);
    orgHook();

    JsonNode report = invoke(function(Duration.ofMinutes(2)));

    assertThat(report.path("jobs_enqueued").asInt()).isZero();
    assertThat(drain()).isEmpty();
  }

  @Test
  void misconfiguredFunction_namesEveryProblem() {
    Map<String, String> env = env();
    env.remove("LGR_GITHUB_CREDENTIAL_ARN");
    env.put("LGR_JOBS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/standard");
    env.put("LGR_RUNNER_AGE_LIMIT_SECONDS", "10");

    assertThatThrownBy(
            () -> new ReconcileFunction(env, MotoServer.clients(), log::add, Clock.systemUTC()))
        .hasMessageContaining("LGR_GITHUB_CREDENTIAL_ARN")
        .hasMessageContaining("LGR_JOBS_QUEUE_URL")
        .hasMessageContaining("LGR_RUNNER_AGE_LIMIT_SECONDS");
  }
}
