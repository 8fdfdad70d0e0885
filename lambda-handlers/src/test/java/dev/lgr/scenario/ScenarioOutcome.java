package dev.lgr.scenario;

import dev.lgr.scenario.ScenarioPlan.Fault;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.webhook.JobRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a finished run left, read from the records of the stand-ins: GitHub's hand-outs of jobs to
 * runners, its jobs and runners, the requests it answered, and the dead-letter queue.
 */
final class ScenarioOutcome {
  private final ScenarioRun run;
  final Map<Long, List<String>> runnersPerJob = new HashMap<>();
  final Map<String, List<Long>> jobsPerRunner = new HashMap<>();
  final Map<Long, Instant> firstRun = new HashMap<>();
  final Map<Long, String> finalStatus = new HashMap<>();
  final List<JobRequest> deadLetters;
  final List<GitHubStandIn.RegisteredRunner> lgrRunners;
  private final List<GitHubStandIn.Request> requests;

  ScenarioOutcome(ScenarioRun run) {
    this.run = run;
    for (GitHubStandIn.Assignment a : run.github().assignments()) {
      runnersPerJob.computeIfAbsent(a.jobId(), k -> new ArrayList<>()).add(a.runnerName());
      jobsPerRunner.computeIfAbsent(a.runnerName(), k -> new ArrayList<>()).add(a.jobId());
      firstRun.putIfAbsent(a.jobId(), a.at());
    }
    for (ScenarioPlan.Job job : run.plan().jobs()) {
      finalStatus.put(
          job.jobId(),
          run.github()
              .job(job.jobId())
              .map(j -> j.status() + (j.conclusion() == null ? "" : "/" + j.conclusion()))
              .orElse("deleted"));
    }
    this.deadLetters = run.deadLetters();
    this.lgrRunners = run.lgrRunners();
    this.requests = run.github().requests();
  }

  int runs(long jobId) {
    return runnersPerJob.getOrDefault(jobId, List.of()).size();
  }

  long ranOnce() {
    return run.plan().jobs().stream().filter(j -> runs(j.jobId()) == 1).count();
  }

  long neverRan() {
    return run.plan().jobs().stream().filter(j -> runs(j.jobId()) == 0).count();
  }

  long ranOnceOf(Fault fault) {
    return run.plan().jobs().stream().filter(j -> j.has(fault) && runs(j.jobId()) == 1).count();
  }

  /**
   * Jobs with {@code fault} whose run came after a reconciler cycle started (the one during the
   * burst included).
   */
  long recoveredOf(Fault fault) {
    return run.plan().jobs().stream()
        .filter(j -> j.has(fault) && firstRun.containsKey(j.jobId()))
        .filter(
            j ->
                run.cycles.stream().anyMatch(c -> !firstRun.get(j.jobId()).isBefore(c.startedAt())))
        .count();
  }

  /**
   * Of the runners the reconciler removed, those of jobs whose runner was left registered on
   * purpose; the others were offline for another reason when a cycle looked (typically just
   * registered and not yet connected, for a job the moved clock makes old).
   */
  long removedOnPurpose() {
    Pattern removed = Pattern.compile("^removed runner lgr-([0-9]+)-");
    return run.cycles.stream()
        .flatMap(c -> c.report().actions().stream())
        .map(removed::matcher)
        .filter(Matcher::find)
        .filter(m -> run.plan().job(Long.parseLong(m.group(1))).has(Fault.RUNNER_LEFT))
        .count();
  }

  /** Runners the reconciler removed, in all cycles. */
  int runnersRemoved() {
    return run.cycles.stream().mapToInt(c -> c.report().runnersRemoved()).sum();
  }

  /**
   * The reconciler cycle after the burst after which the job ran, or 0 when it ran before them (or
   * never).
   */
  int recoveredInCycle(long jobId) {
    Instant at = firstRun.get(jobId);
    int cycle = 0;
    if (at != null) {
      for (ScenarioRun.Cycle c : run.cycles) {
        if (c.number() > 0 && !at.isBefore(c.startedAt())) {
          cycle = c.number();
        }
      }
    }
    return cycle;
  }

  long recoveredInCycle(int cycle) {
    return run.plan().jobs().stream().filter(j -> recoveredInCycle(j.jobId()) == cycle).count();
  }

  long cancelledRuns() {
    return run.plan().jobs().stream()
        .filter(j -> j.has(Fault.CANCELLED))
        .mapToInt(j -> runs(j.jobId()))
        .sum();
  }

  /** The distinct jobs in the dead-letter queue. */
  Set<Long> deadLetterJobIds() {
    Set<Long> ids = new TreeSet<>();
    deadLetters.forEach(r -> ids.add(r.jobId()));
    return ids;
  }

  int deadLetterJobs() {
    return deadLetterJobIds().size();
  }

  int leakedRunners() {
    return run.lgrRunnersAfterBurst;
  }

  int lgrRunnersLeft() {
    return lgrRunners.size();
  }

  long status5xx() {
    return requests.stream().filter(r -> r.status() >= 500).count();
  }

  long status429() {
    return requests.stream().filter(r -> r.status() == 429).count();
  }

  /** Jobs handed to more than one runner. */
  Map<Long, List<String>> jobsOnSeveralRunners() {
    Map<Long, List<String>> out = new HashMap<>();
    runnersPerJob.forEach(
        (job, runners) -> {
          if (new LinkedHashSet<>(runners).size() > 1 || runners.size() > 1) {
            out.put(job, runners);
          }
        });
    return out;
  }

  /** Runners that took more than one job (an ephemeral runner takes one). */
  Map<String, List<Long>> runnersWithSeveralJobs() {
    Map<String, List<Long>> out = new HashMap<>();
    jobsPerRunner.forEach(
        (runner, jobs) -> {
          if (jobs.size() > 1) {
            out.put(runner, jobs);
          }
        });
    return out;
  }
}
