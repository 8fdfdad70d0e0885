package dev.lgr.lambda.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.testing.MotoServer;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The runner function as Lambda runs it: an SQS event (a message the webhook's queue code put on a
 * FIFO queue on moto server) in, the GitHub credential from Secrets Manager on moto, GitHub played
 * by {@link GitHubStandIn} (every request checked against GitHub's OpenAPI description), and the
 * stand-in runner archive as the runner. GitHub's side of a job (runner online, job assigned, job
 * done, ephemeral runner removed) is played from the runner's own output lines.
 *
 * <p>In every scenario: the runner ends deregistered, the credential never reaches the runner's
 * environment, arguments or the log, and GitHub would have accepted every request.
 */
class RunnerFunctionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REPO = "octo-org/app";
  private static final String ORG = "octo-org";
  private static final List<String> LABELS = List.of("self-hosted", "lambda");
  private static final Pattern RUNNER_LINE = Pattern.compile("^\\[(lgr-[0-9]+-[0-9a-f]{6})] (.*)$");
  private static final String JOB_ROLE = "arn:aws:iam::123456789012:role/lgr-jobs";
  private static final AtomicLong JOB_IDS = new AtomicLong(9_000_000_000L);

  private static GitHubStandIn github;
  private static SqsClient sqs;
  private static SecretsManagerClient secrets;

  @TempDir Path temp;
  private String token;
  private String secretArn;
  private String queueUrl;
  private Path report;
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startStandIns() {
    github = GitHubStandIn.start().repo(REPO).org(ORG);
    sqs = MotoServer.clients().sqs();
    secrets = MotoServer.clients().secretsManager();
  }

  @AfterAll
  static void stopStandIns() {
    github.close();
  }

  @BeforeEach
  void setUp() {
    token = "fake-gh-token-" + UUID.randomUUID().toString().replace("-", "");
    github.token(token);
    secretArn =
        secrets
            .createSecret(b -> b.name(MotoServer.unique("lgr-github")).secretString(token))
            .arn();
    queueUrl = MotoServer.fifoQueue(sqs, "lgr-jobs", Map.of());
    report = temp.resolve("report.txt");
    github.clearRecords();
  }

  @AfterEach
  void tearDown() {
    secrets.deleteSecret(b -> b.secretId(secretArn).forceDeleteWithoutRecovery(true));
    sqs.deleteQueue(b -> b.queueUrl(queueUrl));
    github.revokeToken(token);
  }

  @Test
  void normalPath_runsTheJobAndDeregistersTheRunner() throws Exception {
    long job = queuedJob();

    JsonNode result = invoke(job, "job 1", runsTheJob(job), Duration.ofSeconds(60));

    assertThat(failures(result)).isEmpty();
    String name = runnerName();
    assertThat(name).startsWith("lgr-" + job + "-");
    assertThat(events()).contains("registered", "started", "exited", "deregistered");
    assertThat(log)
        .anyMatch(l -> l.equals("[" + name + "] Job build completed with result: Succeeded"));
    assertThat(github.job(job).orElseThrow().conclusion()).isEqualTo("success");

    JsonNode jit = jitRequest();
    assertThat(jit.get("name").asText()).isEqualTo(name);
    assertThat(jit.get("runner_group_id").asLong()).isEqualTo(1);
    assertThat(JSON.convertValue(jit.get("labels"), List.class)).isEqualTo(LABELS);
    assertThat(github.requests())
        .anyMatch(
            r ->
                r.method().equals("POST")
                    && r.path().equals("/repos/" + REPO + "/actions/runners/generate-jitconfig"));

    String child = Files.readString(report);
    assertThat(github.issuedSecrets())
        .as("the runner got the JIT configuration GitHub issued")
        .contains(jitConfigOf(child));
    assertThat(childEnv(child).get("HOME")).startsWith(temp.resolve("scratch").toString());
    assertThat(childEnv(child).get("TMPDIR")).startsWith(temp.resolve("scratch").toString());
    assertThat(childEnv(child).get("RUNNER_TEMP")).isEqualTo(childEnv(child).get("TMPDIR"));
    // The job acts with the job role's session, never with the function's own credentials.
    assertThat(childEnv(child).get("AWS_ACCESS_KEY_ID")).isNotBlank().isNotEqualTo("role-key");
    assertThat(childEnv(child).get("AWS_SESSION_TOKEN")).isNotBlank().isNotEqualTo("role-session");
    assertThat(child).doesNotContain("role-secret");
    assertThat(childEnv(child))
        .doesNotContainKeys(
            "GITHUB_TOKEN", "GH_TOKEN", "LGR_GITHUB_CREDENTIAL_ARN", "AWS_LAMBDA_RUNTIME_API");
    assertCleanEnd();
  }

  @Test
  void organizationJob_registersTheRunnerOnTheOrganization() throws Exception {
    long job = queuedJob();

    JsonNode result =
        invoke(
            job, RoutingRules.Scope.ORGANIZATION, "job 0", runsTheJob(job), Duration.ofSeconds(60));

    assertThat(failures(result)).isEmpty();
    assertThat(github.requests())
        .anyMatch(
            r ->
                r.method().equals("POST")
                    && r.path().equals("/orgs/" + ORG + "/actions/runners/generate-jitconfig"));
    assertThat(github.job(job).orElseThrow().conclusion()).isEqualTo("success");
    assertCleanEnd();
  }

  @Test
  void deadline_stopsTheRunnerBeforeLambdaEndsIt_andSaysTheJobWasCutOff() throws Exception {
    long job = queuedJob();

    // The job starts and never ends; the function has 12 s, the runner is stopped 4 s before.
    long start = System.nanoTime();
    JsonNode result = invoke(job, "hang", takesTheJob(job), Duration.ofSeconds(12));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(failures(result)).as("a runner ran: SQS must not start a second one").isEmpty();
    assertThat(log)
        .anyMatch(
            l ->
                l.contains("\"event\":\"deadline\"")
                    && l.contains("job cut off by Lambda's 15-minute limit"));
    assertThat(tookMillis).as("returned before the deadline").isLessThan(12_000);
    assertThat(github.job(job).orElseThrow().conclusion())
        .as("job after SIGTERM; log: %s", log)
        .isEqualTo("cancelled");
    assertCleanEnd();
  }

  @Test
  void deadline_killsARunnerThatIgnoresSigterm() throws Exception {
    long job = queuedJob();

    // Killed, the runner cannot give its job up: GitHub counts it busy (and refuses to remove it)
    // until it declares the job failed, here a second after the kill.
    JsonNode result =
        invoke(
            job,
            "hang-ignoring-term",
            (name, line) -> {
              takesTheJob(job).accept(name, line);
              if (line.equals("event:exited")) {
                CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS)
                    .execute(() -> github.setJobStatus(job, "completed", "failure"));
              }
            },
            Duration.ofSeconds(12));

    assertThat(failures(result)).isEmpty();
    assertThat(events()).contains("deadline", "exited", "deregistered");
    assertThat(github.requests())
        .as("removal refused while busy, then retried")
        .anyMatch(r -> r.method().equals("DELETE") && r.status() == 422);
    assertCleanEnd();
  }

  @Test
  void idleRunner_isStoppedAfterTheIdleLimit() throws Exception {
    long job = queuedJob();

    // GitHub never hands the job out (no event at all): the runner waits, then gives up.
    JsonNode result =
        invoke(job, "hang", (name, line) -> comesOnline(name, line), Duration.ofSeconds(60));

    assertThat(failures(result)).isEmpty();
    assertThat(log)
        .anyMatch(
            l ->
                l.contains("\"event\":\"stopping\"")
                    && l.contains("no job after the idle limit of 3 s"));
    assertCleanEnd();
  }

  @Test
  void cancelledJob_stopsTheWaitingRunner() throws Exception {
    long job = queuedJob();

    JsonNode result =
        invoke(
            job,
            "hang",
            (name, line) -> {
              if (comesOnline(name, line)) {
                github.setJobStatus(job, "completed", "cancelled");
              }
            },
            Duration.ofSeconds(60));

    assertThat(failures(result)).isEmpty();
    assertThat(log)
        .anyMatch(
            l ->
                l.contains("\"event\":\"stopping\"")
                    && l.contains("job " + job + " is completed (cancelled)"));
    assertThat(log).noneMatch(l -> l.contains("idle limit"));
    assertThat(events()).doesNotContain("requeued");
    assertThat(sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)).messages())
        .as("a cancelled job goes nowhere")
        .isEmpty();
    assertCleanEnd();
  }

  @Test
  void jobTakenByAnotherRunner_stopsTheWaitingRunner() throws Exception {
    long job = queuedJob();
    String other = "other-" + job;
    github.addRunner(REPO, other, LABELS);

    JsonNode result =
        invoke(
            job,
            "hang",
            (name, line) -> {
              if (comesOnline(name, line)) {
                github.assignJob(job, other);
              }
            },
            Duration.ofSeconds(60));

    assertThat(failures(result)).isEmpty();
    assertThat(log).anyMatch(l -> l.contains("job " + job + " was taken by " + other));
    assertThat(github.runner(other)).as("another runner is not lgr's to remove").isPresent();
    github.removeRunner(other);
    assertCleanEnd();
  }

  @Test
  void runnerThatTookAnotherJob_putsItsOwnJobBackOnTheQueue_once() throws Exception {
    long job = queuedJob();
    long other = queuedJob(); // its own runner is not up yet: GitHub hands it to this one

    JsonNode result =
        invoke(
            job,
            "job 3",
            (name, line) -> {
              if (comesOnline(name, line)) {
                github.assignJob(other, name);
              } else if (line.startsWith("Job build completed")) {
                github.setJobStatus(other, "completed", "success");
                github.removeRunner(name);
              }
            },
            Duration.ofSeconds(60));

    assertThat(failures(result)).isEmpty();
    String name = runnerName();
    assertThat(github.job(other).orElseThrow().runnerName()).isEqualTo(name);
    assertThat(github.job(job).orElseThrow().status()).isEqualTo("queued");
    assertThat(log)
        .filteredOn(l -> l.contains("\"event\":\"requeued\""))
        .singleElement()
        .asString()
        .contains("job " + job + " still waits");
    List<Message> again =
        sqs.receiveMessage(
                b ->
                    b.queueUrl(queueUrl)
                        .maxNumberOfMessages(10)
                        .messageSystemAttributeNamesWithStrings("All"))
            .messages();
    assertThat(again).as("the waiting job is back on the queue, once").hasSize(1);
    JobRequest request = JobRequest.fromJson(again.get(0).body());
    assertThat(request.jobId()).isEqualTo(job);
    assertThat(request.runAttempt()).isEqualTo(1);
    // its own group: the message in flight for the job (this invocation's) does not hold it back
    assertThat(again.get(0).attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID))
        .isEqualTo(job + "-" + name);
    assertCleanEnd();
  }

  @Test
  void crashedRunner_countsAsRan_andIsDeregistered() throws Exception {
    long job = queuedJob();

    JsonNode result =
        invoke(job, "crash", (name, line) -> comesOnline(name, line), Duration.ofSeconds(60));

    assertThat(failures(result))
        .as("the runner started; retrying would start a second one")
        .isEmpty();
    assertThat(log).anyMatch(l -> l.contains("runner exited with code 134"));
    assertCleanEnd();
  }

  @Test
  void gitHubErrorBursts_areRetried() throws Exception {
    long job = queuedJob();
    github.on("GET", "/repos/.*/actions/jobs/.*").failNext(2, 502);
    github.on("POST", ".*/generate-jitconfig").rateLimitNext(1, 429, 1);
    github.on("POST", ".*/generate-jitconfig").rateLimitNext(1, 403, 1);
    github.on("DELETE", ".*/actions/runners/.*").failNext(2, 503);

    JsonNode result = invoke(job, "job 0", runsTheJobAndStays(job), Duration.ofSeconds(60));

    assertThat(failures(result)).isEmpty();
    assertThat(github.requests()).filteredOn(r -> r.status() >= 500).hasSizeGreaterThanOrEqualTo(4);
    assertThat(github.requests())
        .filteredOn(r -> r.status() == 429 || r.status() == 403)
        .hasSize(2);
    assertThat(log).anyMatch(l -> l.contains("runner removed from GitHub"));
    assertCleanEnd();
  }

  @Test
  void jobNoLongerQueued_startsNoRunner() throws Exception {
    long job = queuedJob();
    github.setJobStatus(job, "completed", "cancelled");

    JsonNode result = invoke(job, "job 0", (name, line) -> {}, Duration.ofSeconds(60));

    assertThat(failures(result)).isEmpty();
    assertThat(events()).containsExactly("skipped");
    assertThat(github.requests()).noneMatch(r -> r.path().endsWith("generate-jitconfig"));
    assertCleanEnd();
  }

  @Test
  void noRunnerCouldBeStarted_theMessageFails_forARetry() throws Exception {
    long job = queuedJob();
    github.revokeToken(token); // GitHub answers 401: no runner can be registered

    JsonNode result = invoke(job, "job 0", (name, line) -> {}, Duration.ofSeconds(60));

    assertThat(failures(result)).containsExactly("message-id-of-" + job);
    assertThat(log)
        .anyMatch(l -> l.contains("\"event\":\"failed\"") && l.contains("no runner started"));
    assertCleanEnd();
  }

  // ---- scenario plumbing -------------------------------------------------------------------

  private long queuedJob() {
    long job = JOB_IDS.incrementAndGet();
    github.putJob(REPO, job, job + 1_000_000, LABELS);
    return job;
  }

  /** GitHub's side: the runner connects when it says it listens. */
  private static boolean comesOnline(String name, String line) {
    if (line.equals("Listening for Jobs")) {
      github.runnerStatus(name, "online", false);
      return true;
    }
    return false;
  }

  /**
   * GitHub hands the job to the runner as soon as it listens; a runner stopped with SIGTERM gives
   * the job up (cancelled) and is idle again.
   */
  private static BiConsumer<String, String> takesTheJob(long job) {
    return (name, line) -> {
      if (comesOnline(name, line)) {
        github.assignJob(job, name);
      } else if (line.startsWith("Received SIGTERM")) {
        github.setJobStatus(job, "completed", "cancelled");
      }
    };
  }

  /** The job runs on the runner, and GitHub removes the ephemeral runner when it is done. */
  private static BiConsumer<String, String> runsTheJob(long job) {
    return (name, line) -> {
      takesTheJob(job).accept(name, line);
      if (line.startsWith("Job build completed")) {
        github.setJobStatus(job, "completed", "success");
        github.removeRunner(name);
      }
    };
  }

  /** The job runs, but GitHub leaves the runner registered (lgr must remove it). */
  private static BiConsumer<String, String> runsTheJobAndStays(long job) {
    return (name, line) -> {
      takesTheJob(job).accept(name, line);
      if (line.startsWith("Job build completed")) {
        github.setJobStatus(job, "completed", "success");
        github.runnerStatus(name, "offline", false);
      }
    };
  }

  private JsonNode invoke(
      long job, String behaviour, BiConsumer<String, String> gitHubPlays, Duration timeout)
      throws Exception {
    return invoke(job, RoutingRules.Scope.REPOSITORY, behaviour, gitHubPlays, timeout);
  }

  /**
   * Puts the job request on the FIFO queue as the webhook does, takes it off as Lambda's event
   * source does, and hands the SQS event to the function with {@code timeout} left.
   */
  private JsonNode invoke(
      long job,
      RoutingRules.Scope scope,
      String behaviour,
      BiConsumer<String, String> gitHubPlays,
      Duration timeout)
      throws Exception {
    Path runner = StandInRunner.install(Files.createDirectories(temp.resolve("runner")), behaviour);
    Files.writeString(runner.resolve("report-to"), report.toString());
    new SqsJobQueue(sqs, queueUrl)
        .send(new JobRequest(REPO, scope, job, job + 1_000_000, 1, LABELS, "delivery-" + job));
    List<Message> messages =
        sqs.receiveMessage(
                b ->
                    b.queueUrl(queueUrl)
                        .maxNumberOfMessages(10)
                        .messageSystemAttributeNamesWithStrings("All"))
            .messages();
    assertThat(messages).hasSize(1);

    RunnerSettings settings =
        new RunnerSettings(
            secretArn,
            LABELS,
            1,
            github.baseUrl(),
            runner,
            temp.resolve("scratch"),
            Duration.ofSeconds(4),
            Duration.ofSeconds(3),
            Duration.ofMillis(200),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            JOB_ROLE);
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("AWS_REGION", MotoServer.REGION.id());
    env.put("AWS_ACCESS_KEY_ID", "role-key");
    env.put("AWS_SECRET_ACCESS_KEY", "role-secret");
    env.put("AWS_SESSION_TOKEN", "role-session");
    env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
    env.put("LGR_GITHUB_CREDENTIAL_ARN", secretArn);
    env.put("LGR_JOBS_QUEUE_URL", queueUrl);
    env.put("GITHUB_TOKEN", token);
    env.put("GH_TOKEN", token);
    RunnerFunction function =
        new RunnerFunction(
            settings,
            env,
            MotoServer.clients(),
            line -> {
              log.add(line);
              Matcher m = RUNNER_LINE.matcher(line);
              if (m.matches()) {
                gitHubPlays.accept(m.group(1), m.group(2));
              } else if (line.startsWith("{")) {
                JsonNode event = readTree(line);
                gitHubPlays.accept(
                    event.path("runner").asText(), "event:" + event.path("event").asText());
              }
            });

    long deadline = System.nanoTime() + timeout.toNanos();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    function.handle(
        new ByteArrayInputStream(JSON.writeValueAsBytes(sqsEvent(messages.get(0), job))),
        out,
        () -> (deadline - System.nanoTime()) / 1_000_000);
    return JSON.readTree(out.toByteArray());
  }

  /** The event Lambda's SQS event source hands the function for one message. */
  private ObjectNode sqsEvent(Message message, long job) {
    ObjectNode event = JSON.createObjectNode();
    ArrayNode records = event.putArray("Records");
    ObjectNode record = records.addObject();
    record.put("messageId", "message-id-of-" + job);
    record.put("receiptHandle", message.receiptHandle());
    record.put("body", message.body());
    ObjectNode attributes = record.putObject("attributes");
    message.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
    record.putObject("messageAttributes");
    record.put("md5OfBody", message.md5OfBody());
    record.put("eventSource", "aws:sqs");
    record.put(
        "eventSourceARN",
        "arn:aws:sqs:us-east-1:123456789012:" + queueUrl.substring(queueUrl.lastIndexOf('/') + 1));
    record.put("awsRegion", "us-east-1");
    assertThat(message.attributes()).containsKey(MessageSystemAttributeName.MESSAGE_GROUP_ID);
    return event;
  }

  // ---- checks ------------------------------------------------------------------------------

  /** What every scenario must end with. */
  private void assertCleanEnd() throws Exception {
    for (String name : runnerNames()) {
      assertThat(github.runner(name)).as("runner " + name + " left registered").isEmpty();
    }
    assertThat(github.violations()).as("requests GitHub would refuse").isEmpty();
    assertThat(String.join("\n", log)).doesNotContain(token);
    for (String secret : github.issuedSecrets()) {
      assertThat(String.join("\n", log))
          .as("a JIT configuration in the log")
          .doesNotContain(secret);
    }
    if (Files.exists(report)) {
      String child = Files.readString(report);
      assertThat(child).as("the runner's arguments and environment").doesNotContain(token);
      assertThat(child).doesNotContain(secretArn);
    }
    assertThat(github.requests())
        .allMatch(
            r -> ("Bearer " + token).equals(r.header("authorization")),
            "every request carries the credential");
  }

  private List<String> failures(JsonNode result) {
    List<String> ids = new ArrayList<>();
    result.get("batchItemFailures").forEach(f -> ids.add(f.get("itemIdentifier").asText()));
    return ids;
  }

  private List<String> events() throws Exception {
    List<String> events = new ArrayList<>();
    for (String line : List.copyOf(log)) {
      if (line.startsWith("{")) {
        events.add(JSON.readTree(line).get("event").asText());
      }
    }
    return events;
  }

  private String runnerName() {
    List<String> names = runnerNames();
    assertThat(names).as("runners registered").hasSize(1);
    return names.get(0);
  }

  private List<String> runnerNames() {
    List<String> names = new ArrayList<>();
    for (String line : List.copyOf(log)) {
      if (line.startsWith("{") && line.contains("\"event\":\"registered\"")) {
        names.add(readTree(line).get("runner").asText());
      }
    }
    return names;
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode jitRequest() throws Exception {
    for (GitHubStandIn.Request request : github.requests()) {
      if (request.path().endsWith("/generate-jitconfig") && request.status() == 201) {
        return JSON.readTree(request.body());
      }
    }
    throw new AssertionError("no JIT configuration was made: " + github.requests());
  }

  private static String jitConfigOf(String report) {
    for (String line : report.split("\n")) {
      if (line.startsWith("args: --jitconfig ")) {
        return line.substring("args: --jitconfig ".length());
      }
    }
    return "(none)";
  }

  private static Map<String, String> childEnv(String report) {
    Map<String, String> env = new HashMap<>();
    boolean inEnv = false;
    for (String line : report.split("\n")) {
      if (line.equals("--- env")) {
        inEnv = true;
      } else if (inEnv && line.contains("=")) {
        env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
      }
    }
    return env;
  }
}
