package dev.lgr.testing;

import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lgr.webhook.WebhookFixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for GitHub's REST API on loopback, for tests: point the code under test at {@link
 * #baseUrl()} as it would point at {@code https://api.github.com}.
 *
 * <p>Every request is checked against GitHub's own OpenAPI description (a vendored subset, see
 * {@code github-openapi/NOTICE.md}); one GitHub would refuse is answered 4xx and kept in {@link
 * #violations()}. Requests need {@code Authorization: Bearer TOKEN} (or {@code token TOKEN}) with a
 * token given to {@link #token}. The stand-in keeps runners, jobs, workflow runs and webhooks of
 * the repositories and organizations declared with {@link #repo} and {@link #org}, answers in the
 * shape of the description's schemas (built from its examples with the state's values filled in),
 * records every request, and fails on purpose when told ({@link #failNext}, {@link #rateLimitNext},
 * {@link #primaryRateLimitNext}, {@link #delayNext}, or {@link #on} for one path). Safe to use from
 * several threads.
 *
 * <p>Answered (under {@code /repos/{owner}/{repo}} and, except jobs and runs, {@code /orgs/{org}}):
 * the repository itself; {@code actions/runners} (list with {@code name}, paging), {@code
 * …/{runner_id}} (get, delete), {@code generate-jitconfig}, {@code registration-token}, {@code
 * remove-token}; {@code actions/jobs/{job_id}}; {@code actions/runs} and {@code
 * actions/runs/{run_id}/jobs}; {@code hooks} (list, create), {@code hooks/{hook_id}} (get, update,
 * delete), {@code …/pings}, {@code …/deliveries} and {@code …/deliveries/{delivery_id}}.
 *
 * <p>Webhook pings (on creation and on request) are recorded as delivered with 200 at once, unless
 * {@link #deliverPings} is on: then they are really POSTed to the hook's (loopback) URL, signed
 * with its secret, and the delivery records the receiver's answer.
 */
public final class GitHubStandIn implements AutoCloseable {
  /** The runner version a runner reports once it has connected ({@link #runnerStatus}). */
  public static final String RUNNER_VERSION = "2.338.0";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOCS = "https://docs.github.com/rest";
  private static final String RATE_LIMIT_DOCS =
      "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
  private static final Set<String> JOB_STATUSES =
      Set.of("queued", "in_progress", "completed", "waiting", "requested", "pending");
  private static final Set<String> CONCLUSIONS =
      Set.of(
          "success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required");
  private static final Set<String> READ_ONLY_LABELS =
      Set.of("self-hosted", "linux", "x64", "arm64", "arm", "windows", "macos");

  private final GitHubContract contract;
  private final HttpServer server;
  private final ExecutorService executor;
  private final URI baseUrl;

  private final Object lock = new Object();
  private final Map<String, Boolean> tokens = new HashMap<>();
  private final Map<String, List<String>> tokenScopes = new HashMap<>();
  private final Map<String, ScopeState> scopes = new LinkedHashMap<>();
  private final Map<Long, JobState> jobs = new LinkedHashMap<>();
  private final Map<Long, RunState> runs = new LinkedHashMap<>();
  private final Map<String, Long> labelIds = new HashMap<>();
  private final List<Fault> faults = new ArrayList<>();
  private final List<Request> requests = new ArrayList<>();
  private final List<Violation> violations = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final List<String> responseMismatches = new ArrayList<>();
  private final List<String> issuedSecrets = new ArrayList<>();
  private final List<Assignment> assignments = new ArrayList<>();
  private long nextRunnerId = 23;
  private long nextLabelId = 5;
  private long nextHookId = 12345678;
  private long nextDeliveryId = 1_000_001;
  private long nextScopeId = 1_296_269;
  private long callsAnswered;
  private final Map<Long, DeliveryFacts> deliveryFacts = new HashMap<>();
  private int redeliveryStatus = 200;
  private boolean checkAnswers = true;
  private boolean deliverPings;
  private HttpClient deliveryClient;

  private GitHubStandIn() throws IOException {
    this.contract = GitHubContract.get();
    this.executor =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "github-stand-in");
              thread.setDaemon(true);
              return thread;
            });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    this.baseUrl = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * Starts a stand-in on a free loopback port. The first start in a JVM loads the description
   * (about a second); later ones reuse it.
   */
  public static GitHubStandIn start() {
    try {
      return new GitHubStandIn();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the GitHub stand-in: " + e.getMessage(), e);
    }
  }

  /** The API's base URL, like {@code https://api.github.com} (no trailing slash). */
  public URI baseUrl() {
    return baseUrl;
  }

  /** Stops the server; requests still waiting on {@link #delayNext} are cut off. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- set-up ------------------------------------------------------------------------------

  /** Declares a repository ({@code owner/name}); requests for undeclared ones get 404. */
  public GitHubStandIn repo(String fullName) {
    if (!fullName.matches("[^/\\s]+/[^/\\s]+")) {
      throw new IllegalArgumentException("a repository is owner/name: " + fullName);
    }
    synchronized (lock) {
      scopes.computeIfAbsent(
          fullName.toLowerCase(Locale.ROOT), k -> new ScopeState(fullName, nextScopeId++));
    }
    return this;
  }

  /**
   * Declares a repository on which no token has admin rights (the account can only read it, as a
   * contributor): it reads, but runners and hooks get 403, as for a token without admin rights.
   */
  public GitHubStandIn readOnlyRepo(String fullName) {
    repo(fullName);
    synchronized (lock) {
      scopes.get(fullName.toLowerCase(Locale.ROOT)).readOnly = true;
    }
    return this;
  }

  /** Declares an organization; requests for undeclared ones get 404. */
  public GitHubStandIn org(String org) {
    if (!org.matches("[^/\\s]+")) {
      throw new IllegalArgumentException("an organization name has no slash: " + org);
    }
    synchronized (lock) {
      scopes.computeIfAbsent(org.toLowerCase(Locale.ROOT), k -> new ScopeState(org, nextScopeId++));
    }
    return this;
  }

  /** Accepts a token with admin rights on every declared repository and organization. */
  public GitHubStandIn token(String token) {
    return token(token, true);
  }

  /**
   * Accepts a token; without admin rights it can read jobs, runs and repositories but gets 403
   * ("Must have admin rights to Repository.") on runners and hooks, as GitHub answers.
   */
  public GitHubStandIn token(String token, boolean admin) {
    synchronized (lock) {
      tokens.put(token, admin);
    }
    return this;
  }

  /**
   * Accepts a classic personal access token with these OAuth scopes: every answer to it carries
   * {@code X-OAuth-Scopes}, as GitHub's do. The scopes are only reported, not enforced: what the
   * token may do is {@code admin}, as for {@link #token(String, boolean)}.
   */
  public GitHubStandIn classicToken(String token, boolean admin, String... scopes) {
    synchronized (lock) {
      tokens.put(token, admin);
      tokenScopes.put(token, List.of(scopes));
    }
    return this;
  }

  /** Forgets a token: it now gets 401 "Bad credentials" (as a revoked or expired one does). */
  public GitHubStandIn revokeToken(String token) {
    synchronized (lock) {
      tokens.remove(token);
      tokenScopes.remove(token);
    }
    return this;
  }

  /**
   * Turns real ping deliveries on or off (off by default). When on, each ping (on a hook's creation
   * and on {@code POST …/pings}) is POSTed, after the answer, to the hook's URL as GitHub sends it:
   * GitHub's own ping example retargeted to the hook, JSON or form-encoded as the hook's {@code
   * content_type} says, {@code X-GitHub-Event}, {@code X-GitHub-Delivery}, {@code
   * X-Hub-Signature-256} (and {@code X-Hub-Signature}) when the hook has a secret, a 10 s timeout.
   * The delivery then shows in {@code …/deliveries} with the receiver's status code, {@code "OK"}
   * or {@code "Invalid HTTP Response: CODE"}, and its duration; one that got no answer with 502
   * {@code "failed to connect"} (GitHub's own example) or 504 {@code "timed out"}. Only loopback
   * URLs are dialled; any other counts as {@code "failed to connect"}.
   */
  public GitHubStandIn deliverPings(boolean deliver) {
    synchronized (lock) {
      deliverPings = deliver;
      if (deliver && deliveryClient == null) {
        deliveryClient =
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
      }
    }
    return this;
  }

  /**
   * Turns the check of the stand-in's own answers against the description on or off (on by default;
   * mismatches go to {@link #responseMismatches()}).
   */
  public GitHubStandIn checkAnswers(boolean check) {
    synchronized (lock) {
      checkAnswers = check;
    }
    return this;
  }

  // ---- runners -----------------------------------------------------------------------------

  /**
   * Registers a runner directly, as {@code config.sh} would (offline, idle, not ephemeral).
   *
   * @param scope {@code owner/name} or an organization
   */
  public RegisteredRunner addRunner(String scope, String name, List<String> labels) {
    synchronized (lock) {
      ScopeState state = declared(scope);
      if (state.runnerNamed(name) != null) {
        throw new IllegalArgumentException("runner " + name + " already exists in " + scope);
      }
      RunnerState runner = newRunner(state, name, 1, labels, "_work", false);
      runner.os = "linux";
      return runner.snapshot(state.name);
    }
  }

  /** The runners of a repository ({@code owner/name}) or organization, oldest first. */
  public List<RegisteredRunner> runners(String scope) {
    synchronized (lock) {
      ScopeState state = declared(scope);
      return state.runners.values().stream().map(r -> r.snapshot(state.name)).toList();
    }
  }

  /** A runner by name, in whichever declared repository or organization has it. */
  public Optional<RegisteredRunner> runner(String name) {
    synchronized (lock) {
      for (ScopeState state : scopes.values()) {
        RunnerState runner = state.runnerNamed(name);
        if (runner != null) {
          return Optional.of(runner.snapshot(state.name));
        }
      }
      return Optional.empty();
    }
  }

  /** The runner a JIT configuration (as answered by generate-jitconfig) belongs to. */
  public Optional<RegisteredRunner> runnerForJitConfig(String encodedJitConfig) {
    synchronized (lock) {
      for (ScopeState state : scopes.values()) {
        for (RunnerState runner : state.runners.values()) {
          if (encodedJitConfig.equals(runner.jitConfig)) {
            return Optional.of(runner.snapshot(state.name));
          }
        }
      }
      return Optional.empty();
    }
  }

  /**
   * Plays the runner's side: it connects ({@code online}, reporting its OS and version) or goes
   * away ({@code offline}), idle or busy.
   */
  public void runnerStatus(String name, String status, boolean busy) {
    if (!status.equals("online") && !status.equals("offline")) {
      throw new IllegalArgumentException("a runner is online or offline, not " + status);
    }
    synchronized (lock) {
      RunnerState runner = onlyRunnerNamed(name);
      runner.status = status;
      runner.busy = busy;
      if (status.equals("online") && runner.version == null) {
        runner.os = "linux";
        runner.version = RUNNER_VERSION;
      }
    }
  }

  /** Removes a runner as GitHub does when an ephemeral runner has finished its job. */
  public void removeRunner(String name) {
    synchronized (lock) {
      RunnerState runner = onlyRunnerNamed(name);
      for (ScopeState state : scopes.values()) {
        state.runners.remove(runner.id);
      }
    }
  }

  // ---- jobs and runs -----------------------------------------------------------------------

  /** Adds a queued job named {@code build} to run {@code runId} (attempt 1) of a repository. */
  public Job putJob(String repo, long jobId, long runId, List<String> labels) {
    return putJob(repo, jobId, runId, 1, "build", labels);
  }

  /** Adds (or replaces) a queued job; the workflow run is created when new. */
  public Job putJob(
      String repo, long jobId, long runId, int runAttempt, String name, List<String> labels) {
    synchronized (lock) {
      ScopeState state = declared(repo);
      if (!state.isRepo()) {
        throw new IllegalArgumentException("jobs belong to a repository, not to " + repo);
      }
      RunState run = runs.get(runId);
      if (run == null) {
        run = new RunState(runId, state.key(), state.runsMade++ + 1, Instant.now());
        runs.put(runId, run);
      } else if (!run.repoKey.equals(state.key())) {
        throw new IllegalArgumentException("run " + runId + " belongs to another repository");
      }
      run.attempt = Math.max(run.attempt, runAttempt);
      JobState job = new JobState(jobId, state.key(), runId, runAttempt, name, List.copyOf(labels));
      jobs.put(jobId, job);
      return job.snapshot(state.name);
    }
  }

  /**
   * Sets a job's status ({@code queued}, {@code in_progress}, {@code completed}, …) and conclusion
   * (required for {@code completed}, else null). Completing a job leaves its runner idle.
   */
  public void setJobStatus(long jobId, String status, String conclusion) {
    if (!JOB_STATUSES.contains(status)) {
      throw new IllegalArgumentException("not a job status: " + status);
    }
    if (status.equals("completed") != (conclusion != null)
        || (conclusion != null && !CONCLUSIONS.contains(conclusion))) {
      throw new IllegalArgumentException(
          "a completed job needs a conclusion among " + CONCLUSIONS + ", other jobs none");
    }
    synchronized (lock) {
      JobState job = knownJob(jobId);
      job.status = status;
      job.conclusion = conclusion;
      if (status.equals("in_progress") && job.startedAt == null) {
        job.startedAt = Instant.now();
      }
      if (status.equals("completed")) {
        job.completedAt = Instant.now();
        RunnerState runner = runnerById(job.runnerId);
        if (runner != null) {
          runner.busy = false;
        }
      } else {
        job.completedAt = null;
      }
      if (status.equals("queued")) {
        job.runnerId = null;
        job.runnerName = null;
        job.startedAt = null;
      }
    }
  }

  /**
   * GitHub hands a job to a runner: the job goes {@code in_progress} with the runner's id and name,
   * and the runner is online and busy. The runner must be registered in the job's repository or its
   * owner's organization.
   */
  public void assignJob(long jobId, String runnerName) {
    synchronized (lock) {
      JobState job = knownJob(jobId);
      ScopeState repo = scopes.get(job.repoKey);
      RunnerState runner = repo.runnerNamed(runnerName);
      ScopeState org = scopes.get(job.repoKey.substring(0, job.repoKey.indexOf('/')));
      if (runner == null && org != null) {
        runner = org.runnerNamed(runnerName);
      }
      if (runner == null) {
        throw new IllegalArgumentException(
            "no runner " + runnerName + " in " + repo.name + " or its organization");
      }
      job.status = "in_progress";
      job.conclusion = null;
      job.startedAt = Instant.now();
      job.completedAt = null;
      job.runnerId = runner.id;
      job.runnerName = runner.name;
      job.runnerGroupId = runner.groupId;
      assignments.add(new Assignment(job.id, runner.name, Instant.now()));
      runner.status = "online";
      runner.busy = true;
      if (runner.version == null) {
        runner.os = "linux";
        runner.version = RUNNER_VERSION;
      }
    }
  }

  /** A job by id. */
  public Optional<Job> job(long jobId) {
    synchronized (lock) {
      JobState job = jobs.get(jobId);
      return Optional.ofNullable(job == null ? null : job.snapshot(scopes.get(job.repoKey).name));
    }
  }

  /** The jobs of a repository, in the order they were put. */
  public List<Job> jobs(String repo) {
    synchronized (lock) {
      ScopeState state = declared(repo);
      return jobs.values().stream()
          .filter(j -> j.repoKey.equals(state.key()))
          .map(j -> j.snapshot(state.name))
          .toList();
    }
  }

  // ---- job history (the scenario run) --------------------------------------------------------

  /** One hand-out of a job to a runner ({@link #assignJob}), as GitHub's job history would show. */
  public record Assignment(long jobId, String runnerName, Instant at) {}

  /** Every job hand-out so far, in order: which runner took which job. */
  public List<Assignment> assignments() {
    synchronized (lock) {
      return List.copyOf(assignments);
    }
  }

  /**
   * Deletes a workflow run and its jobs, as a user deleting the run does: its jobs answer 404 from
   * then on.
   */
  public void deleteRun(long runId) {
    synchronized (lock) {
      if (runs.remove(runId) == null) {
        throw new IllegalArgumentException("no run " + runId);
      }
      jobs.values().removeIf(job -> job.runId == runId);
    }
  }

  // ---- hooks -------------------------------------------------------------------------------

  /** The webhooks of a repository ({@code owner/name}) or organization, with their secrets. */
  public List<Hook> hooks(String scope) {
    synchronized (lock) {
      ScopeState state = declared(scope);
      return state.hooks.values().stream().map(h -> h.snapshot(state.name)).toList();
    }
  }

  /** Plays someone switching a hook off (or on again) in the repository's settings. */
  public void hookActive(String scope, long hookId, boolean active) {
    synchronized (lock) {
      hook(scope, hookId).active = active;
    }
  }

  /**
   * Records a delivery of {@code event} to a hook with the receiver's answer, as GitHub lists it
   * ({@code statusCode} 0 when the receiver could not be reached), without sending anything.
   */
  public void recordDelivery(
      String scope, long hookId, String event, int statusCode, double seconds) {
    synchronized (lock) {
      ScopeState state = declared(scope);
      HookState hook = hook(scope, hookId);
      String status =
          statusCode >= 200 && statusCode < 400
              ? "OK"
              : statusCode == 0 ? "failed to connect" : "Invalid HTTP Response: " + statusCode;
      hook.deliveries.add(
          new Delivery(
              nextDeliveryId++,
              UUID.randomUUID().toString(),
              event,
              Instant.now(),
              hook.config.getOrDefault("url", ""),
              seconds,
              statusCode,
              status,
              Map.of("X-GitHub-Event", event),
              pingPayload(state, hook),
              Map.of(),
              null));
    }
  }

  private HookState hook(String scope, long hookId) {
    HookState hook = declared(scope).hooks.get(hookId);
    if (hook == null) {
      throw new IllegalArgumentException("no hook " + hookId + " on " + scope);
    }
    return hook;
  }

  // ---- what was asked ----------------------------------------------------------------------

  /** Every request answered so far, in order, with the status it got. */
  public List<Request> requests() {
    synchronized (lock) {
      return List.copyOf(requests);
    }
  }

  /** The requests GitHub would have refused (answered 4xx here); empty when all went well. */
  public List<Violation> violations() {
    synchronized (lock) {
      return List.copyOf(violations);
    }
  }

  /**
   * What GitHub would accept but ignore, such as an unknown query parameter ({@code perpage=100}
   * gets 30 results).
   */
  public List<String> warnings() {
    synchronized (lock) {
      return List.copyOf(warnings);
    }
  }

  /** Where the stand-in's own answers strayed from the description (a bug in the stand-in). */
  public List<String> responseMismatches() {
    synchronized (lock) {
      return List.copyOf(responseMismatches);
    }
  }

  /** Every secret handed out: JIT configurations, registration and remove tokens. */
  public List<String> issuedSecrets() {
    synchronized (lock) {
      return List.copyOf(issuedSecrets);
    }
  }

  /** Forgets the recorded requests, violations, warnings and mismatches (state stays). */
  public void clearRecords() {
    synchronized (lock) {
      requests.clear();
      violations.clear();
      warnings.clear();
      responseMismatches.clear();
    }
  }

  // ---- faults ------------------------------------------------------------------------------

  /** Faults for the requests whose method and whole path match; null means any. */
  public Faults on(String method, String pathRegex) {
    return new Faults(
        method == null ? null : method.toUpperCase(Locale.ROOT),
        pathRegex == null ? null : Pattern.compile(pathRegex));
  }

  /** The next {@code n} requests fail with {@code status} (a 5xx, or any 4xx). */
  public GitHubStandIn failNext(int n, int status) {
    on(null, null).failNext(n, status);
    return this;
  }

  /**
   * The next {@code n} requests hit GitHub's secondary rate limit: 403 with {@code Retry-After}.
   */
  public GitHubStandIn rateLimitNext(int n, int retryAfterSeconds) {
    on(null, null).rateLimitNext(n, retryAfterSeconds);
    return this;
  }

  /** The same with the status GitHub chose: 403 or 429. */
  public GitHubStandIn rateLimitNext(int n, int status, int retryAfterSeconds) {
    on(null, null).rateLimitNext(n, status, retryAfterSeconds);
    return this;
  }

  /**
   * The next {@code n} requests hit the primary rate limit: 403, {@code x-ratelimit-remaining: 0}
   * and {@code x-ratelimit-reset} {@code resetIn} from now.
   */
  public GitHubStandIn primaryRateLimitNext(int n, Duration resetIn) {
    on(null, null).primaryRateLimitNext(n, resetIn);
    return this;
  }

  /**
   * The next {@code n} requests are answered only after {@code delay} (then as usual, state changes
   * included: a client that gave up may find its runner registered).
   */
  public GitHubStandIn delayNext(int n, Duration delay) {
    on(null, null).delayNext(n, delay);
    return this;
  }

  /** Fault injection for the requests matching a method and path pattern. */
  public final class Faults {
    private final String method;
    private final Pattern path;

    private Faults(String method, Pattern path) {
      this.method = method;
      this.path = path;
    }

    /** See {@link GitHubStandIn#failNext}. */
    public Faults failNext(int n, int status) {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("a failure is 4xx or 5xx, not " + status);
      }
      return add(new Fault(method, path, n, FaultKind.FAIL, status, 0, Duration.ZERO));
    }

    /** See {@link GitHubStandIn#rateLimitNext(int, int)}. */
    public Faults rateLimitNext(int n, int retryAfterSeconds) {
      return rateLimitNext(n, 403, retryAfterSeconds);
    }

    /** See {@link GitHubStandIn#rateLimitNext(int, int, int)}. */
    public Faults rateLimitNext(int n, int status, int retryAfterSeconds) {
      if (status != 403 && status != 429) {
        throw new IllegalArgumentException("GitHub rate-limits with 403 or 429, not " + status);
      }
      return add(
          new Fault(
              method, path, n, FaultKind.SECONDARY, status, retryAfterSeconds, Duration.ZERO));
    }

    /** See {@link GitHubStandIn#primaryRateLimitNext}. */
    public Faults primaryRateLimitNext(int n, Duration resetIn) {
      return add(new Fault(method, path, n, FaultKind.PRIMARY, 403, 0, resetIn));
    }

    /** See {@link GitHubStandIn#delayNext}. */
    public Faults delayNext(int n, Duration delay) {
      return add(new Fault(method, path, n, FaultKind.DELAY, 0, 0, delay));
    }

    private Faults add(Fault fault) {
      if (fault.remaining < 1) {
        throw new IllegalArgumentException("n must be at least 1");
      }
      synchronized (lock) {
        faults.add(fault);
      }
      return this;
    }
  }

  // ---- deliveries, redeliveries and conditional requests (the reconciler's calls) -----------

  /**
   * Records a delivery GitHub made to a hook (nothing is sent), as its deliveries API then lists
   * it: for example a {@code workflow_job} {@code queued} delivery that failed with 502.
   *
   * @param scope {@code owner/name} or the organization
   * @return the delivery's id
   */
  public long recordDelivery(
      String scope, long hookId, String event, String action, int statusCode, Instant at) {
    synchronized (lock) {
      HookState hook = knownHook(scope, hookId);
      long id = nextDeliveryId++;
      addDelivery(hook, id, UUID.randomUUID().toString(), event, action, statusCode, at, false);
      return id;
    }
  }

  /**
   * Makes a job (and its run, if younger) as old as if it had been queued {@code age} ago: what a
   * reconciler's grace period or a runner's age is measured by.
   */
  public void backdateJob(long jobId, Duration age) {
    synchronized (lock) {
      JobState job = knownJob(jobId);
      job.createdAt = Instant.now().minus(age);
      RunState run = runs.get(job.runId);
      if (run != null && run.createdAt.isAfter(job.createdAt)) {
        run.createdAt = job.createdAt;
      }
    }
  }

  /** The status code the next redeliveries are recorded with (200 unless told). */
  public GitHubStandIn redeliveryStatus(int statusCode) {
    synchronized (lock) {
      redeliveryStatus = statusCode;
    }
    return this;
  }

  /** The ids of the deliveries redelivered through the API, in order, repeats included. */
  public List<Long> redeliveredIds() {
    synchronized (lock) {
      List<Long> ids = new ArrayList<>();
      for (Request request : requests) {
        if (request.method().equals("POST")
            && request.path().endsWith("/attempts")
            && request.status() == 202) {
          String[] parts = request.path().split("/");
          ids.add(Long.parseLong(parts[parts.length - 2]));
        }
      }
      return ids;
    }
  }

  /** Extra facts of a delivery: its action, and whether it is a redelivery. */
  private record DeliveryFacts(String action, boolean redelivery) {
    static final DeliveryFacts NONE = new DeliveryFacts(null, false);
  }

  private HookState knownHook(String scope, long hookId) {
    HookState hook = declared(scope).hooks.get(hookId);
    if (hook == null) {
      throw new IllegalArgumentException("no hook " + hookId + " on " + scope);
    }
    return hook;
  }

  private void addDelivery(
      HookState hook,
      long id,
      String guid,
      String event,
      String action,
      int statusCode,
      Instant at,
      boolean redelivery) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-GitHub-Delivery", guid);
    headers.put("X-GitHub-Event", event);
    headers.put("X-GitHub-Hook-ID", Long.toString(hook.id));
    ObjectNode payload = JSON.createObjectNode();
    if (action != null) {
      payload.put("action", action);
    }
    String status =
        statusCode >= 200 && statusCode < 400 ? "OK" : "Invalid HTTP Response: " + statusCode;
    hook.deliveries.add(
        new Delivery(
            id,
            guid,
            event,
            at,
            hook.config.getOrDefault("url", ""),
            0.05,
            statusCode,
            status,
            headers,
            payload,
            Map.of(),
            ""));
    deliveryFacts.put(id, new DeliveryFacts(action, redelivery));
  }

  /**
   * A hook's deliveries, newest first, filtered by {@code status} ({@code success} or {@code
   * failure}) and paged by {@code cursor}, as GitHub pages them.
   */
  private Answer listDeliveries(Call call, ScopeState scope, HookState hook) {
    int perPage = (int) Math.min(100, Math.max(1, call.longParam("per_page", 30)));
    String status = call.param("status");
    List<Delivery> newestFirst = new ArrayList<>(hook.deliveries);
    Collections.reverse(newestFirst); // the order made, for deliveries recorded at the same time
    newestFirst.sort((a, b) -> b.at.compareTo(a.at));
    newestFirst.removeIf(
        d -> {
          boolean success = d.statusCode >= 200 && d.statusCode < 300;
          return (status != null && status.equals("success") && !success)
              || (status != null && status.equals("failure") && success);
        });
    int from = 0;
    String cursor = call.param("cursor");
    if (cursor != null) {
      from = newestFirst.size();
      for (int i = 0; i < newestFirst.size(); i++) {
        if (Long.toString(newestFirst.get(i).id).equals(cursor)) {
          from = i;
        }
      }
    }
    int to = Math.min(newestFirst.size(), from + perPage);
    ArrayNode list = JSON.createArrayNode();
    newestFirst.subList(from, to).forEach(d -> list.add(deliveryJson(scope, d)));
    Answer answer = ok(200, list);
    if (to < newestFirst.size()) {
      StringBuilder next = new StringBuilder(baseUrl + call.rawPath + "?per_page=" + perPage);
      if (status != null) {
        next.append("&status=").append(status);
      }
      next.append("&cursor=").append(newestFirst.get(to).id);
      answer.withLink("<" + next + ">; rel=\"next\"");
    }
    return answer;
  }

  /** GitHub redelivers a delivery: a new one with the same GUID, marked as a redelivery. */
  private Answer redeliver(Call call, HookState hook, long deliveryId) {
    Delivery original = null;
    for (Delivery delivery : hook.deliveries) {
      if (delivery.id == deliveryId) {
        original = delivery;
      }
    }
    if (original == null) {
      return notFound(call);
    }
    DeliveryFacts facts = deliveryFacts.getOrDefault(original.id, DeliveryFacts.NONE);
    addDelivery(
        hook,
        nextDeliveryId++,
        original.guid,
        original.event,
        facts.action(),
        redeliveryStatus,
        Instant.now(),
        true);
    return ok(202, JSON.createObjectNode());
  }

  /**
   * GitHub's conditional requests: a {@code GET} answered 200 carries an {@code ETag}; asked again
   * with it in {@code If-None-Match} while nothing changed, the answer is 304 with no body (which
   * does not count against the rate limit).
   */
  private static Answer conditional(
      String method, Map<String, List<String>> headers, Answer answer) {
    if (!method.equals("GET") || answer.status != 200 || answer.body == null) {
      return answer;
    }
    String etag;
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      sha.update(answer.body.getBytes(StandardCharsets.UTF_8));
      sha.update(String.valueOf(answer.headers.get("link")).getBytes(StandardCharsets.UTF_8));
      etag = "W/\"" + HexFormat.of().formatHex(sha.digest()) + "\"";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    answer.headers.put("etag", etag);
    if (etag.equals(first(headers, "if-none-match"))) {
      Map<String, String> notModified = new HashMap<>();
      notModified.put("etag", etag);
      return new Answer(304, null, notModified);
    }
    return answer;
  }

  // ---- records handed to tests -------------------------------------------------------------

  /** A runner as GitHub knows it; {@code scope} is {@code owner/name} or the organization. */
  public record RegisteredRunner(
      long id,
      String scope,
      String name,
      String os,
      String status,
      boolean busy,
      boolean ephemeral,
      long runnerGroupId,
      List<String> labels,
      String workFolder,
      String jitConfig) {}

  /** A workflow job; {@code runnerId} and {@code runnerName} are null until one is assigned. */
  public record Job(
      long id,
      String repo,
      long runId,
      int runAttempt,
      String name,
      String status,
      String conclusion,
      Long runnerId,
      String runnerName,
      List<String> labels) {}

  /**
   * A webhook; {@code config} holds what was sent, the secret unmasked; {@code deliveries} the
   * events delivered, oldest first ({@code ping} on creation and on each ping).
   */
  public record Hook(
      long id,
      String scope,
      String name,
      boolean active,
      List<String> events,
      Map<String, String> config,
      List<String> deliveries) {
    /** The URL deliveries go to. */
    public String url() {
      return config.get("url");
    }

    /** The secret deliveries are signed with, or null. */
    public String secret() {
      return config.get("secret");
    }
  }

  /**
   * One request as received: header names in lower case, query raw (null when none), body null when
   * empty, and the status it was answered with.
   */
  public record Request(
      String method,
      String path,
      String query,
      Map<String, List<String>> headers,
      String body,
      int status) {
    /** The first value of a header, or null. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Whether {@code text} appears anywhere in it: path, query, a header value or the body. */
    public boolean contains(String text) {
      return path.contains(text)
          || (query != null
              && (query.contains(text)
                  || URLDecoder.decode(query, StandardCharsets.UTF_8).contains(text)))
          || (body != null && body.contains(text))
          || headers.values().stream().flatMap(List::stream).anyMatch(v -> v.contains(text));
    }

    @Override
    public String toString() {
      return method + " " + path + (query == null ? "" : "?" + query) + " → " + status;
    }
  }

  /** A request GitHub would refuse, why, and the status it got here. */
  public record Violation(
      String method, String path, String query, int status, List<String> messages) {
    @Override
    public String toString() {
      return method
          + " "
          + path
          + (query == null ? "" : "?" + query)
          + " → "
          + status
          + ": "
          + String.join("; ", messages);
    }
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
      URI uri = exchange.getRequestURI();
      String path = uri.getPath();
      String query = uri.getRawQuery();
      byte[] bytes = exchange.getRequestBody().readAllBytes();
      String body = bytes.length == 0 ? null : new String(bytes, StandardCharsets.UTF_8);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
      Answer answer;
      try {
        answer = answer(method, path, uri.getRawPath(), query, Map.copyOf(headers), body);
      } catch (InterruptedException e) {
        return; // closed while delaying: the client sees the connection drop
      } catch (RuntimeException e) {
        synchronized (lock) {
          responseMismatches.add(method + " " + path + ": the stand-in failed: " + e);
        }
        answer = error(500, "Server Error", DOCS);
      }
      synchronized (lock) {
        requests.add(new Request(method, path, query, Map.copyOf(headers), body, answer.status));
        List<String> scopes = tokenScopes.get(bearerToken(first(headers, "authorization")));
        if (scopes != null && answer.status != 401) {
          answer.headers.put("x-oauth-scopes", String.join(", ", scopes));
        }
      }
      write(exchange, answer);
    }
  }

  private void write(HttpExchange exchange, Answer answer) throws IOException {
    var out = exchange.getResponseHeaders();
    long remaining;
    synchronized (lock) {
      remaining =
          Math.max(1, 4999 - (answer.status == 304 ? callsAnswered : callsAnswered++) % 4999);
    }
    out.add("x-github-api-version-selected", "2022-11-28");
    out.add("x-github-media-type", "github.v3; format=json");
    out.add("x-github-request-id", requestId());
    out.add("x-ratelimit-limit", "5000");
    out.add("x-ratelimit-remaining", Long.toString(remaining));
    out.add("x-ratelimit-used", Long.toString(5000 - remaining));
    out.add("x-ratelimit-reset", Long.toString(Instant.now().plusSeconds(3600).getEpochSecond()));
    out.add("x-ratelimit-resource", "core");
    answer.headers.forEach(out::set); // after the defaults: a rate-limit answer overrides them
    byte[] bytes = answer.body == null ? null : answer.body.getBytes(StandardCharsets.UTF_8);
    if (bytes != null && !out.containsKey("content-type")) {
      out.set("content-type", "application/json; charset=utf-8");
    }
    try {
      exchange.sendResponseHeaders(answer.status, bytes == null ? -1 : bytes.length);
      if (bytes != null) {
        try (OutputStream body = exchange.getResponseBody()) {
          body.write(bytes);
        }
      }
    } catch (IOException e) {
      // the client gave up (a timeout on a delayed answer): nothing to tell it
    }
  }

  private Answer answer(
      String method,
      String path,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      String body)
      throws InterruptedException {
    Map<String, List<String>> query = parseQuery(rawQuery);
    ValidationReport report = contract.validateRequest(method, path, query, headers, body);
    List<String> errors = new ArrayList<>();
    for (ValidationReport.Message message : report.getMessages()) {
      String text = "[" + message.getKey() + "] " + message.getMessage();
      if (message.getLevel() == ValidationReport.Level.ERROR) {
        errors.add(text);
      } else if (message.getLevel() == ValidationReport.Level.WARN) {
        synchronized (lock) {
          warnings.add(method + " " + path + ": " + text);
        }
      }
    }
    if (!errors.isEmpty()) {
      Answer refusal = refusal(method, path, report);
      synchronized (lock) {
        violations.add(new Violation(method, path, rawQuery, refusal.status, List.copyOf(errors)));
      }
      return refusal;
    }
    if (first(headers, "user-agent") == null) {
      String message =
          "Request forbidden by administrative rules. "
              + "Please make sure your request has a User-Agent header";
      synchronized (lock) {
        violations.add(new Violation(method, path, rawQuery, 403, List.of(message)));
      }
      return error(
          403,
          message,
          "https://docs.github.com/rest/overview/resources-in-the-rest-api#user-agent-required");
    }

    String token = bearerToken(first(headers, "authorization"));
    Boolean admin;
    synchronized (lock) {
      admin = token == null ? null : tokens.get(token);
    }
    if (token == null) {
      return error(401, "Requires authentication", DOCS);
    }
    if (admin == null) {
      return error(401, "Bad credentials", DOCS);
    }

    Fault delay = takeFault(method, path, true);
    if (delay != null) {
      Thread.sleep(delay.delay.toMillis());
    }
    Fault fault = takeFault(method, path, false);
    if (fault != null) {
      return fault.answer();
    }

    Call call = new Call(method, path, rawPath, query, rawQuery, body, admin);
    Answer answer;
    boolean check;
    synchronized (lock) {
      answer = dispatch(call);
      check = checkAnswers;
    }
    answer = conditional(method, headers, answer);
    if (check && answer.status / 100 == 2) {
      ValidationReport answerReport =
          contract.validateResponse(method, path, answer.status, answer.body);
      List<String> mismatches = new ArrayList<>();
      for (ValidationReport.Message message : answerReport.getMessages()) {
        if (message.getLevel() == ValidationReport.Level.ERROR
            && !validatorMisreadsDeliveryPayload(path, message)) {
          mismatches.add(
              method
                  + " "
                  + path
                  + " → "
                  + answer.status
                  + ": ["
                  + message.getKey()
                  + "] "
                  + message.getMessage());
        }
      }
      if (!mismatches.isEmpty()) {
        synchronized (lock) {
          responseMismatches.addAll(mismatches);
        }
      }
    }
    return answer;
  }

  /**
   * The description gives a delivery's {@code response.payload} {@code type: string} together with
   * {@code additionalProperties}, which the validator's parser reads as a map: GitHub's own example
   * ({@code "payload": "ok"}) fails it too. A string is what GitHub answers, so that one complaint
   * is not the stand-in's mismatch.
   */
  private static boolean validatorMisreadsDeliveryPayload(
      String path, ValidationReport.Message message) {
    return path.matches(".*/hooks/\\d+/deliveries/\\d+")
        && message.getKey().equals("validation.response.body.schema.type")
        && message.getMessage().contains("[Path '/response/payload']");
  }

  /** How GitHub answers a request that breaks its description. */
  private Answer refusal(String method, String path, ValidationReport report) {
    Set<String> keys = new LinkedHashSet<>();
    for (ValidationReport.Message message : report.getMessages()) {
      if (message.getLevel() == ValidationReport.Level.ERROR) {
        keys.add(message.getKey());
      }
    }
    if (keys.contains("validation.request.path.missing")
        || keys.contains("validation.request.operation.notAllowed")) {
      return error(404, "Not Found", DOCS);
    }
    String doc = contract.documentationUrl(template(path), method);
    if (keys.contains("validation.request.body.schema.invalidJson")
        || keys.contains("validation.schema.invalidJson")) {
      return error(400, "Problems parsing JSON", doc);
    }
    List<String> reasons =
        report.getMessages().stream()
            .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
            .map(ValidationReport.Message::getMessage)
            .toList();
    return error(422, "Invalid request.\n\n" + String.join("\n", reasons), doc);
  }

  private Fault takeFault(String method, String path, boolean delay) {
    synchronized (lock) {
      for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
        Fault fault = it.next();
        if ((fault.kind == FaultKind.DELAY) != delay
            || (fault.method != null && !fault.method.equals(method))
            || (fault.path != null && !fault.path.matcher(path).matches())) {
          continue;
        }
        if (--fault.remaining <= 0) {
          it.remove();
        }
        return fault;
      }
      return null;
    }
  }

  // ---- routes ------------------------------------------------------------------------------

  private Answer dispatch(Call call) {
    String[] parts = call.path.substring(1).split("/");
    boolean repo = parts[0].equals("repos");
    String key = (repo ? parts[1] + "/" + parts[2] : parts[1]).toLowerCase(Locale.ROOT);
    List<String> rest = List.of(parts).subList(repo ? 3 : 2, parts.length);
    ScopeState scope = scopes.get(key);
    if (scope == null || scope.isRepo() != repo) {
      return notFound(call);
    }
    boolean admin = call.admin && !scope.readOnly;
    if (rest.isEmpty()) {
      return ok(200, repository(scope, admin));
    }
    if (rest.get(0).equals("actions") && rest.get(1).equals("runners")) {
      if (!admin) {
        return noAdmin(call, scope);
      }
      if (rest.size() == 2) {
        return listRunners(call, scope);
      }
      return switch (rest.get(2)) {
        case "generate-jitconfig" -> generateJitConfig(call, scope);
        case "registration-token", "remove-token" -> runnerToken();
        default -> {
          RunnerState runner = scope.runners.get(Long.parseLong(rest.get(2)));
          if (runner == null) {
            yield notFound(call);
          }
          yield call.method.equals("DELETE")
              ? deleteRunner(call, scope, runner)
              : ok(200, runnerJson(runner));
        }
      };
    }
    if (rest.get(0).equals("actions") && rest.get(1).equals("jobs")) {
      JobState job = jobs.get(Long.parseLong(rest.get(2)));
      return job == null || !job.repoKey.equals(scope.key())
          ? notFound(call)
          : ok(200, jobJson(job));
    }
    if (rest.get(0).equals("actions") && rest.get(1).equals("runs")) {
      return rest.size() == 2 ? listRuns(call, scope) : runJobs(call, scope, rest.get(2));
    }
    if (rest.get(0).equals("hooks")) {
      if (!admin) {
        return noAdmin(call, scope);
      }
      return hooks(call, scope, rest);
    }
    return notFound(call);
  }

  private Answer listRunners(Call call, ScopeState scope) {
    String name = call.param("name");
    List<RunnerState> matching =
        scope.runners.values().stream().filter(r -> name == null || r.name.equals(name)).toList();
    Page<RunnerState> page = page(call, matching);
    ObjectNode body = JSON.createObjectNode();
    body.put("total_count", matching.size());
    ArrayNode runners = body.putArray("runners");
    page.items.forEach(r -> runners.add(runnerJson(r)));
    return ok(200, body).withLink(page.link);
  }

  private Answer generateJitConfig(Call call, ScopeState scope) {
    JsonNode body = call.json();
    String name = body.path("name").asText();
    if (scope.runnerNamed(name) != null) {
      return error(
          409, "Already exists - A runner with the name " + name + " already exists.", call.doc());
    }
    List<String> labels = new ArrayList<>();
    body.path("labels").forEach(label -> labels.add(label.asText()));
    RunnerState runner =
        newRunner(
            scope,
            name,
            body.path("runner_group_id").asLong(),
            labels,
            body.path("work_folder").asText("_work"),
            true);
    runner.jitConfig = jitConfig(scope, runner);
    issuedSecrets.add(runner.jitConfig);
    ObjectNode answer = JSON.createObjectNode();
    answer.set("runner", runnerJson(runner));
    answer.put("encoded_jit_config", runner.jitConfig);
    return ok(201, answer);
  }

  private Answer runnerToken() {
    String token = randomToken(29);
    issuedSecrets.add(token);
    ObjectNode answer = JSON.createObjectNode();
    answer.put("token", token);
    answer.put("expires_at", time(Instant.now().plus(1, ChronoUnit.HOURS)));
    return ok(201, answer);
  }

  private Answer deleteRunner(Call call, ScopeState scope, RunnerState runner) {
    if (runner.busy) {
      return error(
          422, "Bad request - Runner \"" + runner.name + "\" is still running a job", call.doc());
    }
    scope.runners.remove(runner.id);
    return noContent();
  }

  private Answer listRuns(Call call, ScopeState scope) {
    String status = call.param("status");
    List<RunState> matching =
        runs.values().stream()
            .filter(r -> r.repoKey.equals(scope.key()))
            .filter(
                r ->
                    status == null
                        || status.equals(runStatus(r))
                        || status.equals(runConclusion(r)))
            .sorted((a, b) -> Long.compare(b.id, a.id)) // newest first, as GitHub lists them
            .toList();
    Page<RunState> page = page(call, matching);
    ObjectNode body = JSON.createObjectNode();
    body.put("total_count", matching.size());
    ArrayNode list = body.putArray("workflow_runs");
    page.items.forEach(r -> list.add(runJson(r, scope)));
    return ok(200, body).withLink(page.link);
  }

  private Answer runJobs(Call call, ScopeState scope, String runId) {
    RunState run = runs.get(Long.parseLong(runId));
    if (run == null || !run.repoKey.equals(scope.key())) {
      return notFound(call);
    }
    boolean all = "all".equals(call.param("filter"));
    List<JobState> matching =
        jobs.values().stream()
            .filter(j -> j.runId == run.id && (all || j.runAttempt == run.attempt))
            .toList();
    Page<JobState> page = page(call, matching);
    ObjectNode body = JSON.createObjectNode();
    body.put("total_count", matching.size());
    ArrayNode list = body.putArray("jobs");
    page.items.forEach(j -> list.add(jobJson(j)));
    return ok(200, body).withLink(page.link);
  }

  private Answer hooks(Call call, ScopeState scope, List<String> rest) {
    if (rest.size() == 1) {
      if (call.method.equals("POST")) {
        return createHook(call, scope);
      }
      List<HookState> all = List.copyOf(scope.hooks.values());
      Page<HookState> page = page(call, all);
      ArrayNode list = JSON.createArrayNode();
      page.items.forEach(h -> list.add(hookJson(scope, h)));
      return ok(200, list).withLink(page.link);
    }
    HookState hook = scope.hooks.get(Long.parseLong(rest.get(1)));
    if (hook == null) {
      return notFound(call);
    }
    if (rest.size() == 3 && rest.get(2).equals("pings")) {
      deliverPing(scope, hook);
      return noContent();
    }
    if (rest.size() == 4 && rest.get(2).equals("deliveries")) {
      long id = Long.parseLong(rest.get(3));
      for (Delivery delivery : hook.deliveries) {
        if (delivery.id == id) {
          return ok(200, deliveryDetailJson(scope, delivery));
        }
      }
      return notFound(call);
    }
    if (rest.size() == 3 && rest.get(2).equals("deliveries")) {
      return listDeliveries(call, scope, hook);
    }
    if (rest.size() == 5 && rest.get(2).equals("deliveries") && rest.get(4).equals("attempts")) {
      return redeliver(call, hook, Long.parseLong(rest.get(3)));
    }
    return switch (call.method) {
      case "DELETE" -> {
        scope.hooks.remove(hook.id);
        yield noContent();
      }
      case "PATCH" -> updateHook(call, scope, hook);
      default -> ok(200, hookJson(scope, hook));
    };
  }

  private Answer createHook(Call call, ScopeState scope) {
    JsonNode body = call.body == null ? JSON.createObjectNode() : call.json();
    String name = body.path("name").asText("web");
    if (!name.equals("web")) {
      return validationFailed(call, "name", "Name must be web");
    }
    Map<String, String> config = new LinkedHashMap<>();
    config.put("content_type", "form");
    config.put("insecure_ssl", "0");
    body.path("config")
        .fields()
        .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
    String url = config.get("url");
    if (url == null || url.isBlank()) {
      return validationFailed(call, "url", "Config must have a url");
    }
    for (HookState existing : scope.hooks.values()) {
      if (url.equals(existing.config.get("url"))) {
        return validationFailed(
            call,
            null,
            "Hook already exists on this " + (scope.isRepo() ? "repository" : "organization"));
      }
    }
    List<String> events = new ArrayList<>();
    body.path("events").forEach(e -> events.add(e.asText()));
    HookState hook =
        new HookState(
            nextHookId++,
            name,
            body.path("active").asBoolean(true),
            events.isEmpty() ? List.of("push") : events,
            config);
    scope.hooks.put(hook.id, hook);
    deliverPing(scope, hook); // GitHub pings every new webhook
    Answer answer = ok(201, hookJson(scope, hook));
    answer.headers.put("location", hookUrl(scope, hook));
    return answer;
  }

  private Answer updateHook(Call call, ScopeState scope, HookState hook) {
    JsonNode body = call.body == null ? JSON.createObjectNode() : call.json();
    if (body.has("config")) {
      Map<String, String> config = new LinkedHashMap<>(hook.config);
      body.path("config")
          .fields()
          .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
      if (config.get("url") == null || config.get("url").isBlank()) {
        return validationFailed(call, "url", "Config must have a url");
      }
      hook.config = config;
    }
    if (body.has("events")) {
      List<String> events = new ArrayList<>();
      body.path("events").forEach(e -> events.add(e.asText()));
      hook.events = events;
    }
    Set<String> events = new LinkedHashSet<>(hook.events);
    body.path("add_events").forEach(e -> events.add(e.asText()));
    body.path("remove_events").forEach(e -> events.remove(e.asText()));
    hook.events = List.copyOf(events);
    if (body.has("active")) {
      hook.active = body.path("active").asBoolean();
    }
    hook.updatedAt = Instant.now();
    return ok(200, hookJson(scope, hook));
  }

  // ---- answers -----------------------------------------------------------------------------

  private ObjectNode repository(ScopeState scope, boolean admin) {
    // GitHub's own example, retargeted; the fields its example lacks or adds beyond the schema
    // (language; parent, source and template_repository, which only forks and copies have) are
    // set the way a plain repository's answer has them.
    ObjectNode repo =
        retarget(
            contract.example("full-repository-default-response"),
            Map.of("octocat/Hello-World", scope.name));
    String owner = scope.name.substring(0, scope.name.indexOf('/'));
    repo.put("id", scope.id);
    repo.put("name", scope.name.substring(owner.length() + 1));
    repo.put("full_name", scope.name);
    repo.put("fork", false);
    repo.putNull("language");
    repo.remove(List.of("parent", "source", "template_repository"));
    ((ObjectNode) repo.path("owner")).put("login", owner);
    ObjectNode permissions = repo.putObject("permissions");
    permissions.put("admin", admin);
    permissions.put("maintain", admin);
    permissions.put("push", true);
    permissions.put("triage", true);
    permissions.put("pull", true);
    return repo;
  }

  private ObjectNode runnerJson(RunnerState runner) {
    ObjectNode json = JSON.createObjectNode();
    json.put("id", runner.id);
    json.put("name", runner.name);
    json.put("os", runner.os);
    json.put("status", runner.status);
    json.put("busy", runner.busy);
    json.put("ephemeral", runner.ephemeral);
    json.put("runner_group_id", runner.groupId);
    if (runner.version != null) {
      json.put("version", runner.version);
    }
    ArrayNode labels = json.putArray("labels");
    for (String label : runner.labels) {
      ObjectNode node = labels.addObject();
      node.put("id", labelIds.computeIfAbsent(label.toLowerCase(Locale.ROOT), k -> nextLabelId++));
      node.put("name", label);
      node.put(
          "type",
          READ_ONLY_LABELS.contains(label.toLowerCase(Locale.ROOT)) ? "read-only" : "custom");
    }
    return json;
  }

  private ObjectNode jobJson(JobState job) {
    ScopeState repo = scopes.get(job.repoKey);
    ObjectNode json =
        retarget(
            contract.example("job"),
            Map.of(
                "octo-org/octo-repo", repo.name,
                "399444496", Long.toString(job.id),
                "29679449", Long.toString(job.runId)));
    json.put("id", job.id);
    json.put("run_id", job.runId);
    json.put("run_attempt", job.runAttempt);
    json.put("node_id", Base64.getEncoder().encodeToString(("CheckRun" + job.id).getBytes()));
    json.put("name", job.name);
    json.put("status", job.status);
    json.put("conclusion", job.conclusion);
    json.put("created_at", time(job.createdAt));
    json.put("started_at", time(job.startedAt == null ? job.createdAt : job.startedAt));
    json.put("completed_at", job.completedAt == null ? null : time(job.completedAt));
    json.putArray("steps");
    ArrayNode labels = json.putArray("labels");
    job.labels.forEach(labels::add);
    if (job.runnerName == null) {
      json.putNull("runner_id");
      json.putNull("runner_name");
      json.putNull("runner_group_id");
      json.putNull("runner_group_name");
    } else {
      json.put("runner_id", job.runnerId);
      json.put("runner_name", job.runnerName);
      json.put("runner_group_id", job.runnerGroupId);
      json.put(
          "runner_group_name", job.runnerGroupId == 1 ? "Default" : "Group " + job.runnerGroupId);
    }
    return json;
  }

  private ObjectNode runJson(RunState run, ScopeState scope) {
    ObjectNode json =
        retarget(
            (ObjectNode) contract.example("workflow-run-paginated").path("workflow_runs").get(0),
            Map.of("octo-org/octo-repo", scope.name, "30433642", Long.toString(run.id)));
    json.put("id", run.id);
    json.put("run_number", run.number);
    json.put("run_attempt", run.attempt);
    json.put("status", runStatus(run));
    json.put("conclusion", runConclusion(run));
    json.put("created_at", time(run.createdAt));
    json.put("updated_at", time(run.createdAt));
    json.put("run_started_at", time(run.createdAt));
    for (String field : List.of("repository", "head_repository")) {
      if (json.get(field) instanceof ObjectNode repo) {
        repo.put("id", scope.id);
        repo.put("name", scope.name.substring(scope.name.indexOf('/') + 1));
        repo.put("full_name", scope.name);
      }
    }
    return json;
  }

  private String runStatus(RunState run) {
    List<JobState> ofRun = jobsOf(run);
    if (!ofRun.isEmpty() && ofRun.stream().allMatch(j -> j.status.equals("completed"))) {
      return "completed";
    }
    if (ofRun.stream().anyMatch(j -> !j.status.equals("queued"))) {
      return "in_progress";
    }
    return "queued";
  }

  private String runConclusion(RunState run) {
    if (!runStatus(run).equals("completed")) {
      return null;
    }
    List<String> conclusions = jobsOf(run).stream().map(j -> j.conclusion).toList();
    for (String worst : List.of("failure", "timed_out", "cancelled", "action_required")) {
      if (conclusions.contains(worst)) {
        return worst;
      }
    }
    return "success";
  }

  private List<JobState> jobsOf(RunState run) {
    return jobs.values().stream()
        .filter(j -> j.runId == run.id && j.runAttempt == run.attempt)
        .toList();
  }

  private ObjectNode hookJson(ScopeState scope, HookState hook) {
    ObjectNode json = JSON.createObjectNode();
    json.put("type", scope.isRepo() ? "Repository" : "Organization");
    json.put("id", hook.id);
    json.put("name", hook.name);
    json.put("active", hook.active);
    ArrayNode events = json.putArray("events");
    hook.events.forEach(events::add);
    ObjectNode config = json.putObject("config");
    hook.config.forEach(
        (k, v) -> config.put(k, k.equals("secret") || k.equals("password") ? "********" : v));
    json.put("updated_at", time(hook.updatedAt));
    json.put("created_at", time(hook.createdAt));
    String url = hookUrl(scope, hook);
    json.put("url", url);
    if (scope.isRepo()) {
      json.put("test_url", url + "/test");
    }
    json.put("ping_url", url + "/pings");
    json.put("deliveries_url", url + "/deliveries");
    if (scope.isRepo()) {
      ObjectNode last = json.putObject("last_response");
      if (hook.deliveries.isEmpty()) {
        last.putNull("code");
        last.put("status", "unused");
        last.putNull("message");
      } else {
        Delivery latest = hook.deliveries.get(hook.deliveries.size() - 1);
        last.put("code", latest.statusCode);
        last.put("status", "active");
        last.put("message", latest.status);
      }
    }
    return json;
  }

  private ObjectNode deliveryJson(ScopeState scope, Delivery delivery) {
    ObjectNode json = JSON.createObjectNode();
    json.put("id", delivery.id);
    json.put("guid", delivery.guid);
    json.put("delivered_at", time(delivery.at));
    DeliveryFacts facts = deliveryFacts.getOrDefault(delivery.id, DeliveryFacts.NONE);
    json.put("redelivery", facts.redelivery());
    json.put("duration", delivery.duration);
    json.put("status", delivery.status);
    json.put("status_code", delivery.statusCode);
    json.put("event", delivery.event);
    if (facts.action() == null) {
      json.putNull("action");
    } else {
      json.put("action", facts.action());
    }
    json.putNull("installation_id");
    if (scope.isRepo()) {
      json.put("repository_id", scope.id);
    } else {
      json.putNull("repository_id");
    }
    json.putNull("throttled_at");
    return json;
  }

  /** One delivery with its request and response ({@code GET …/deliveries/{delivery_id}}). */
  private ObjectNode deliveryDetailJson(ScopeState scope, Delivery delivery) {
    ObjectNode json = deliveryJson(scope, delivery);
    json.put("url", delivery.url);
    ObjectNode request = json.putObject("request");
    ObjectNode requestHeaders = request.putObject("headers");
    delivery.requestHeaders.forEach(requestHeaders::put);
    request.set("payload", delivery.payload.deepCopy());
    ObjectNode response = json.putObject("response");
    ObjectNode responseHeaders = response.putObject("headers");
    delivery.responseHeaders.forEach(responseHeaders::put);
    response.put("payload", delivery.responseBody);
    return json;
  }

  /**
   * GitHub pings a hook: recorded as delivered at once, or really delivered after the answer when
   * {@link #deliverPings} is on. Called with the lock held.
   */
  private void deliverPing(ScopeState scope, HookState hook) {
    long id = nextDeliveryId++;
    String guid = UUID.randomUUID().toString();
    Instant at = Instant.now();
    String url = hook.config.getOrDefault("url", "");
    ObjectNode payload = pingPayload(scope, hook);
    String json = text(payload);
    boolean form = "form".equals(hook.config.get("content_type"));
    byte[] body =
        (form ? "payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8) : json)
            .getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "*/*");
    headers.put("User-Agent", "GitHub-Hookshot/0a1b2c3");
    headers.put("X-GitHub-Delivery", guid);
    headers.put("X-GitHub-Event", "ping");
    headers.put("X-GitHub-Hook-ID", Long.toString(hook.id));
    headers.put("X-GitHub-Hook-Installation-Target-ID", Long.toString(scope.id));
    headers.put(
        "X-GitHub-Hook-Installation-Target-Type", scope.isRepo() ? "repository" : "organization");
    String secret = hook.config.get("secret");
    if (secret != null && !secret.isEmpty()) {
      headers.put("X-Hub-Signature", "sha1=" + hmac("HmacSHA1", secret, body));
      headers.put("X-Hub-Signature-256", "sha256=" + hmac("HmacSHA256", secret, body));
    }
    headers.put("content-type", form ? "application/x-www-form-urlencoded" : "application/json");
    if (!deliverPings) {
      hook.deliveries.add(
          new Delivery(
              id, guid, "ping", at, url, 0.01, 200, "OK", headers, payload, Map.of(), "ok"));
      return;
    }
    HttpClient client = deliveryClient;
    executor.execute(
        () -> {
          Delivery delivery = post(client, id, guid, at, url, headers, payload, body);
          synchronized (lock) {
            hook.deliveries.add(delivery);
          }
        });
  }

  /** One real delivery, as GitHub makes it: 10 s at most, no redirects followed. */
  private static Delivery post(
      HttpClient client,
      long id,
      String guid,
      Instant at,
      String url,
      Map<String, String> headers,
      JsonNode payload,
      byte[] body) {
    long start = System.nanoTime();
    int code;
    String status;
    Map<String, String> responseHeaders = new LinkedHashMap<>();
    String responseBody = null;
    try {
      URI target = URI.create(url);
      if (target.getHost() == null
          || !InetAddress.getByName(target.getHost()).isLoopbackAddress()) {
        throw new IOException("the stand-in delivers to loopback only");
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(target)
              .timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      headers.forEach(request::header);
      HttpResponse<String> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      code = response.statusCode();
      status = code >= 200 && code < 400 ? "OK" : "Invalid HTTP Response: " + code;
      response.headers().map().forEach((name, values) -> responseHeaders.put(name, values.get(0)));
      responseBody = response.body();
    } catch (HttpTimeoutException e) {
      code = 504;
      status = "timed out";
    } catch (IOException | IllegalArgumentException e) {
      code = 502;
      status = "failed to connect";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = 502;
      status = "failed to connect";
    }
    double seconds = Math.round((System.nanoTime() - start) / 1e7) / 100.0;
    return new Delivery(
        id,
        guid,
        "ping",
        at,
        url,
        seconds,
        code,
        status,
        headers,
        payload,
        responseHeaders,
        responseBody);
  }

  /** GitHub's own ping example (a repository's or an organization's), retargeted to the hook. */
  private ObjectNode pingPayload(ScopeState scope, HookState hook) {
    List<WebhookFixtures.Example> pings = WebhookFixtures.of("ping");
    JsonNode example = scope.isRepo() ? pings.get(1).json() : pings.get(pings.size() - 1).json();
    ObjectNode payload = (ObjectNode) example;
    payload.put("hook_id", hook.id);
    payload.set("hook", hookJson(scope, hook));
    return payload;
  }

  private static String hmac(String algorithm, String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String hookUrl(ScopeState scope, HookState hook) {
    return baseUrl + "/" + (scope.isRepo() ? "repos/" : "orgs/") + scope.name + "/hooks/" + hook.id;
  }

  /** A JIT configuration shaped like GitHub's: base64 JSON of base64 runner files. */
  private String jitConfig(ScopeState scope, RunnerState runner) {
    Base64.Encoder b64 = Base64.getEncoder();
    ObjectNode files = JSON.createObjectNode();
    ObjectNode dotRunner = JSON.createObjectNode();
    dotRunner.put("AgentId", Long.toString(runner.id));
    dotRunner.put("AgentName", runner.name);
    dotRunner.put("PoolId", Long.toString(runner.groupId));
    dotRunner.put("PoolName", "Default");
    dotRunner.put(
        "ServerUrl", "https://pipelines.actions.githubusercontent.com/" + randomToken(20));
    dotRunner.put("GitHubUrl", "https://github.com/" + scope.name);
    dotRunner.put("WorkFolder", runner.workFolder);
    dotRunner.put("Ephemeral", "true");
    ObjectNode credentials = JSON.createObjectNode();
    credentials.put("Scheme", "OAuth");
    ObjectNode data = credentials.putObject("Data");
    data.put("ClientId", UUID.randomUUID().toString());
    data.put(
        "AuthorizationUrl", "https://vstoken.actions.githubusercontent.com/_apis/oauth2/token");
    files.put(".runner", b64.encodeToString(bytes(dotRunner)));
    files.put(".credentials", b64.encodeToString(bytes(credentials)));
    files.put(".credentials_rsaparams", b64.encodeToString(randomToken(64).getBytes()));
    return b64.encodeToString(bytes(files));
  }

  // ---- state helpers -----------------------------------------------------------------------

  private RunnerState newRunner(
      ScopeState scope,
      String name,
      long groupId,
      List<String> labels,
      String workFolder,
      boolean ephemeral) {
    RunnerState runner =
        new RunnerState(nextRunnerId++, name, groupId, List.copyOf(labels), workFolder, ephemeral);
    scope.runners.put(runner.id, runner);
    return runner;
  }

  private ScopeState declared(String scope) {
    ScopeState state = scopes.get(scope.toLowerCase(Locale.ROOT));
    if (state == null) {
      throw new IllegalArgumentException(
          scope + " is not declared: call repo(\"owner/name\") or org(\"name\") first");
    }
    return state;
  }

  private RunnerState onlyRunnerNamed(String name) {
    List<RunnerState> found = new ArrayList<>();
    for (ScopeState state : scopes.values()) {
      RunnerState runner = state.runnerNamed(name);
      if (runner != null) {
        found.add(runner);
      }
    }
    if (found.size() != 1) {
      throw new IllegalArgumentException(
          (found.isEmpty() ? "no runner named " : "several runners named ") + name);
    }
    return found.get(0);
  }

  private RunnerState runnerById(Long id) {
    if (id == null) {
      return null;
    }
    for (ScopeState state : scopes.values()) {
      RunnerState runner = state.runners.get(id);
      if (runner != null) {
        return runner;
      }
    }
    return null;
  }

  private JobState knownJob(long jobId) {
    JobState job = jobs.get(jobId);
    if (job == null) {
      throw new IllegalArgumentException("no job " + jobId + ": putJob(...) first");
    }
    return job;
  }

  // ---- small helpers -----------------------------------------------------------------------

  private <T> Page<T> page(Call call, List<T> all) {
    int perPage = (int) Math.min(100, Math.max(1, call.longParam("per_page", 30)));
    long page = Math.max(1, call.longParam("page", 1));
    long last = Math.max(1, (all.size() + perPage - 1) / perPage);
    long from = Math.min(all.size(), (page - 1) * perPage);
    List<T> items = all.subList((int) from, (int) Math.min(all.size(), from + perPage));
    List<String> links = new ArrayList<>();
    if (page > 1) {
      links.add("<" + pageUrl(call, Math.min(page - 1, last)) + ">; rel=\"prev\"");
    }
    if (page < last) {
      links.add("<" + pageUrl(call, page + 1) + ">; rel=\"next\"");
      links.add("<" + pageUrl(call, last) + ">; rel=\"last\"");
    }
    if (page > 1) {
      links.add("<" + pageUrl(call, 1) + ">; rel=\"first\"");
    }
    return new Page<>(items, links.isEmpty() ? null : String.join(", ", links));
  }

  private String pageUrl(Call call, long page) {
    StringBuilder query = new StringBuilder();
    boolean replaced = false;
    if (call.rawQuery != null) {
      for (String pair : call.rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        String name = URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8);
        query.append(query.length() == 0 ? "" : "&");
        if (name.equals("page")) {
          query.append("page=").append(page);
          replaced = true;
        } else {
          query.append(pair);
        }
      }
    }
    if (!replaced) {
      query.append(query.length() == 0 ? "" : "&").append("page=").append(page);
    }
    return baseUrl + call.rawPath + "?" + query;
  }

  private Answer notFound(Call call) {
    return error(404, "Not Found", call.doc());
  }

  private Answer noAdmin(Call call, ScopeState scope) {
    return error(
        403,
        "Must have admin rights to " + (scope.isRepo() ? "Repository." : "Organization."),
        call.doc());
  }

  private static Answer validationFailed(Call call, String field, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.put("message", "Validation Failed");
    ObjectNode error = body.putArray("errors").addObject();
    error.put("resource", "Hook");
    error.put("code", "custom");
    if (field != null) {
      error.put("field", field);
    }
    error.put("message", message);
    body.put("documentation_url", call.doc());
    body.put("status", "422");
    return new Answer(422, text(body), new HashMap<>());
  }

  private static Answer error(int status, String message, String documentationUrl) {
    ObjectNode body = JSON.createObjectNode();
    body.put("message", message);
    body.put("documentation_url", documentationUrl);
    body.put("status", Integer.toString(status));
    return new Answer(status, text(body), new HashMap<>());
  }

  private static Answer noContent() {
    return new Answer(204, null, new HashMap<>());
  }

  private static Answer ok(int status, JsonNode body) {
    return new Answer(status, text(body), new HashMap<>());
  }

  private static String text(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(JsonNode node) {
    return text(node).getBytes(StandardCharsets.UTF_8);
  }

  /** Replaces, in every string of a copy of an example, the example's names with the state's. */
  private ObjectNode retarget(JsonNode example, Map<String, String> replacements) {
    Map<String, String> all = new LinkedHashMap<>(replacements);
    all.put("https://api.github.com", baseUrl.toString());
    return (ObjectNode) retargetNode(example.deepCopy(), all);
  }

  private static JsonNode retargetNode(JsonNode node, Map<String, String> replacements) {
    if (node.isTextual()) {
      String text = node.asText();
      for (Map.Entry<String, String> e : replacements.entrySet()) {
        text = text.replace(e.getKey(), e.getValue());
      }
      return TextNode.valueOf(text);
    }
    if (node instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        object.set(name, retargetNode(object.get(name), replacements));
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        array.set(i, retargetNode(array.get(i), replacements));
      }
    }
    return node;
  }

  /** The description's path template a concrete path falls under (for documentation links). */
  private static String template(String path) {
    String[] parts = path.substring(1).split("/");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (i == 1 && parts[0].equals("repos")) {
        part = "{owner}";
      } else if (i == 2 && parts[0].equals("repos")) {
        part = "{repo}";
      } else if (i == 1 && parts[0].equals("orgs")) {
        part = "{org}";
      } else if (part.matches("\\d+") && i > 0) {
        part =
            switch (parts[i - 1]) {
              case "runners" -> "{runner_id}";
              case "jobs" -> "{job_id}";
              case "runs" -> "{run_id}";
              case "hooks" -> "{hook_id}";
              case "deliveries" -> "{delivery_id}";
              default -> part;
            };
      }
      out.add(part);
    }
    return "/" + String.join("/", out);
  }

  private static Map<String, List<String>> parseQuery(String rawQuery) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return query;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      String[] kv = pair.split("=", 2);
      String name = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
      String value = kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
      query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return query;
  }

  private static String first(Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** The token of {@code Bearer TOKEN} or {@code token TOKEN}; null when there is none. */
  private static String bearerToken(String authorization) {
    if (authorization == null) {
      return null;
    }
    String[] parts = authorization.trim().split("\\s+", 2);
    if (parts.length != 2
        || !(parts[0].equalsIgnoreCase("bearer") || parts[0].equalsIgnoreCase("token"))) {
      return null;
    }
    return parts[1].trim();
  }

  private static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String randomToken(int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return out.toString();
  }

  private static String requestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return String.format(
        Locale.ROOT,
        "%04X:%05X:%06X:%06X:%08X",
        random.nextInt(0x10000),
        random.nextInt(0x100000),
        random.nextInt(0x1000000),
        random.nextInt(0x1000000),
        random.nextLong(0x100000000L));
  }

  // ---- state -------------------------------------------------------------------------------

  private static final class ScopeState {
    final String name;
    final long id;
    final Map<Long, RunnerState> runners = new LinkedHashMap<>();
    final Map<Long, HookState> hooks = new LinkedHashMap<>();
    int runsMade;
    boolean readOnly;

    ScopeState(String name, long id) {
      this.name = name;
      this.id = id;
    }

    boolean isRepo() {
      return name.contains("/");
    }

    String key() {
      return name.toLowerCase(Locale.ROOT);
    }

    RunnerState runnerNamed(String name) {
      for (RunnerState runner : runners.values()) {
        if (runner.name.equals(name)) {
          return runner;
        }
      }
      return null;
    }
  }

  private static final class RunnerState {
    final long id;
    final String name;
    final long groupId;
    final List<String> labels;
    final String workFolder;
    final boolean ephemeral;
    String os = "unknown";
    String status = "offline";
    boolean busy;
    String version;
    String jitConfig;

    RunnerState(
        long id,
        String name,
        long groupId,
        List<String> labels,
        String workFolder,
        boolean ephemeral) {
      this.id = id;
      this.name = name;
      this.groupId = groupId;
      this.labels = labels;
      this.workFolder = workFolder;
      this.ephemeral = ephemeral;
    }

    RegisteredRunner snapshot(String scope) {
      return new RegisteredRunner(
          id, scope, name, os, status, busy, ephemeral, groupId, labels, workFolder, jitConfig);
    }
  }

  private static final class JobState {
    final long id;
    final String repoKey;
    final long runId;
    final int runAttempt;
    final String name;
    final List<String> labels;
    Instant createdAt = Instant.now();
    String status = "queued";
    String conclusion;
    Instant startedAt;
    Instant completedAt;
    Long runnerId;
    String runnerName;
    long runnerGroupId;

    JobState(
        long id, String repoKey, long runId, int runAttempt, String name, List<String> labels) {
      this.id = id;
      this.repoKey = repoKey;
      this.runId = runId;
      this.runAttempt = runAttempt;
      this.name = name;
      this.labels = labels;
    }

    Job snapshot(String repo) {
      return new Job(
          id, repo, runId, runAttempt, name, status, conclusion, runnerId, runnerName, labels);
    }
  }

  private static final class RunState {
    final long id;
    final String repoKey;
    final int number;
    Instant createdAt;
    int attempt = 1;

    RunState(long id, String repoKey, int number, Instant createdAt) {
      this.id = id;
      this.repoKey = repoKey;
      this.number = number;
      this.createdAt = createdAt;
    }
  }

  private final class HookState {
    final long id;
    final String name;
    final Instant createdAt = Instant.now();
    final List<Delivery> deliveries = new ArrayList<>();
    boolean active;
    List<String> events;
    Map<String, String> config;
    Instant updatedAt = createdAt;

    HookState(
        long id, String name, boolean active, List<String> events, Map<String, String> config) {
      this.id = id;
      this.name = name;
      this.active = active;
      this.events = List.copyOf(events);
      this.config = config;
    }

    Hook snapshot(String scope) {
      return new Hook(
          id,
          scope,
          name,
          active,
          List.copyOf(events),
          Map.copyOf(config),
          deliveries.stream().map(Delivery::event).toList());
    }
  }

  private record Delivery(
      long id,
      String guid,
      String event,
      Instant at,
      String url,
      double duration,
      int statusCode,
      String status,
      Map<String, String> requestHeaders,
      JsonNode payload,
      Map<String, String> responseHeaders,
      String responseBody) {}

  private enum FaultKind {
    DELAY,
    FAIL,
    SECONDARY,
    PRIMARY
  }

  private static final class Fault {
    final String method;
    final Pattern path;
    final FaultKind kind;
    final int status;
    final long seconds;
    final Duration delay;
    int remaining;

    Fault(
        String method,
        Pattern path,
        int remaining,
        FaultKind kind,
        int status,
        long seconds,
        Duration delay) {
      this.method = method;
      this.path = path;
      this.remaining = remaining;
      this.kind = kind;
      this.status = status;
      this.seconds = seconds;
      this.delay = delay;
    }

    private static String failureMessage(int status) {
      return switch (status) {
        case 400 -> "Bad Request";
        case 401 -> "Bad credentials";
        case 403 -> "Forbidden";
        case 404 -> "Not Found";
        case 409 -> "Conflict";
        case 422 -> "Validation Failed";
        default -> status >= 500 ? "Server Error" : "Error";
      };
    }

    Answer answer() {
      return switch (kind) {
        case FAIL -> {
          if (status >= 502 && status <= 504) {
            // GitHub's edge answers these with an HTML page, not JSON.
            Answer page =
                new Answer(
                    status,
                    "<!DOCTYPE html>\n<html><head><title>GitHub</title></head>"
                        + "<body><p>We couldn't respond to your request in time. Sorry about"
                        + " that. Please try resubmitting your request.</p></body></html>\n",
                    new HashMap<>());
            page.headers.put("content-type", "text/html; charset=utf-8");
            yield page;
          }
          yield error(status, failureMessage(status), DOCS);
        }
        case SECONDARY -> {
          Answer answer =
              error(
                  status,
                  "You have exceeded a secondary rate limit. Please wait a few minutes before"
                      + " you try again. If you reach out to GitHub Support for help, please"
                      + " include the request ID "
                      + requestId()
                      + ".",
                  "https://docs.github.com/free-pro-team@latest/rest/overview/"
                      + "rate-limits-for-the-rest-api#about-secondary-rate-limits");
          answer.headers.put("retry-after", Long.toString(seconds));
          yield answer;
        }
        case PRIMARY -> {
          Answer answer =
              error(
                  403,
                  "API rate limit exceeded for user ID 1. If you reach out to GitHub Support"
                      + " for help, please include the request ID "
                      + requestId()
                      + ".",
                  RATE_LIMIT_DOCS);
          answer.headers.put("x-ratelimit-remaining", "0");
          answer.headers.put("x-ratelimit-used", "5000");
          answer.headers.put(
              "x-ratelimit-reset",
              Long.toString(Instant.now().plus(delay).plusMillis(999).getEpochSecond()));
          yield answer;
        }
        case DELAY -> throw new IllegalStateException("a delay is not an answer");
      };
    }
  }

  private record Answer(int status, String body, Map<String, String> headers) {
    Answer withLink(String link) {
      if (link != null) {
        headers.put("link", link);
      }
      return this;
    }
  }

  private record Page<T>(List<T> items, String link) {}

  private final class Call {
    final String method;
    final String path;
    final Map<String, List<String>> query;
    final String rawPath;
    final String rawQuery;
    final String body;
    final boolean admin;

    Call(
        String method,
        String path,
        String rawPath,
        Map<String, List<String>> query,
        String rawQuery,
        String body,
        boolean admin) {
      this.method = method;
      this.path = path;
      this.rawPath = rawPath;
      this.query = query;
      this.rawQuery = rawQuery;
      this.body = body;
      this.admin = admin;
    }

    String param(String name) {
      List<String> values = query.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    long longParam(String name, long fallback) {
      String value = param(name);
      try {
        return value == null ? fallback : Long.parseLong(value.trim());
      } catch (NumberFormatException e) {
        return fallback;
      }
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException("a validated body did not parse", e);
      }
    }

    String doc() {
      return contract.documentationUrl(template(path), method);
    }
  }
}
