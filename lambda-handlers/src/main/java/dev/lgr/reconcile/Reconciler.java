package dev.lgr.reconcile;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.GitHubException;
import dev.lgr.github.Runner;
import dev.lgr.github.RunnerPruner;
import dev.lgr.github.RunnerScope;
import dev.lgr.webhook.JobQueue;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes good what webhooks and runners left undone: GitHub never redelivers a failed webhook on its
 * own, runners crash, and functions time out. One {@link #run()}:
 *
 * <ol>
 *   <li>for each allowed repository, puts on the jobs queue the jobs queued longer than the grace
 *       period whose labels match and that no runner is serving or starting (an online, idle {@code
 *       lgr-<job id>-…} runner). The message has the webhook's ids (group: job id, dedup: job id
 *       and run attempt), so a late webhook and the reconciler start one runner between them, and a
 *       runner that still finds the job taken starts nothing;
 *   <li>for each allowed organization, redelivers the failed {@code workflow_job} deliveries of
 *       lgr's hook within the redelivery window, each at most once: one request per delivery, where
 *       finding the jobs would mean listing every repository of the organization;
 *   <li>removes offline {@code lgr-} runners older than the age limit ({@link RunnerPruner}), and
 *       registers the placeholder again where it was configured and is gone.
 * </ol>
 *
 * <p>It stays within GitHub's rate limits: lists are read with conditional requests (a 304 answer
 * does not count against the limit), runs younger than the grace period are not looked into, and a
 * run stops at its request budget or when GitHub says few requests are left; the next run starts
 * with the repository where it stopped. Keep one instance across runs (a warm Lambda container
 * does): it holds the answers' ETags and what it already enqueued and redelivered.
 */
public final class Reconciler {
  /** The delivery id a reconciler's job request carries. */
  public static final String DELIVERY_ID = "reconcile";

  private static final int PER_PAGE = 100;
  private static final int MAX_CACHED_PAGES = 5_000;

  private final GitHubClient github;
  private final JobQueue queue;
  private final ReconcileSettings settings;
  private final Clock clock;
  private final RunnerPruner pruner;

  private final Map<String, CachedPage> pages = new ConcurrentHashMap<>();
  private final Map<String, Instant> enqueued = new ConcurrentHashMap<>();
  private final Map<String, Instant> redelivered = new ConcurrentHashMap<>();
  private int nextScope;

  public Reconciler(GitHubClient github, JobQueue queue, ReconcileSettings settings, Clock clock) {
    this.github = github;
    this.queue = queue;
    this.settings = settings;
    this.clock = clock;
    this.pruner = new RunnerPruner(github, clock);
  }

  /** One pass over every repository and organization; never throws for a GitHub failure. */
  public synchronized ReconcileReport run() {
    Pass pass = new Pass();
    List<RunnerScope> scopes = scopes();
    int done = 0;
    try {
      for (; done < scopes.size(); done++) {
        RunnerScope scope = scopes.get((nextScope + done) % scopes.size());
        try {
          if (scope.repository() != null) {
            repository(scope, pass);
          } else {
            organization(scope, pass);
          }
        } catch (GitHubException | JobQueue.QueueException e) {
          pass.errors.add(scope + ": " + e.getMessage());
        }
      }
    } catch (BudgetExhausted e) {
      pass.budgetExhausted = true;
    }
    nextScope = scopes.isEmpty() ? 0 : (nextScope + done) % scopes.size();
    forgetOld();
    return pass.report(scopes.size());
  }

  private List<RunnerScope> scopes() {
    List<RunnerScope> scopes = new ArrayList<>();
    RoutingRules rules = settings.rules();
    rules.repositories().forEach(r -> scopes.add(RunnerScope.repository(r)));
    rules.organizations().forEach(o -> scopes.add(RunnerScope.organization(o)));
    return scopes;
  }

  private void repository(RunnerScope scope, Pass pass) {
    List<Runner> runners = runners(scope, pass);
    enqueueLostJobs(scope.repository(), runners, pass);
    prune(scope, runners, List.of(scope.repository()), pass);
    placeholder(scope, runners, pass);
  }

  private void organization(RunnerScope scope, Pass pass) {
    List<Runner> runners = runners(scope, pass);
    redeliverFailed(scope, pass);
    String owner = scope.organization().toLowerCase(Locale.ROOT) + "/";
    List<String> itsRepositories =
        settings.rules().repositories().stream()
            .filter(r -> r.toLowerCase(Locale.ROOT).startsWith(owner))
            .toList();
    prune(scope, runners, itsRepositories, pass);
    placeholder(scope, runners, pass);
  }

  /** Every runner of the scope (all pages, asked for conditionally). */
  private List<Runner> runners(RunnerScope scope, Pass pass) {
    List<Runner> runners = new ArrayList<>();
    for (Map<String, Object> runner :
        list(scope.path() + "/actions/runners?per_page=" + PER_PAGE, "runners", pass)) {
      runners.add(GitHubClient.runner(runner));
    }
    return runners;
  }

  // ---- lost jobs ------------------------------------------------------------------------------

  private void enqueueLostJobs(String repository, List<Runner> runners, Pass pass) {
    Instant now = clock.instant();
    Instant queuedBefore = now.minus(settings.gracePeriod());
    for (String status : List.of("queued", "in_progress")) {
      // A run in progress may hold a queued job (the next one of its workflow).
      String runs =
          "/repos/" + repository + "/actions/runs?status=" + status + "&per_page=" + PER_PAGE;
      for (Map<String, Object> run : list(runs, "workflow_runs", pass)) {
        Instant started = instant(run.get("run_started_at"), instant(run.get("created_at"), now));
        if (started.isAfter(queuedBefore)) {
          continue; // none of its jobs can have waited long enough
        }
        String jobs =
            "/repos/"
                + repository
                + "/actions/runs/"
                + number(run.get("id"))
                + "/jobs?filter=latest&per_page="
                + PER_PAGE;
        for (Map<String, Object> job : list(jobs, "jobs", pass)) {
          if ("queued".equals(job.get("status"))) {
            pass.queuedJobsSeen++;
            considerJob(repository, job, runners, queuedBefore, now, pass);
          }
        }
      }
    }
  }

  private void considerJob(
      String repository,
      Map<String, Object> job,
      List<Runner> runners,
      Instant queuedBefore,
      Instant now,
      Pass pass) {
    long jobId = number(job.get("id"));
    List<String> labels = new ArrayList<>();
    if (job.get("labels") instanceof List<?> list) {
      list.forEach(label -> labels.add(String.valueOf(label)));
    }
    Instant created = instant(job.get("created_at"), now);
    if (created.isAfter(queuedBefore)
        || !settings.rules().matchesLabels(labels)
        || servedOrStarting(jobId, runners)) {
      return;
    }
    long attempt = Math.max(1, number(job.get("run_attempt")));
    JobRequest request =
        new JobRequest(
            repository,
            RoutingRules.Scope.REPOSITORY,
            jobId,
            number(job.get("run_id")),
            attempt,
            labels,
            DELIVERY_ID);
    Instant last = enqueued.get(request.deduplicationId());
    if (last != null && last.isAfter(now.minus(requeueAfter()))) {
      return; // its runner may still be on the way: the queue may be at the concurrency limit
    }
    queue.send(request);
    enqueued.put(request.deduplicationId(), now);
    pass.jobsEnqueued++;
    pass.actions.add(
        "enqueued "
            + repository
            + " job "
            + jobId
            + " (attempt "
            + attempt
            + "), queued "
            + Duration.between(created, now).toMinutes()
            + " min ago");
  }

  /**
   * Whether a runner is on the way to the job: one lgr started for it is online and idle (GitHub
   * hands it the job). A busy one took another job; an offline one died (or is just now being
   * registered, in which case the extra runner finds nothing to do and stops within a minute).
   */
  static boolean servedOrStarting(long jobId, List<Runner> runners) {
    String prefix = "lgr-" + jobId + "-";
    return runners.stream().anyMatch(r -> r.name().startsWith(prefix) && r.online() && !r.busy());
  }

  private Duration requeueAfter() {
    return settings.gracePeriod().multipliedBy(3);
  }

  // ---- failed deliveries ----------------------------------------------------------------------

  private void redeliverFailed(RunnerScope scope, Pass pass) {
    if (settings.webhookUrl() == null || settings.redeliveryWindow().isZero()) {
      return;
    }
    Long hookId = null;
    for (Map<String, Object> hook : list(scope.path() + "/hooks?per_page=100", null, pass)) {
      if (hook.get("config") instanceof Map<?, ?> config
          && settings.webhookUrl().equals(config.get("url"))) {
        hookId = number(hook.get("id"));
      }
    }
    if (hookId == null) {
      pass.errors.add(scope + ": lgr's webhook (" + settings.webhookUrl() + ") is not there");
      return;
    }
    Instant since = clock.instant().minus(settings.redeliveryWindow());
    String deliveries = scope.path() + "/hooks/" + hookId + "/deliveries";
    List<Map<String, Object>> recent = new ArrayList<>();
    String next = deliveries + "?per_page=" + PER_PAGE;
    while (next != null) {
      Page page = page(next, null, pass);
      boolean older = false;
      for (Map<String, Object> delivery : page.items()) {
        if (instant(delivery.get("delivered_at"), Instant.EPOCH).isBefore(since)) {
          older = true; // newest first: the rest is older still
        } else {
          recent.add(delivery);
        }
      }
      next = older ? null : page.next();
    }
    Map<Object, Boolean> settled = new HashMap<>(); // guid -> succeeded or redelivered already
    for (Map<String, Object> delivery : recent) {
      if (Boolean.TRUE.equals(delivery.get("redelivery")) || succeeded(delivery)) {
        settled.put(delivery.get("guid"), true);
      }
    }
    for (Map<String, Object> delivery : recent) {
      Object guid = delivery.get("guid");
      boolean queuedJob =
          "workflow_job".equals(delivery.get("event"))
              && (delivery.get("action") == null || "queued".equals(delivery.get("action")));
      if (!queuedJob
          || succeeded(delivery)
          || settled.containsKey(guid)
          || redelivered.containsKey(String.valueOf(guid))) {
        continue;
      }
      pass.spend();
      long id = number(delivery.get("id"));
      GitHubClient.Response answer = github.call("POST", deliveries + "/" + id + "/attempts", null);
      if (answer.status() != 202) {
        pass.errors.add(
            scope + ": redelivering delivery " + id + " failed: HTTP " + answer.status());
        continue;
      }
      redelivered.put(String.valueOf(guid), clock.instant());
      settled.put(guid, true);
      pass.deliveriesRedelivered++;
      pass.actions.add("redelivered " + scope + " delivery " + id + " (" + guid + ")");
    }
  }

  private static boolean succeeded(Map<String, Object> delivery) {
    long code = number(delivery.get("status_code"));
    return code >= 200 && code < 300;
  }

  // ---- runners ----------------------------------------------------------------------------

  private void prune(
      RunnerScope scope, List<Runner> runners, List<String> repositories, Pass pass) {
    long offlineLgr =
        runners.stream().filter(r -> r.name().startsWith("lgr-") && !r.online()).count();
    pass.spend(offlineLgr); // one job lookup each, to know its age
    for (RunnerPruner.Decision decision :
        pruner.plan(scope, runners, repositories, settings.runnerAgeLimit(), false)) {
      if (!decision.remove()) {
        continue;
      }
      pass.spend();
      try {
        pruner.remove(List.of(decision));
        pass.runnersRemoved++;
        pass.actions.add(
            "removed runner "
                + decision.runner().name()
                + " of "
                + scope
                + ": "
                + decision.reason());
      } catch (GitHubException e) {
        // It took a job between the listing and now (422), or GitHub failed: next run.
        pass.errors.add(scope + ": runner " + decision.runner().name() + ": " + e.getMessage());
      }
    }
  }

  private void placeholder(RunnerScope scope, List<Runner> runners, Pass pass) {
    if (!settings.placeholder()
        || runners.stream().anyMatch(r -> r.name().equals(RunnerPruner.PLACEHOLDER))) {
      return;
    }
    pass.spend();
    github.generateJitConfig(
        scope,
        RunnerPruner.PLACEHOLDER,
        settings.runnerGroupId(),
        settings.rules().labels(),
        "_work");
    pass.placeholderRestored = true;
    pass.actions.add("restored the placeholder " + RunnerPruner.PLACEHOLDER + " on " + scope);
  }

  // ---- reading lists ----------------------------------------------------------------------

  /** One page as read, with its ETag for the next conditional request. */
  private record CachedPage(String etag, List<Map<String, Object>> items, String next) {}

  private record Page(List<Map<String, Object>> items, String next) {}

  /** Every item of a paged list (all pages). */
  private List<Map<String, Object>> list(String first, String field, Pass pass) {
    List<Map<String, Object>> items = new ArrayList<>();
    String next = first;
    while (next != null) {
      Page page = page(next, field, pass);
      items.addAll(page.items());
      next = page.next();
    }
    return items;
  }

  /**
   * One page, asked for conditionally when it was read before: a 304 answer gives the items kept.
   *
   * @param field the object field holding the items, or null when the answer is an array
   */
  @SuppressWarnings("unchecked")
  private Page page(String url, String field, Pass pass) {
    pass.spend();
    CachedPage cached = pages.get(url);
    GitHubClient.Response answer = github.getIfChanged(url, cached == null ? null : cached.etag());
    if (answer.status() == 304 && cached != null) {
      return new Page(cached.items(), cached.next());
    }
    if (answer.status() != 200) {
      throw new GitHubException(
          answer.status(), "GET " + pathOnly(url) + " failed: HTTP " + answer.status());
    }
    List<Map<String, Object>> items = new ArrayList<>();
    try {
      Object body =
          field == null ? JSON.std.listFrom(answer.body()) : JSON.std.mapFrom(answer.body());
      Object list = field == null ? body : ((Map<String, Object>) body).get(field);
      if (list instanceof List<?> values) {
        for (Object value : values) {
          if (value instanceof Map<?, ?> item) {
            items.add((Map<String, Object>) item);
          }
        }
      }
    } catch (IOException | ClassCastException e) {
      throw new GitHubException(200, "GET " + pathOnly(url) + ": not the JSON expected");
    }
    String next = GitHubClient.nextPage(answer.header("link"));
    String etag = answer.header("etag");
    if (etag != null) {
      if (pages.size() >= MAX_CACHED_PAGES) {
        pages.clear();
      }
      pages.put(url, new CachedPage(etag, List.copyOf(items), next));
    }
    return new Page(items, next);
  }

  private void forgetOld() {
    Instant now = clock.instant();
    enqueued.values().removeIf(at -> at.isBefore(now.minus(requeueAfter())));
    redelivered.values().removeIf(at -> at.isBefore(now.minus(settings.redeliveryWindow())));
  }

  private static String pathOnly(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }

  private static long number(Object value) {
    return value instanceof Number n ? n.longValue() : -1;
  }

  private static Instant instant(Object value, Instant fallback) {
    if (value instanceof String text) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e) {
        return fallback;
      }
    }
    return fallback;
  }

  /** The run's budget is spent, or GitHub's rate limit is down to the reserve. */
  private static final class BudgetExhausted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BudgetExhausted() {
      super(null, null, false, false);
    }
  }

  /** What one run counts. */
  private final class Pass {
    final long startNanos = System.nanoTime();
    final long callsBefore = github.requestsSent();
    final long notModifiedBefore = github.notModifiedAnswers();
    final List<String> actions = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    int queuedJobsSeen;
    int jobsEnqueued;
    int deliveriesRedelivered;
    int runnersRemoved;
    boolean placeholderRestored;
    boolean budgetExhausted;

    void spend() {
      spend(1);
    }

    /** Stops the run unless {@code requests} more fit in the budget and the rate limit. */
    void spend(long requests) {
      // 304 answers are free of GitHub's rate limit, and so of the budget.
      long used =
          github.requestsSent() - callsBefore - (github.notModifiedAnswers() - notModifiedBefore);
      long remaining = github.rateLimitRemaining();
      if (used + requests > settings.apiBudget()
          || (remaining >= 0 && remaining - requests < settings.rateLimitReserve())) {
        throw new BudgetExhausted();
      }
    }

    ReconcileReport report(int scopes) {
      return new ReconcileReport(
          scopes,
          queuedJobsSeen,
          jobsEnqueued,
          deliveriesRedelivered,
          runnersRemoved,
          placeholderRestored,
          github.requestsSent() - callsBefore,
          github.notModifiedAnswers() - notModifiedBefore,
          budgetExhausted,
          actions,
          errors,
          (System.nanoTime() - startNanos) / 1_000_000);
    }
  }
}
