package dev.lgr.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.testing.GitHubStandIn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitHub's side of the jobs, played on the stand-in from what the stand-in runners say (their
 * output lines and the runner function's events), as RunnerFunctionIT plays it for one job:
 *
 * <ul>
 *   <li>a runner that listens comes online and GitHub hands it a job: the one it was registered for
 *       when that one is still queued, else the oldest queued job of its repository (GitHub routes
 *       by labels, and every job here has the same ones);
 *   <li>a job that completes on its runner succeeds, and GitHub removes the ephemeral runner;
 *   <li>a runner stopped with SIGTERM gives its job up (cancelled); a runner that dies with its job
 *       loses it (GitHub fails the job);
 *   <li>each change of a job's state sends GitHub's delivery for it ({@code in_progress}, {@code
 *       completed}) to the webhook, which must ignore them.
 * </ul>
 *
 * Every change goes through this class, under one lock, so that a cancellation and a hand-out
 * cannot cross.
 */
final class GitHubSide {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RUNNER_LINE =
      Pattern.compile("^\\[(lgr-([0-9]+)-[0-9a-f]{6})] (.*)$");

  private final GitHubStandIn github;
  private final Map<Long, ScenarioPlan.Job> jobs;
  private final Map<String, List<ScenarioPlan.Job>> jobsByRepository;
  private final GitHubDeliveries deliveries;
  private final Consumer<GitHubDeliveries.Delivery> send;
  private final Map<String, Long> runnerJob = new ConcurrentHashMap<>();
  private final Set<String> exited = ConcurrentHashMap.newKeySet();
  private final Set<Long> removalsRefused = ConcurrentHashMap.newKeySet();

  final AtomicInteger succeeded = new AtomicInteger();
  final AtomicInteger cutOff = new AtomicInteger();
  final AtomicInteger lostWithRunner = new AtomicInteger();
  final AtomicInteger tookAnotherJob = new AtomicInteger();
  final AtomicInteger cancelledAfterPickup = new AtomicInteger();

  /**
   * @param send posts a follow-up delivery to the webhook
   */
  GitHubSide(
      GitHubStandIn github,
      ScenarioPlan plan,
      GitHubDeliveries deliveries,
      Consumer<GitHubDeliveries.Delivery> send) {
    this.github = github;
    this.jobs = new ConcurrentHashMap<>();
    this.jobsByRepository = new ConcurrentHashMap<>();
    for (ScenarioPlan.Job job : plan.jobs()) {
      jobs.put(job.jobId(), job);
      jobsByRepository.computeIfAbsent(job.repository(), k -> new ArrayList<>()).add(job);
    }
    this.deliveries = deliveries;
    this.send = send;
  }

  /** GitHub queues a job (its delivery is sent separately, by the plan). */
  synchronized void queue(ScenarioPlan.Job job, List<String> labels) {
    github.putJob(job.repository(), job.jobId(), job.runId(), 1, "build", labels);
  }

  /**
   * The user cancels a job's run. Returns false when a runner had already taken the job (then it is
   * cancelled on its runner, and counts as having run).
   */
  synchronized boolean cancel(long jobId) {
    GitHubStandIn.Job job = github.job(jobId).orElseThrow();
    boolean beforePickup = job.status().equals("queued");
    if (!beforePickup) {
      cancelledAfterPickup.incrementAndGet();
    }
    if (!job.status().equals("completed")) {
      github.setJobStatus(jobId, "completed", "cancelled");
      send.accept(deliveries.delivery("completed", jobs.get(jobId), job.runnerName(), "cancelled"));
    }
    return beforePickup;
  }

  /** The user deletes a job's run. */
  synchronized void deleteRun(long jobId) {
    github.deleteRun(jobs.get(jobId).runId());
  }

  /** One line of the runner function's log. */
  void onLog(String line) {
    Matcher m = RUNNER_LINE.matcher(line);
    if (m.matches()) {
      onRunnerLine(m.group(1), Long.parseLong(m.group(2)), m.group(3));
    } else if (line.startsWith("{")) {
      try {
        JsonNode event = JSON.readTree(line);
        String name = event.path("event").asText();
        if (name.equals("exited")) {
          runnerExited(event.path("runner").asText());
        } else if (name.equals("registered")) {
          registered(event.path("runner").asText(), event.path("message").asText());
        }
      } catch (IOException e) {
        throw new IllegalStateException("the runner function logged a broken line: " + line, e);
      }
    }
  }

  /**
   * A runner was registered: when the plan leaves its job's first runner registered, GitHub answers
   * 5xx to its removal as many times as the runner function tries (and a few more).
   */
  private void registered(String runner, String message) {
    Matcher name = Pattern.compile("^lgr-([0-9]+)-").matcher(runner);
    Matcher id = Pattern.compile("runner id ([0-9]+) ").matcher(message);
    if (!name.find() || !id.find()) {
      throw new IllegalStateException("unexpected registration line: " + message);
    }
    ScenarioPlan.Job job = jobs.get(Long.parseLong(name.group(1)));
    if (job != null
        && job.has(ScenarioPlan.Fault.RUNNER_LEFT)
        && removalsRefused.add(job.jobId())) {
      github
          .on("DELETE", "/repos/" + job.repository() + "/actions/runners/" + id.group(1))
          .failNext(8, 502);
    }
  }

  private void onRunnerLine(String runner, long ownJob, String text) {
    if (text.equals("Listening for Jobs")) {
      listening(runner, ownJob);
    } else if (text.startsWith("Job build completed")) {
      finish(runner, "success", succeeded, true);
    } else if (text.startsWith("Received SIGTERM")) {
      finish(runner, "cancelled", cutOff, false);
    }
  }

  private synchronized void listening(String runner, long ownJob) {
    if (github.runner(runner).isEmpty() || exited.contains(runner)) {
      return;
    }
    github.runnerStatus(runner, "online", false);
    ScenarioPlan.Job own = jobs.get(ownJob);
    ScenarioPlan.Job take = null;
    if (own != null && queued(own.jobId())) {
      take = own;
    } else if (own != null) {
      for (ScenarioPlan.Job other : jobsByRepository.get(own.repository())) {
        if (queued(other.jobId())) {
          take = other;
          tookAnotherJob.incrementAndGet();
          break;
        }
      }
    }
    if (take != null) {
      github.assignJob(take.jobId(), runner);
      runnerJob.put(runner, take.jobId());
      send.accept(deliveries.delivery("in_progress", take, runner, null));
    }
  }

  private boolean queued(long jobId) {
    return github.job(jobId).map(j -> j.status().equals("queued")).orElse(false);
  }

  private synchronized void finish(
      String runner, String conclusion, AtomicInteger counter, boolean removeRunner) {
    Long jobId = runnerJob.get(runner);
    if (jobId == null) {
      return; // the runner never got a job: there is nothing to finish
    }
    Optional<GitHubStandIn.Job> job = github.job(jobId);
    if (job.isPresent()
        && job.get().status().equals("in_progress")
        && runner.equals(job.get().runnerName())) {
      github.setJobStatus(jobId, "completed", conclusion);
      counter.incrementAndGet();
      send.accept(deliveries.delivery("completed", jobs.get(jobId), runner, conclusion));
      if (removeRunner && github.runner(runner).isPresent()) {
        github.removeRunner(runner); // an ephemeral runner goes once its job is done
      }
    }
  }

  private synchronized void runnerExited(String runner) {
    exited.add(runner);
    // A runner that died holding its job: GitHub notices it lost the runner and fails the job.
    finish(runner, "failure", lostWithRunner, false);
    if (github.runner(runner).isPresent()) {
      github.runnerStatus(runner, "offline", false);
    }
  }
}
