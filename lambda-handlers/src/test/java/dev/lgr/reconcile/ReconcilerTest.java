package dev.lgr.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.github.GitHubClient;
import dev.lgr.github.RunnerPruner;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.webhook.JobQueue;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reconciler's decisions, against the OpenAPI-checked GitHub stand-in. */
class ReconcilerTest {
  private static final String REPO = "octo/app";
  private static final List<String> LABELS = List.of("self-hosted", "lambda");
  private static final String HOOK_URL =
      "https://abc.execute-api.us-east-1.amazonaws.com/lgr/webhook";

  private final GitHubStandIn standIn = GitHubStandIn.start().repo(REPO).org("octo").token("t");
  private final GitHubClient client =
      new GitHubClient(standIn.baseUrl(), () -> "t", () -> 60_000, 10);
  private final List<JobRequest> sent = new ArrayList<>();
  private final JobQueue queue = sent::add;

  @AfterEach
  void stop() {
    assertThat(standIn.violations()).isEmpty();
    assertThat(standIn.responseMismatches()).isEmpty();
    standIn.close();
  }

  private static ReconcileSettings settings(
      List<String> repos, List<String> orgs, boolean placeholder, int budget) {
    return new ReconcileSettings(
        new RoutingRules(LABELS, repos, orgs),
        1,
        placeholder,
        HOOK_URL,
        Duration.ofMinutes(5),
        Duration.ofMinutes(30),
        Duration.ofHours(3),
        budget,
        0);
  }

  /** A reconciler whose clock is {@code shift} ahead of the stand-in's. */
  private Reconciler reconciler(ReconcileSettings settings, Duration shift) {
    return new Reconciler(client, queue, settings, Clock.offset(Clock.systemUTC(), shift));
  }

  private Reconciler repoReconciler(Duration shift) {
    standIn.addRunner(REPO, RunnerPruner.PLACEHOLDER, LABELS);
    return reconciler(settings(List.of(REPO), List.of(), true, 500), shift);
  }

  @Test
  void job_queuedWithinTheGracePeriod_isLeftToItsWebhook() {
    standIn.putJob(REPO, 42, 7, LABELS);

    ReconcileReport report = repoReconciler(Duration.ofMinutes(4)).run();

    assertThat(sent).isEmpty();
    assertThat(report.queuedJobsSeen()).isZero(); // its run is too young to be looked into
    assertThat(report.complete()).isTrue();
  }

  @Test
  void job_queuedLongerThanTheGracePeriod_isEnqueuedWithTheWebhooksIds() {
    standIn.putJob(REPO, 42, 7, 2, "build", LABELS);

    ReconcileReport report = repoReconciler(Duration.ofMinutes(6)).run();

    assertThat(sent).hasSize(1);
    JobRequest request = sent.get(0);
    assertThat(request.repository()).isEqualTo(REPO);
    assertThat(request.scope()).isEqualTo(RoutingRules.Scope.REPOSITORY);
    assertThat(request.jobId()).isEqualTo(42);
    assertThat(request.runId()).isEqualTo(7);
    assertThat(request.runAttempt()).isEqualTo(2);
    assertThat(request.labels()).isEqualTo(LABELS);
    // the same ids a webhook's message has: a late webhook within SQS's window starts nothing
    assertThat(request.messageGroupId()).isEqualTo("42");
    assertThat(request.deduplicationId()).isEqualTo("42-2");
    assertThat(report.queuedJobsSeen()).isEqualTo(1);
    assertThat(report.jobsEnqueued()).isEqualTo(1);
    assertThat(report.actions()).anyMatch(a -> a.startsWith("enqueued octo/app job 42"));
  }

  @Test
  void job_withOtherLabels_isNotOurs() {
    standIn.putJob(REPO, 42, 7, List.of("self-hosted", "gpu"));
    standIn.putJob(REPO, 43, 8, List.of("ubuntu-latest"));

    ReconcileReport report = repoReconciler(Duration.ofMinutes(10)).run();

    assertThat(sent).isEmpty();
    assertThat(report.queuedJobsSeen()).isEqualTo(2);
  }

  @Test
  void labels_matchWithoutRegardToCaseOrOrder() {
    standIn.putJob(REPO, 42, 7, List.of("Lambda", "SELF-HOSTED"));

    repoReconciler(Duration.ofMinutes(10)).run();

    assertThat(sent).extracting(JobRequest::jobId).containsExactly(42L);
  }

  @Test
  void job_whoseRunnerIsOnlineAndIdle_isBeingServed() {
    standIn.putJob(REPO, 42, 7, LABELS);
    standIn.addRunner(REPO, "lgr-42-abcdef", LABELS);
    standIn.runnerStatus("lgr-42-abcdef", "online", false);

    repoReconciler(Duration.ofMinutes(10)).run();

    assertThat(sent).isEmpty();
  }

  @Test
  void job_whoseRunnerTookAnotherJob_orDied_getsARunner() {
    standIn.putJob(REPO, 42, 7, LABELS);
    standIn.putJob(REPO, 43, 7, LABELS);
    standIn.putJob(REPO, 44, 8, LABELS);
    standIn.addRunner(REPO, "lgr-42-abcdef", LABELS);
    standIn.assignJob(43, "lgr-42-abcdef"); // stolen: 42's runner runs 43
    standIn.addRunner(REPO, "lgr-44-012345", LABELS); // offline: it crashed before connecting

    repoReconciler(Duration.ofMinutes(10)).run();

    assertThat(sent).extracting(JobRequest::jobId).containsExactlyInAnyOrder(42L, 44L);
  }

  @Test
  void jobsInProgressOrDone_areLeftAlone_butAQueuedJobOfARunInProgressIsNot() {
    standIn.putJob(REPO, 42, 7, LABELS);
    standIn.addRunner(REPO, "lgr-42-abcdef", LABELS);
    standIn.assignJob(42, "lgr-42-abcdef");
    standIn.putJob(REPO, 43, 7, LABELS); // the run's next job, still queued
    standIn.putJob(REPO, 44, 8, LABELS);
    standIn.setJobStatus(44, "completed", "cancelled");

    repoReconciler(Duration.ofMinutes(10)).run();

    assertThat(sent).extracting(JobRequest::jobId).containsExactly(43L);
  }

  @Test
  void secondRun_doesNotEnqueueTheSameJobAgain_andReadsUnchangedListsFree() {
    standIn.putJob(REPO, 42, 7, LABELS);
    Reconciler reconciler = repoReconciler(Duration.ofMinutes(10));

    ReconcileReport first = reconciler.run();
    ReconcileReport second = reconciler.run();

    assertThat(sent).hasSize(1);
    assertThat(first.jobsEnqueued()).isEqualTo(1);
    assertThat(second.jobsEnqueued()).isZero();
    assertThat(second.queuedJobsSeen()).isEqualTo(1);
    // runs and jobs unchanged: conditional requests answered 304
    assertThat(second.notModified()).isGreaterThanOrEqualTo(2);
    assertThat(standIn.requests())
        .filteredOn(r -> r.status() == 304)
        .allMatch(r -> r.header("if-none-match") != null);
  }

  @Test
  void moreThanAHundredQueuedRuns_areAllRead() {
    for (int i = 0; i < 130; i++) {
      standIn.putJob(REPO, 1000 + i, 500 + i, LABELS);
    }

    ReconcileReport report = repoReconciler(Duration.ofMinutes(10)).run();

    assertThat(report.jobsEnqueued()).isEqualTo(130);
    assertThat(standIn.requests())
        .filteredOn(r -> r.path().equals("/repos/octo/app/actions/runs"))
        .extracting(r -> r.query())
        .anyMatch(q -> q.contains("page=2"));
  }

  @Test
  void budget_stopsTheRun_andTheNextRunGoesOnWhereItStopped() {
    List<String> repos = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String repo = "octo/r" + i;
      standIn.repo(repo);
      standIn.addRunner(repo, RunnerPruner.PLACEHOLDER, LABELS);
      standIn.putJob(repo, 100 + i, 200 + i, LABELS);
      repos.add(repo);
    }
    // 4 requests a repository (runners, queued runs, the run's jobs, runs in progress): 12 is 3
    Reconciler reconciler =
        reconciler(settings(repos, List.of(), true, 12), Duration.ofMinutes(10));

    ReconcileReport first = reconciler.run();
    ReconcileReport second = reconciler.run();

    assertThat(first.budgetExhausted()).isTrue();
    assertThat(first.githubCalls()).isLessThanOrEqualTo(12);
    assertThat(second.budgetExhausted()).isTrue();
    assertThat(first.jobsEnqueued()).isEqualTo(3);
    assertThat(sent)
        .extracting(JobRequest::jobId)
        .containsExactly(100L, 101L, 102L, 103L, 104L, 105L);
  }

  @Test
  void placeholder_isRestoredWhenGone_only() {
    Reconciler reconciler =
        reconciler(settings(List.of(REPO), List.of(), true, 500), Duration.ZERO);

    ReconcileReport first = reconciler.run();
    ReconcileReport second = reconciler.run();

    assertThat(first.placeholderRestored()).isTrue();
    assertThat(second.placeholderRestored()).isFalse();
    assertThat(standIn.runners(REPO))
        .filteredOn(r -> r.name().equals(RunnerPruner.PLACEHOLDER))
        .singleElement()
        .satisfies(r -> assertThat(r.labels()).isEqualTo(LABELS));
  }

  @Test
  void placeholder_notConfigured_isNotMade() {
    ReconcileReport report =
        reconciler(settings(List.of(REPO), List.of(), false, 500), Duration.ZERO).run();

    assertThat(report.placeholderRestored()).isFalse();
    assertThat(standIn.runners(REPO)).isEmpty();
  }

  @Test
  void leakedRunners_areRemoved_busyForeignAndPlaceholderKept() {
    standIn.putJob(REPO, 101, 1, LABELS);
    standIn.addRunner(REPO, "lgr-101-a1b2c3", LABELS);
    standIn.setJobStatus(101, "completed", "success");
    standIn.putJob(REPO, 102, 2, LABELS);
    standIn.addRunner(REPO, "lgr-102-d4e5f6", LABELS);
    standIn.assignJob(102, "lgr-102-d4e5f6");
    standIn.addRunner(REPO, "build-box-1", LABELS);

    ReconcileReport report = repoReconciler(Duration.ofHours(1)).run();

    assertThat(report.runnersRemoved()).isEqualTo(1);
    assertThat(standIn.runners(REPO))
        .extracting(GitHubStandIn.RegisteredRunner::name)
        .containsExactlyInAnyOrder(RunnerPruner.PLACEHOLDER, "lgr-102-d4e5f6", "build-box-1");
  }

  private long orgHook() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("url", HOOK_URL);
    config.put("content_type", "json");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", "web");
    body.put("events", List.of("workflow_job"));
    body.put("config", config);
    assertThat(client.call("POST", "/orgs/octo/hooks", body).status()).isEqualTo(201);
    return standIn.hooks("octo").get(0).id();
  }

  @Test
  void failedDeliveries_ofTheOrganizationsHook_areRedeliveredOnce() {
    long hook = orgHook();
    Instant now = Instant.now();
    long failed = standIn.recordDelivery("octo", hook, "workflow_job", "queued", 502, now);
    long timedOut =
        standIn.recordDelivery("octo", hook, "workflow_job", "queued", 504, now.minusSeconds(60));
    standIn.recordDelivery("octo", hook, "workflow_job", "queued", 202, now);
    standIn.recordDelivery("octo", hook, "workflow_job", "completed", 502, now); // not a start
    standIn.recordDelivery("octo", hook, "push", null, 502, now);
    standIn.recordDelivery(
        "octo", hook, "workflow_job", "queued", 502, now.minus(Duration.ofHours(4))); // too old
    standIn.addRunner("octo", RunnerPruner.PLACEHOLDER, LABELS);
    Reconciler reconciler =
        reconciler(settings(List.of(), List.of("octo"), true, 500), Duration.ZERO);

    ReconcileReport first = reconciler.run();
    standIn.redeliveryStatus(502); // the redeliveries fail too: still not redelivered again
    ReconcileReport second = reconciler.run();
    ReconcileReport third =
        reconciler(settings(List.of(), List.of("octo"), true, 500), Duration.ZERO).run();

    assertThat(first.deliveriesRedelivered()).isEqualTo(2);
    assertThat(second.deliveriesRedelivered()).isZero();
    assertThat(third.deliveriesRedelivered()).isZero(); // a fresh instance reads the redeliveries
    assertThat(standIn.redeliveredIds()).containsExactlyInAnyOrder(failed, timedOut);
    assertThat(first.errors()).isEmpty();
  }

  @Test
  void manyDeliveries_arePagedThroughTheWindow() {
    long hook = orgHook();
    Instant now = Instant.now();
    for (int i = 0; i < 150; i++) {
      standIn.recordDelivery("octo", hook, "workflow_job", "queued", 202, now.minusSeconds(i));
    }
    long failed =
        standIn.recordDelivery("octo", hook, "workflow_job", "queued", 500, now.minusSeconds(200));

    ReconcileReport report =
        reconciler(settings(List.of(), List.of("octo"), false, 500), Duration.ZERO).run();

    assertThat(report.deliveriesRedelivered()).isEqualTo(1);
    assertThat(standIn.redeliveredIds()).containsExactly(failed);
    assertThat(standIn.requests())
        .anyMatch(r -> r.query() != null && r.query().contains("cursor="));
  }

  @Test
  void missingHook_isAnError_andTheRestStillRuns() {
    ReconcileReport report =
        reconciler(settings(List.of(), List.of("octo"), true, 500), Duration.ZERO).run();

    assertThat(report.errors()).singleElement().asString().contains("webhook");
    assertThat(report.placeholderRestored()).isTrue();
    assertThat(report.toJson())
        .startsWith("{\"event\":\"reconciled\"")
        .contains("\"placeholder_restored\":true")
        .doesNotContain("\n");
  }

  @Test
  void settings_fromTheEnvironment_nameEveryProblem() {
    ReconcileSettings fine =
        ReconcileSettings.from(
            Map.of(
                "LGR_REPOSITORIES", "octo/app",
                "LGR_LABELS", "self-hosted,lambda",
                "LGR_GRACE_SECONDS", "600",
                "LGR_PLACEHOLDER", "false"));
    assertThat(fine.gracePeriod()).isEqualTo(Duration.ofMinutes(10));
    assertThat(fine.placeholder()).isFalse();
    assertThat(fine.apiBudget()).isEqualTo(ReconcileSettings.DEFAULT_API_BUDGET);
    assertThat(fine.runnerAgeLimit()).isEqualTo(ReconcileSettings.DEFAULT_AGE_LIMIT);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ReconcileSettings.from(Map.of("LGR_GRACE_SECONDS", "5", "LGR_API_BUDGET", "lots")))
        .hasMessageContaining("LGR_REPOSITORIES")
        .hasMessageContaining("LGR_GRACE_SECONDS")
        .hasMessageContaining("LGR_API_BUDGET");
  }
}
