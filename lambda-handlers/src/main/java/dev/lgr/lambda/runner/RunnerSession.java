package dev.lgr.lambda.runner;

import dev.lgr.github.GitHubClient;
import dev.lgr.github.GitHubException;
import dev.lgr.github.JitConfig;
import dev.lgr.github.Runner;
import dev.lgr.github.RunnerScope;
import dev.lgr.github.WorkflowJob;
import dev.lgr.webhook.JobQueue;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.JsonText;
import dev.lgr.webhook.RoutingRules;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * One runner for one job request: register a just-in-time runner, run it in a fresh home, watch it,
 * and make sure it is gone from GitHub at the end, whatever happened.
 *
 * <p>The watchdog stops the runner (a) {@code stopMargin} before the Lambda deadline, so that
 * cleanup always runs; (b) when the job it was started for is no longer queued (cancelled, or taken
 * by another runner) and it has no job of its own; (c) after {@code idleLimit} without a job.
 *
 * <p>A runner may take another queued job with the same labels than the one it was started for
 * (GitHub hands a job to any idle runner that fits). When the watchdog sees its runner busy while
 * its own job still waits, it puts that job back on the jobs queue ({@link JobQueue#sendAgain}), so
 * that it gets a runner of its own.
 */
final class RunnerSession {
  /** How a session ended. */
  enum Outcome {
    /** A runner ran (whatever became of the job). */
    RAN,
    /** No runner was needed: the job was no longer queued. */
    SKIPPED
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /** How long a runner GitHub still counts busy is asked to go before the reconciler is left it. */
  private static final Duration DEREGISTER_PATIENCE = Duration.ofSeconds(30);

  private final RunnerSettings settings;
  private final GitHubClient github;
  private final Map<String, String> childEnv;
  private final Function<String, Map<String, String>> jobCredentials;
  private final List<String> masked;
  private final Consumer<String> log;
  private final LongSupplier remainingMillis;
  private final JobQueue requeue;
  private boolean requeued;

  /**
   * @param childEnv the runner process's environment (without lgr's own settings)
   * @param jobCredentials the job role's credentials for a runner (by name), as environment values
   * @param masked strings never to let through to the log (the credential)
   * @param remainingMillis time left before the Lambda deadline
   * @param requeue where a job whose runner took another job goes back to, or null (then the
   *     reconciler finds it)
   */
  RunnerSession(
      RunnerSettings settings,
      GitHubClient github,
      Map<String, String> childEnv,
      Function<String, Map<String, String>> jobCredentials,
      List<String> masked,
      Consumer<String> log,
      LongSupplier remainingMillis,
      JobQueue requeue) {
    this.settings = settings;
    this.github = github;
    this.childEnv = childEnv;
    this.jobCredentials = jobCredentials;
    this.masked = masked;
    this.log = log;
    this.remainingMillis = remainingMillis;
    this.requeue = requeue;
  }

  /**
   * Serves one request.
   *
   * @throws GitHubException or {@link IOException} when no runner could be started: the message
   *     then goes back to the queue (and, after retries, to the dead-letter queue)
   */
  Outcome run(JobRequest request) throws IOException, InterruptedException {
    if (remainingMillis.getAsLong() <= settings.stopMargin().toMillis() + 5_000) {
      throw new IOException(
          "the function's timeout leaves no time for a job: raise it above "
              + settings.stopMargin().toSeconds()
              + " s plus start-up");
    }
    RunnerScope scope =
        request.scope() == RoutingRules.Scope.ORGANIZATION
            ? RunnerScope.organization(request.owner())
            : RunnerScope.repository(request.repository());
    WorkflowJob job = github.job(request.repository(), request.jobId());
    if (!job.queued()) {
      event(request, null, "skipped", "job is " + job.status() + ", no runner needed");
      return Outcome.SKIPPED;
    }

    String name = "lgr-" + request.jobId() + "-" + HexFormat.of().formatHex(randomBytes(3));
    JitConfig jit =
        github.generateJitConfig(scope, name, settings.runnerGroupId(), settings.labels(), "_work");
    event(request, name, "registered", "runner id " + jit.runner().id() + " on " + scope);
    RunnerProcess process = null;
    try {
      long prepareStart = System.nanoTime();
      RunnerHome home = RunnerHome.prepare(settings.runnerDir(), settings.scratch());
      Map<String, String> env = new LinkedHashMap<>(childEnv);
      env.putAll(jobCredentials.apply(name));
      env.put("HOME", home.home().toString());
      env.put("TMPDIR", home.temp().toString());
      env.put("RUNNER_TEMP", home.temp().toString());
      process =
          RunnerProcess.start(
              home,
              jit.encodedJitConfig(),
              env,
              masked,
              line -> log.accept("[" + name + "] " + line));
      event(
          request,
          name,
          "started",
          "run.sh started "
              + (System.nanoTime() - prepareStart) / 1_000_000
              + " ms after registration");
      watch(request, scope, jit.runner(), process);
      int exit = process.exitCode();
      event(request, name, "exited", "runner exited with code " + exit);
      return Outcome.RAN;
    } finally {
      if (process != null && process.alive()) {
        process.stop(
            Math.min(
                settings.stopGrace().toMillis(), Math.max(0, remainingMillis.getAsLong() / 4)));
      }
      deregister(request, scope, jit.runner());
    }
  }

  private void watch(JobRequest request, RunnerScope scope, Runner runner, RunnerProcess process)
      throws InterruptedException {
    long started = System.nanoTime();
    long pollWait = settings.firstPoll().toMillis();
    long nextPoll = started + pollWait * 1_000_000;
    boolean hasJob = false;
    while (process.alive()) {
      long left = remainingMillis.getAsLong() - settings.stopMargin().toMillis();
      if (left <= 0) {
        boolean busy = hasJob || busy(scope, runner);
        event(
            request,
            runner.name(),
            "deadline",
            busy
                ? "job cut off by Lambda's 15-minute limit (stopping "
                    + settings.stopMargin().toSeconds()
                    + " s before the deadline so cleanup runs)"
                : "stopping the idle runner before the Lambda deadline");
        process.stop(settings.stopGrace().toMillis());
        return;
      }
      long now = System.nanoTime();
      if (!hasJob && now >= nextPoll) {
        Check check = checkJob(request, runner, scope);
        if (check.stopReason() != null) {
          event(request, runner.name(), "stopping", check.stopReason());
          process.stop(settings.stopGrace().toMillis());
          return;
        }
        hasJob = check.hasJob();
        pollWait = Math.min(pollWait * 2, settings.maxPoll().toMillis());
        nextPoll = System.nanoTime() + pollWait * 1_000_000;
      }
      if (!hasJob && now - started >= settings.idleLimit().toNanos()) {
        if (busy(scope, runner)) {
          hasJob = true;
          requeueIfStillQueued(request, runner);
        } else {
          event(
              request,
              runner.name(),
              "stopping",
              "no job after the idle limit of " + settings.idleLimit().toSeconds() + " s");
          process.stop(settings.stopGrace().toMillis());
          return;
        }
      }
      process.waitFor(Math.min(250, Math.max(1, left)));
    }
  }

  /**
   * What a look at the job says.
   *
   * @param hasJob the runner took a job (this one or another): it runs until the job ends
   * @param stopReason why the runner should stop now, or null
   */
  private record Check(boolean hasJob, String stopReason) {
    static final Check WAIT = new Check(false, null);
    static final Check BUSY = new Check(true, null);
  }

  /**
   * Whether the runner should stop now: its job went elsewhere or was cancelled and it is not busy
   * with another one.
   */
  private Check checkJob(JobRequest request, Runner runner, RunnerScope scope) {
    WorkflowJob job;
    try {
      job = github.job(request.repository(), request.jobId());
    } catch (GitHubException e) {
      event(request, runner.name(), "warning", "cannot check the job: " + e.getMessage());
      return Check.WAIT;
    }
    if (runner.name().equals(job.runnerName())) {
      return Check.BUSY;
    }
    if (busy(scope, runner)) {
      // It took another queued job with the same labels: let it finish; its own job, if it still
      // waits, needs another runner.
      if (job.queued()) {
        requeueIfStillQueued(request, runner);
      }
      return Check.BUSY;
    }
    if (job.queued()) {
      return Check.WAIT;
    }
    return new Check(
        false,
        job.runnerName() != null
            ? "job " + request.jobId() + " was taken by " + job.runnerName()
            : "job "
                + request.jobId()
                + " is "
                + job.status()
                + (job.conclusion() == null ? "" : " (" + job.conclusion() + ")"));
  }

  /**
   * The runner is busy with a job: if it is not the one it was started for, and that one still
   * waits (asked once more, since GitHub may show the runner busy a moment before the job taken),
   * that job goes back on the queue, once.
   */
  private void requeueIfStillQueued(JobRequest request, Runner runner) {
    if (requeue == null || requeued) {
      return;
    }
    try {
      WorkflowJob job = github.job(request.repository(), request.jobId());
      if (!job.queued() || runner.name().equals(job.runnerName())) {
        return;
      }
      requeue.sendAgain(request, runner.name());
      requeued = true;
      event(
          request,
          runner.name(),
          "requeued",
          "the runner took another job; job "
              + request.jobId()
              + " still waits and is back on the queue");
    } catch (GitHubException | JobQueue.QueueException e) {
      event(
          request,
          runner.name(),
          "warning",
          "could not put job "
              + request.jobId()
              + " back on the queue (the reconciler will): "
              + e.getMessage());
    }
  }

  private boolean busy(RunnerScope scope, Runner runner) {
    try {
      return github.runner(scope, runner.id()).map(Runner::busy).orElse(false);
    } catch (GitHubException e) {
      return false;
    }
  }

  /**
   * Removes the runner from GitHub. GitHub refuses (422) while it still counts the runner busy, as
   * it does for a moment after a stopped runner gave its job up: that is retried with backoff while
   * time is left, then left to the reconciler.
   */
  private void deregister(JobRequest request, RunnerScope scope, Runner runner)
      throws InterruptedException {
    long waitMillis = 500;
    long giveUp = System.nanoTime() + DEREGISTER_PATIENCE.toNanos();
    while (true) {
      try {
        boolean removed = github.deleteRunner(scope, runner.id());
        event(
            request,
            runner.name(),
            "deregistered",
            removed ? "runner removed from GitHub" : "runner already gone from GitHub");
        return;
      } catch (GitHubException e) {
        boolean stillBusy = e.status() == 422;
        boolean timeLeft =
            remainingMillis.getAsLong() > waitMillis + 1_000 && System.nanoTime() < giveUp;
        if (!stillBusy || !timeLeft) {
          event(
              request,
              runner.name(),
              "error",
              "could not remove the runner from GitHub (the reconciler will): " + e.getMessage());
          return;
        }
        Thread.sleep(waitMillis);
        waitMillis = Math.min(waitMillis * 2, 5_000);
      }
    }
  }

  private void event(JobRequest request, String runner, String event, String message) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("event", event);
    line.put("runner", runner);
    line.put("repository", request.repository());
    line.put("job_id", request.jobId());
    line.put("run_attempt", request.runAttempt());
    line.put("delivery", request.deliveryId());
    line.put("message", RunnerProcess.mask(message, masked));
    log.accept(JsonText.object(line));
  }

  private static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
