package dev.lgr.bench;

import dev.lgr.github.GitHubClient;
import dev.lgr.github.RunnerPruner;
import dev.lgr.reconcile.ReconcileReport;
import dev.lgr.reconcile.ReconcileSettings;
import dev.lgr.reconcile.Reconciler;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.webhook.JobQueue;
import dev.lgr.webhook.RoutingRules;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reconciler's GitHub requests per run for 1, 10 and 100 repositories, against {@link
 * GitHubStandIn} on loopback (every request checked against GitHub's OpenAPI description).
 *
 * <p>Each repository looks like a busy one at rest: the placeholder, one job lost 10 minutes ago
 * (its webhook never came), one job running on an lgr runner, one queued job of another label, and
 * an offline lgr runner leaked an hour ago. A fresh reconciler makes a first run (no ETags yet: the
 * cold container), then {@code runs} more (a warm container: unchanged lists answer 304, which
 * GitHub does not count against the rate limit). Budget and rate-limit reserve are lifted so that
 * the whole work is counted; the default budget is 500.
 *
 * <p>Usage: {@code ReconcileBench [runs] [sizes...]} (defaults 15, and 1 10 100). Prints medians;
 * asserts nothing. Wall times include the stand-in's validation of each request and answer.
 */
public final class ReconcileBench {
  private static final List<String> LABELS = List.of("self-hosted", "lambda");

  private ReconcileBench() {}

  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    List<Integer> sizes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      sizes.add(Integer.parseInt(args[i]));
    }
    if (sizes.isEmpty()) {
      sizes = List.of(1, 10, 100);
    }
    System.out.printf(
        Locale.ROOT,
        "%6s | %-28s | %-28s | %s%n",
        "repos",
        "first run: requests (rated)",
        "later runs: requests (rated)",
        "later run ms (median)");
    for (int size : sizes) {
      measure(size, runs);
    }
  }

  private static void measure(int repositories, int runs) {
    try (GitHubStandIn github = GitHubStandIn.start().token("bench-token")) {
      List<String> repos = new ArrayList<>();
      long id = 1_000;
      for (int i = 0; i < repositories; i++) {
        String repo = "octo/repo-" + i;
        github.repo(repo);
        repos.add(repo);
        github.addRunner(repo, RunnerPruner.PLACEHOLDER, LABELS);
        long lost = id++;
        github.putJob(repo, lost, id++, LABELS);
        github.backdateJob(lost, Duration.ofMinutes(10));
        long running = id++;
        github.putJob(repo, running, id++, LABELS);
        github.addRunner(repo, "lgr-" + running + "-aaaaaa", LABELS);
        github.assignJob(running, "lgr-" + running + "-aaaaaa");
        long other = id++;
        github.putJob(repo, other, id++, List.of("ubuntu-latest"));
        github.backdateJob(other, Duration.ofMinutes(10));
        long done = id++;
        github.putJob(repo, done, id++, LABELS);
        github.backdateJob(done, Duration.ofHours(1));
        github.setJobStatus(done, "completed", "success");
        github.addRunner(repo, "lgr-" + done + "-bbbbbb", LABELS);
      }
      AtomicInteger sent = new AtomicInteger();
      JobQueue queue = request -> sent.incrementAndGet();
      GitHubClient client =
          new GitHubClient(github.baseUrl(), () -> "bench-token", () -> 600_000, 100);
      ReconcileSettings settings =
          new ReconcileSettings(
              new RoutingRules(LABELS, repos, List.of()),
              1,
              true,
              null,
              ReconcileSettings.DEFAULT_GRACE,
              ReconcileSettings.DEFAULT_AGE_LIMIT,
              ReconcileSettings.DEFAULT_REDELIVERY_WINDOW,
              1_000_000,
              0);
      Reconciler reconciler = new Reconciler(client, queue, settings, Clock.systemUTC());
      ReconcileReport first = reconciler.run();
      check(first, repositories, repositories, sent.get());
      long[] requests = new long[runs];
      long[] rated = new long[runs];
      long[] millis = new long[runs];
      for (int i = 0; i < runs; i++) {
        long start = System.nanoTime();
        ReconcileReport later = reconciler.run();
        millis[i] = (System.nanoTime() - start) / 1_000_000;
        check(later, 0, 0, sent.get());
        requests[i] = later.githubCalls();
        rated[i] = later.githubCalls() - later.notModified();
      }
      System.out.printf(
          Locale.ROOT,
          "%6d | %-28s | %-28s | %d%n",
          repositories,
          first.githubCalls() + " (" + (first.githubCalls() - first.notModified()) + ")",
          median(requests) + " (" + median(rated) + ")",
          median(millis));
      if (!github.violations().isEmpty()) {
        throw new IllegalStateException("requests GitHub would refuse: " + github.violations());
      }
    }
  }

  /** The harness did what it claims: every lost job enqueued once, every leaked runner removed. */
  private static void check(ReconcileReport report, int enqueued, int removed, int sentSoFar) {
    if (!report.errors().isEmpty()
        || report.budgetExhausted()
        || report.jobsEnqueued() != enqueued
        || report.runnersRemoved() != removed) {
      throw new IllegalStateException("the reconciler did not do the expected work: " + report);
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
