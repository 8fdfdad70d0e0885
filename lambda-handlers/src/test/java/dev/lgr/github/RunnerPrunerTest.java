package dev.lgr.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.testing.GitHubStandIn;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pruner against the OpenAPI-checked GitHub stand-in. */
class RunnerPrunerTest {
  private static final String REPO = "octo/app";
  private static final List<String> LABELS = List.of("self-hosted", "lambda");

  private final GitHubStandIn standIn = GitHubStandIn.start().repo(REPO).org("octo").token("t");
  private final GitHubClient client =
      new GitHubClient(standIn.baseUrl(), () -> "t", () -> 60_000, 10);

  @AfterEach
  void stop() {
    assertThat(standIn.violations()).isEmpty();
    standIn.close();
  }

  /** Runners of every kind; jobs queued now, so "now + shift" makes them that old. */
  private void runners() {
    standIn.addRunner(REPO, RunnerPruner.PLACEHOLDER, LABELS);
    standIn.putJob(REPO, 101, 1, LABELS);
    standIn.setJobStatus(101, "completed", "failure");
    standIn.addRunner(REPO, "lgr-101-a1b2c3", LABELS); // offline, lgr's: the one to prune
    standIn.putJob(REPO, 102, 2, LABELS);
    standIn.addRunner(REPO, "lgr-102-d4e5f6", LABELS);
    standIn.assignJob(102, "lgr-102-d4e5f6"); // busy
    standIn.putJob(REPO, 103, 3, LABELS);
    standIn.addRunner(REPO, "lgr-103-abcdef", LABELS);
    standIn.runnerStatus("lgr-103-abcdef", "online", false); // online, waiting for a job
    standIn.addRunner(REPO, "lgr-999-000000", LABELS); // its job is unknown
    standIn.addRunner(REPO, "build-box-1", LABELS); // someone else's
  }

  private Map<String, RunnerPruner.Decision> plan(
      Duration shift, Duration olderThan, boolean foreign) {
    RunnerPruner pruner = new RunnerPruner(client, Clock.offset(Clock.systemUTC(), shift));
    return pruner.plan(RunnerScope.repository(REPO), List.of(), olderThan, foreign).stream()
        .collect(Collectors.toMap(d -> d.runner().name(), Function.identity()));
  }

  @Test
  void oldOfflineLgrRunners_go_andNothingElse() {
    runners();

    Map<String, RunnerPruner.Decision> plan =
        plan(Duration.ofHours(1), Duration.ofMinutes(30), false);

    assertThat(plan.entrySet().stream().filter(e -> e.getValue().remove()).map(Map.Entry::getKey))
        .containsExactly("lgr-101-a1b2c3");
    assertThat(plan.get(RunnerPruner.PLACEHOLDER).reason()).contains("never removed");
    assertThat(plan.get("lgr-102-d4e5f6").reason()).isEqualTo("busy with a job");
    assertThat(plan.get("lgr-103-abcdef").reason()).isEqualTo("online");
    assertThat(plan.get("lgr-999-000000").reason()).contains("age unknown");
    assertThat(plan.get("build-box-1").reason()).isEqualTo("not made by lgr");
    assertThat(plan.get("lgr-101-a1b2c3").age()).isGreaterThan(Duration.ofMinutes(59));
  }

  @Test
  void youngRunners_stay_becauseAJustRegisteredRunnerIsOfflineToo() {
    runners();

    Map<String, RunnerPruner.Decision> plan = plan(Duration.ZERO, Duration.ofMinutes(30), false);

    assertThat(plan.values()).noneMatch(RunnerPruner.Decision::remove);
    assertThat(plan.get("lgr-101-a1b2c3").reason()).startsWith("younger than 30 min");
  }

  @Test
  void includeForeign_takesOfflineRunnersOfOthersToo_butNeverThePlaceholder() {
    runners();

    Map<String, RunnerPruner.Decision> plan =
        plan(Duration.ofHours(1), Duration.ofMinutes(30), true);

    assertThat(plan.get("build-box-1").remove()).isTrue();
    assertThat(plan.get(RunnerPruner.PLACEHOLDER).remove()).isFalse();
  }

  @Test
  void remove_deletesWhatThePlanChose_acrossPages() {
    runners();
    for (int i = 0; i < 120; i++) {
      standIn.putJob(REPO, 5000 + i, 9000 + i, LABELS);
      standIn.setJobStatus(5000 + i, "completed", "cancelled");
      standIn.addRunner(REPO, String.format("lgr-%d-%06x", 5000 + i, i), LABELS);
    }
    RunnerPruner pruner =
        new RunnerPruner(client, Clock.offset(Clock.systemUTC(), Duration.ofHours(2)));

    List<RunnerPruner.Decision> plan =
        pruner.plan(RunnerScope.repository(REPO), List.of(), Duration.ofMinutes(30), false);
    List<RunnerPruner.Decision> removed = pruner.remove(plan);

    assertThat(plan).hasSize(126);
    assertThat(removed).hasSize(121);
    assertThat(standIn.runners(REPO).stream().map(GitHubStandIn.RegisteredRunner::name))
        .containsExactlyInAnyOrder(
            RunnerPruner.PLACEHOLDER,
            "lgr-102-d4e5f6",
            "lgr-103-abcdef",
            "lgr-999-000000",
            "build-box-1");
  }

  @Test
  void organizationRunners_getTheirAgeFromTheServedRepositories() {
    standIn.putJob(REPO, 201, 21, LABELS);
    standIn.setJobStatus(201, "completed", "success");
    standIn.addRunner("octo", "lgr-201-aaaaaa", LABELS);
    RunnerPruner pruner =
        new RunnerPruner(client, Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));

    List<RunnerPruner.Decision> plan =
        pruner.plan(RunnerScope.organization("octo"), List.of(REPO), Duration.ofMinutes(30), false);

    assertThat(plan).singleElement().satisfies(d -> assertThat(d.remove()).isTrue());
  }

  @Test
  void aRunnerWhoseJobIsStillQueued_stays_evenWhenOld_becauseItMayBeStarting() {
    standIn.putJob(REPO, 301, 31, LABELS); // waited an hour, e.g. behind the concurrency limit
    standIn.addRunner(REPO, "lgr-301-bbbbbb", LABELS); // registered for it, not yet connected

    Map<String, RunnerPruner.Decision> plan =
        plan(Duration.ofHours(1), Duration.ofMinutes(30), false);

    assertThat(plan.get("lgr-301-bbbbbb").remove()).isFalse();
    assertThat(plan.get("lgr-301-bbbbbb").reason()).contains("still queued");

    standIn.setJobStatus(301, "completed", "cancelled"); // once it is over, the runner is a leak
    assertThat(
            plan(Duration.ofHours(1), Duration.ofMinutes(30), false).get("lgr-301-bbbbbb").remove())
        .isTrue();
  }
}
