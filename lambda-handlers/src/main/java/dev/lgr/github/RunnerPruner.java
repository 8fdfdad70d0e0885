package dev.lgr.github;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks and removes the runners lgr left behind: offline {@code lgr-} runners older than a limit.
 * Never the placeholder, never a busy or online runner, never someone else's (unless asked). Used
 * by {@code lgr prune-runners} and by the reconciler.
 *
 * <p>GitHub does not say when a runner was registered, so a runner's age is its job's: lgr names
 * runners {@code lgr-<job id>-<random>} and registers them just after the job was queued. A runner
 * whose job cannot be found has no known age and is kept, and so is one whose job is still queued:
 * a runner registered a moment ago is offline too until it connects, and a job can wait behind the
 * concurrency limit longer than the age limit.
 */
public final class RunnerPruner {
  /** The placeholder runner's name; never removed. */
  public static final String PLACEHOLDER = "DEFAULT-LAMBDA-DO-NOT-REMOVE";

  private static final Pattern LGR_NAME = Pattern.compile("lgr-(\\d+)-[0-9a-f]+");

  /**
   * One runner and what becomes of it.
   *
   * @param age since its job was queued, or null when unknown
   * @param reason why it goes or stays, in words
   */
  public record Decision(
      RunnerScope scope, Runner runner, Duration age, boolean remove, String reason) {}

  private final GitHubClient github;
  private final Clock clock;

  public RunnerPruner(GitHubClient github, Clock clock) {
    this.github = github;
    this.clock = clock;
  }

  /**
   * Decides for every runner of a scope (all pages).
   *
   * @param repositories where to look for a runner's job: the scope's repository, or for an
   *     organization the repositories lgr serves there
   */
  public List<Decision> plan(
      RunnerScope scope, List<String> repositories, Duration olderThan, boolean includeForeign) {
    return plan(scope, github.runners(scope), repositories, olderThan, includeForeign);
  }

  /** Decides for runners of a scope already listed. */
  public List<Decision> plan(
      RunnerScope scope,
      List<Runner> runners,
      List<String> repositories,
      Duration olderThan,
      boolean includeForeign) {
    List<Decision> decisions = new ArrayList<>();
    Instant now = clock.instant();
    for (Runner runner : runners) {
      decisions.add(decide(scope, runner, repositories, olderThan, includeForeign, now));
    }
    return decisions;
  }

  private Decision decide(
      RunnerScope scope,
      Runner runner,
      List<String> repositories,
      Duration olderThan,
      boolean includeForeign,
      Instant now) {
    if (runner.name().equals(PLACEHOLDER)) {
      return new Decision(scope, runner, null, false, "the placeholder is never removed");
    }
    if (runner.busy()) {
      return new Decision(scope, runner, null, false, "busy with a job");
    }
    if (runner.online()) {
      return new Decision(scope, runner, null, false, "online");
    }
    Matcher lgr = LGR_NAME.matcher(runner.name());
    if (!lgr.matches()) {
      return includeForeign
          ? new Decision(scope, runner, null, true, "offline, not lgr's (--include-foreign)")
          : new Decision(scope, runner, null, false, "not made by lgr");
    }
    WorkflowJob job = job(Long.parseLong(lgr.group(1)), scope, repositories);
    if (job == null || job.createdAt() == null) {
      return new Decision(scope, runner, null, false, "age unknown: its job was not found");
    }
    Duration age = Duration.between(job.createdAt(), now);
    if (job.queued()) {
      // Registered for a job still waiting (e.g. behind the concurrency limit): it may be starting.
      return new Decision(scope, runner, age, false, "its job is still queued: it may be starting");
    }
    if (age.compareTo(olderThan) < 0) {
      return new Decision(
          scope, runner, age, false, "younger than " + olderThan.toMinutes() + " min");
    }
    return new Decision(
        scope, runner, age, true, "offline for a job queued " + age.toMinutes() + " min ago");
  }

  /**
   * A runner's age, its job's (from the job id in an lgr runner's name); null for a runner lgr did
   * not make or whose job is not found.
   */
  public Duration age(RunnerScope scope, Runner runner, List<String> repositories) {
    Matcher lgr = LGR_NAME.matcher(runner.name());
    WorkflowJob job = lgr.matches() ? job(Long.parseLong(lgr.group(1)), scope, repositories) : null;
    return job == null || job.createdAt() == null
        ? null
        : Duration.between(job.createdAt(), clock.instant());
  }

  private WorkflowJob job(long jobId, RunnerScope scope, List<String> repositories) {
    List<String> places = scope.repository() != null ? List.of(scope.repository()) : repositories;
    for (String repository : places) {
      try {
        return github.job(repository, jobId);
      } catch (GitHubException e) {
        if (e.status() != 404) {
          throw e;
        }
      }
    }
    return null;
  }

  /**
   * Removes the runners {@link #plan} chose.
   *
   * @return those removed (a runner already gone counts as removed)
   */
  public List<Decision> remove(List<Decision> plan) {
    List<Decision> removed = new ArrayList<>();
    for (Decision decision : plan) {
      if (decision.remove()) {
        github.deleteRunner(decision.scope(), decision.runner().id());
        removed.add(decision);
      }
    }
    return removed;
  }
}
