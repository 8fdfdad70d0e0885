package dev.lgr.scenario;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.lgr.aws.AwsClients;
import dev.lgr.aws.SecretsManagerCredential;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.github.GitHubClient;
import dev.lgr.lambda.runner.RunnerFunctions;
import dev.lgr.lambda.webhook.WebhookFunction;
import dev.lgr.lambda.webhook.WebhookFunctions;
import dev.lgr.reconcile.ReconcileReport;
import dev.lgr.reconcile.ReconcileSettings;
import dev.lgr.reconcile.Reconciler;
import dev.lgr.scenario.ScenarioPlan.Fault;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.testing.MotoServer;
import dev.lgr.webhook.JobRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Plays a {@link ScenarioPlan} through lgr's real pieces: GitHub's deliveries into the webhook
 * function (API Gateway events), the jobs queue and its dead-letter queue on moto (FIFO, the
 * template's redrive policy), the runner function fed by {@link RunnerEventSource} with the
 * stand-in runner, GitHub played by {@link GitHubStandIn} and {@link GitHubSide}, then reconciler
 * cycles with a clock moved past the grace period. It only plays and records; the checks are the
 * caller's ({@link ScenarioIT}).
 */
final class ScenarioRun implements AutoCloseable {
  static final List<String> LABELS = List.of("self-hosted", "lambda");

  /** How the pieces are set up. */
  record Settings(
      int concurrency,
      Duration functionTimeout,
      Duration visibilityTimeout,
      Duration stopMargin,
      Duration idleLimit,
      String jobSeconds,
      int reconcileCycles) {
    static Settings defaults() {
      return new Settings(
          8,
          Duration.ofSeconds(10),
          Duration.ofSeconds(12),
          Duration.ofSeconds(3),
          Duration.ofSeconds(3),
          "0.05",
          2);
    }
  }

  /**
   * What one reconciler cycle did, and when it started (real time); cycle 0 ran during the burst,
   * the others after it.
   */
  record Cycle(int number, Instant startedAt, ReconcileReport report) {}

  private final ScenarioPlan plan;
  private final Settings settings;
  private final Path work;
  private final GitHubStandIn github;
  private final AwsClients aws = MotoServer.clients();
  private final SqsClient sqs = aws.sqs();
  private final SecretsManagerClient secrets = aws.secretsManager();
  private final String token = "fake-gh-token-" + UUID.randomUUID().toString().replace("-", "");
  private final String credentialArn;
  private final String webhookSecretArn;
  private final String deadLetterUrl;
  private final String queueUrl;
  private final WebhookFunction webhook;
  private final GitHubDeliveries deliveries = new GitHubDeliveries(LABELS);
  private final GitHubSide side;
  private final Map<String, Path> runnerDirs = new HashMap<>();
  private final Map<String, RequestStreamHandler> warmFunctions = new ConcurrentHashMap<>();
  private final ExecutorService followUps = Executors.newSingleThreadExecutor();
  private final MovableClock clock = new MovableClock();
  private final Map<String, String> reconcileEnv = new HashMap<>();

  // What happened, for the table and the checks.
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final Map<Integer, AtomicInteger> queuedAnswers = new ConcurrentHashMap<>();
  final Map<Integer, AtomicInteger> followUpAnswers = new ConcurrentHashMap<>();
  final List<Cycle> cycles = new ArrayList<>();
  final Map<Long, Boolean> cancelledBeforePickup = new ConcurrentHashMap<>();
  final AtomicInteger apiFaultsInjected = new AtomicInteger();
  final AtomicInteger rateLimitsInjected = new AtomicInteger();
  final AtomicLong deliveryNanos = new AtomicLong();
  Instant burstEnded;
  int lgrRunnersAfterBurst;
  Instant reconcileStarted;
  boolean drainedAfterBurst;
  final List<Boolean> drainedAfterCycle = new ArrayList<>();
  private volatile String signingSecret;
  private int rotationLag = -1;
  private String rotatedSecret;
  private RunnerEventSource eventSource;
  private Reconciler reconciler;

  ScenarioRun(ScenarioPlan plan, Settings settings, Path work) {
    this.plan = plan;
    this.settings = settings;
    this.work = work;
    this.github = GitHubStandIn.start();
    ScenarioPlan.REPOSITORIES.forEach(github::repo);
    github.token(token);
    this.credentialArn =
        secrets
            .createSecret(b -> b.name(MotoServer.unique("lgr-github")).secretString(token))
            .arn();
    this.signingSecret = "webhook-secret-" + UUID.randomUUID();
    String initialSecret = signingSecret;
    this.webhookSecretArn =
        secrets
            .createSecret(b -> b.name(MotoServer.unique("lgr-webhook")).secretString(initialSecret))
            .arn();
    String stack = MotoServer.unique("lgr-scenario");
    this.deadLetterUrl =
        sqs.createQueue(
                b ->
                    b.queueName(stack + "-jobs-dlq.fifo")
                        .attributes(
                            Map.of(
                                QueueAttributeName.FIFO_QUEUE, "true",
                                QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false")))
            .queueUrl();
    String deadLetterArn =
        sqs.getQueueAttributes(
                b -> b.queueUrl(deadLetterUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    // The template's jobs queue, with a visibility timeout scaled down with the function's.
    this.queueUrl =
        sqs.createQueue(
                b ->
                    b.queueName(stack + "-jobs.fifo")
                        .attributes(
                            Map.of(
                                QueueAttributeName.FIFO_QUEUE,
                                "true",
                                QueueAttributeName.CONTENT_BASED_DEDUPLICATION,
                                "false",
                                QueueAttributeName.VISIBILITY_TIMEOUT,
                                Long.toString(settings.visibilityTimeout().toSeconds()),
                                QueueAttributeName.REDRIVE_POLICY,
                                "{\"deadLetterTargetArn\":\""
                                    + deadLetterArn
                                    + "\",\"maxReceiveCount\":2}")))
            .queueUrl();
    String repositories = String.join(",", ScenarioPlan.REPOSITORIES);
    this.webhook =
        WebhookFunctions.create(
            Map.of(
                "AWS_REGION", MotoServer.REGION.id(),
                "LGR_JOBS_QUEUE_URL", queueUrl,
                "LGR_WEBHOOK_SECRET_ARN", webhookSecretArn,
                "LGR_LABELS", String.join(",", LABELS),
                "LGR_REPOSITORIES", repositories),
            aws);
    this.side = new GitHubSide(github, plan, deliveries, this::sendFollowUp);
    reconcileEnv.put(ReconcileSettings.LABELS, String.join(",", LABELS));
    reconcileEnv.put(ReconcileSettings.REPOSITORIES, repositories);
    reconcileEnv.put(ReconcileSettings.PLACEHOLDER, "false");
    reconcileEnv.put(ReconcileSettings.GRACE, "60");
    reconcileEnv.put(ReconcileSettings.AGE_LIMIT, "300");
    // The stand-in's x-ratelimit-remaining only counts down (it never enforces the limit nor
    // resets hourly): a long run would make the reconciler keep its reserve for the runners and
    // do nothing. Real GitHub would have rate-limited a run this large (a PAT has 5,000 an hour).
    reconcileEnv.put(ReconcileSettings.RATE_LIMIT_RESERVE, "0");
  }

  GitHubStandIn github() {
    return github;
  }

  String token() {
    return token;
  }

  ScenarioPlan plan() {
    return plan;
  }

  RunnerEventSource eventSource() {
    return eventSource;
  }

  GitHubSide side() {
    return side;
  }

  /** Plays the plan, lets the queue drain, then runs the reconciler cycles. */
  void play() throws Exception {
    for (String behaviour :
        List.of("job " + settings.jobSeconds(), "crash", "crash-on-start", "hang")) {
      runnerDirs.put(
          behaviour,
          RunnerFunctions.installStandInRunner(
              Files.createDirectories(work.resolve("runner-" + behaviour.replace(' ', '-'))),
              behaviour));
    }
    eventSource =
        new RunnerEventSource(
                sqs,
                queueUrl,
                settings.concurrency(),
                settings.functionTimeout(),
                work,
                this::runnerFunction)
            .start();
    reconciler =
        new Reconciler(
            new GitHubClient(
                github.baseUrl(),
                new SecretsManagerCredential(secrets, credentialArn),
                () -> 60_000,
                200),
            new SqsJobQueue(sqs, queueUrl),
            ReconcileSettings.from(reconcileEnv),
            clock);
    for (ScenarioPlan.Step step : plan.steps()) {
      perform(step);
    }
    burstEnded = Instant.now();
    drainedAfterBurst = eventSource.awaitDrained(Duration.ofSeconds(2), drainLimit());
    followUps.submit(() -> {}).get(); // the last follow-up deliveries are in
    lgrRunnersAfterBurst = lgrRunners().size();

    reconcileStarted = Instant.now();
    for (int cycle = 1; cycle <= settings.reconcileCycles(); cycle++) {
      reconcile(cycle);
      drainedAfterCycle.add(eventSource.awaitDrained(Duration.ofSeconds(2), drainLimit()));
      followUps.submit(() -> {}).get();
    }
  }

  /**
   * One reconciler cycle. The reconciler runs every few minutes: the clock moves past the grace
   * period and the runner age limit before each cycle, instead of the test sleeping.
   */
  private void reconcile(int number) {
    clock.advance(Duration.ofMinutes(10));
    Instant startedAt = Instant.now();
    ReconcileReport report = reconciler.run();
    cycles.add(new Cycle(number, startedAt, report));
  }

  private Duration drainLimit() {
    // Long enough for every message to fail twice and reach the dead-letter queue, and for a
    // long run's backlog at the concurrency limit.
    return settings
        .visibilityTimeout()
        .multipliedBy(4)
        .plus(settings.functionTimeout().multipliedBy(plan.jobs().size() / 20 + 2));
  }

  private void perform(ScenarioPlan.Step step) throws Exception {
    if (step instanceof ScenarioPlan.QueueBurst burst) {
      for (long jobId : burst.jobIds()) {
        side.queue(plan.job(jobId), LABELS);
      }
    } else if (step instanceof ScenarioPlan.Deliver deliver) {
      deliverQueued(deliver);
    } else if (step instanceof ScenarioPlan.Cancel cancel) {
      cancelledBeforePickup.put(cancel.jobId(), side.cancel(cancel.jobId()));
    } else if (step instanceof ScenarioPlan.DeleteRun delete) {
      side.deleteRun(delete.jobId());
    } else if (step instanceof ScenarioPlan.ApiBurst burst) {
      GitHubStandIn.Faults faults = github.on(burst.method(), burst.path());
      if (burst.status() == 429) {
        faults.rateLimitNext(burst.count(), 429, 1);
        rateLimitsInjected.addAndGet(burst.count());
      } else {
        faults.failNext(burst.count(), burst.status());
        apiFaultsInjected.addAndGet(burst.count());
      }
    } else if (step instanceof ScenarioPlan.RotateSecret rotate) {
      rotatedSecret = "webhook-secret-" + UUID.randomUUID();
      String value = rotatedSecret;
      secrets.putSecretValue(b -> b.secretId(webhookSecretArn).secretString(value));
      rotationLag = rotate.lagDeliveries();
    } else if (step instanceof ScenarioPlan.Reconcile) {
      reconcile(0);
    } else if (step instanceof ScenarioPlan.Pause pause) {
      Thread.sleep(pause.millis());
    } else {
      throw new IllegalStateException("unknown step " + step);
    }
  }

  private final Map<Long, GitHubDeliveries.Delivery> sent = new HashMap<>();

  private void deliverQueued(ScenarioPlan.Deliver deliver) throws IOException {
    GitHubDeliveries.Delivery delivery =
        deliver.duplicate()
            ? sent.get(deliver.jobId())
            : deliveries.delivery("queued", plan.job(deliver.jobId()), null, null);
    if (delivery == null) {
      return; // a duplicate of a delivery that never went (cannot happen with this plan)
    }
    sent.put(deliver.jobId(), delivery);
    if (rotationLag == 0) {
      signingSecret = rotatedSecret; // GitHub's hook now has the new secret
    }
    if (rotationLag >= 0) {
      rotationLag--;
    }
    long start = System.nanoTime();
    int status = post(delivery);
    deliveryNanos.addAndGet(System.nanoTime() - start);
    queuedAnswers.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
  }

  private void sendFollowUp(GitHubDeliveries.Delivery delivery) {
    followUps.execute(
        () -> {
          int status;
          try {
            status = post(delivery);
          } catch (IOException e) {
            status = -1;
          }
          followUpAnswers.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
        });
  }

  private int post(GitHubDeliveries.Delivery delivery) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    webhook.handleRequest(
        new ByteArrayInputStream(GitHubDeliveries.apiGatewayEvent(delivery, signingSecret)),
        out,
        null);
    return GitHubDeliveries.Answer.of(out.toByteArray()).status();
  }

  /**
   * The runner function of one execution environment (slot) for a message: warm instances are kept
   * per environment and stand-in behaviour, as Lambda keeps a container.
   */
  private RequestStreamHandler runnerFunction(JobRequest request, Path scratch) {
    String behaviour = behaviour(request.jobId());
    return warmFunctions.computeIfAbsent(
        scratch + "|" + behaviour,
        key ->
            RunnerFunctions.create(
                credentialArn,
                LABELS,
                github.baseUrl(),
                runnerDirs.get(behaviour),
                scratch,
                settings.stopMargin(),
                settings.idleLimit(),
                Map.of(
                    "PATH",
                    System.getenv("PATH"),
                    "AWS_REGION",
                    MotoServer.REGION.id(),
                    "LGR_GITHUB_CREDENTIAL_ARN",
                    credentialArn,
                    // As the template sets it: a job whose runner took another job goes back.
                    "LGR_JOBS_QUEUE_URL",
                    queueUrl),
                aws,
                line -> {
                  log.add(line);
                  side.onLog(line);
                }));
  }

  /** What the stand-in runner does for a job's message: a fault applies to the first one only. */
  private String behaviour(long jobId) {
    ScenarioPlan.Job job = plan.job(jobId);
    boolean first = eventSource.invocationsPerJob.get(jobId).get() == 1;
    if (first && (job.has(Fault.CRASH_ON_START) || job.has(Fault.RUNNER_LEFT))) {
      return "crash-on-start";
    }
    if (first && job.has(Fault.CRASH_IN_JOB)) {
      return "crash";
    }
    if (first && job.has(Fault.PAST_DEADLINE)) {
      return "hang";
    }
    return "job " + settings.jobSeconds();
  }

  /** Every message in the dead-letter queue (read, not deleted: they stay for a look). */
  List<JobRequest> deadLetters() {
    List<JobRequest> out = new ArrayList<>();
    Map<String, Boolean> seen = new HashMap<>();
    for (int attempt = 0; attempt < 20; attempt++) {
      List<Message> batch =
          sqs.receiveMessage(
                  b ->
                      b.queueUrl(deadLetterUrl)
                          .maxNumberOfMessages(10)
                          .visibilityTimeout(60)
                          .waitTimeSeconds(0))
              .messages();
      if (batch.isEmpty()) {
        break;
      }
      for (Message message : batch) {
        if (seen.put(message.messageId(), true) == null) {
          out.add(JobRequest.fromJson(message.body()));
        }
      }
    }
    return out;
  }

  /** lgr's runners registered on GitHub now, in every repository. */
  List<GitHubStandIn.RegisteredRunner> lgrRunners() {
    List<GitHubStandIn.RegisteredRunner> out = new ArrayList<>();
    for (String repository : ScenarioPlan.REPOSITORIES) {
      github.runners(repository).stream()
          .filter(r -> r.name().startsWith("lgr-"))
          .forEach(out::add);
    }
    return out;
  }

  /** The secrets no log line may hold. */
  List<String> secretValues() {
    List<String> values = new ArrayList<>(List.of(token, signingSecret));
    if (rotatedSecret != null) {
      values.add(rotatedSecret);
    }
    return values;
  }

  @Override
  public void close() throws Exception {
    if (eventSource != null) {
      eventSource.close();
    }
    followUps.shutdown();
    followUps.awaitTermination(10, TimeUnit.SECONDS);
    github.close();
    sqs.deleteQueue(b -> b.queueUrl(queueUrl));
    sqs.deleteQueue(b -> b.queueUrl(deadLetterUrl));
    for (String arn : List.of(credentialArn, webhookSecretArn)) {
      secrets.deleteSecret(b -> b.secretId(arn).forceDeleteWithoutRecovery(true));
    }
  }

  /** The reconciler's clock: real time plus however far the scenario moved it. */
  static final class MovableClock extends Clock {
    private final AtomicLong offsetMillis = new AtomicLong();

    void advance(Duration by) {
      offsetMillis.addAndGet(by.toMillis());
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return Instant.now().plusMillis(offsetMillis.get());
    }
  }
}
