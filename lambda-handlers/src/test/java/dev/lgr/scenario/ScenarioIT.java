package dev.lgr.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.scenario.ScenarioPlan.Fault;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault-injection run: a burst of jobs across three repositories through lgr's real webhook
 * function, jobs queue (moto), runner function (stand-in runner) and the GitHub stand-in, with
 * dropped, duplicated and reordered deliveries, GitHub 5xx and 429 bursts, runner crashes, jobs
 * past the deadline, cancellations, deleted runs, refused runner removals and a secret rotation; a
 * reconciler cycle during the burst and two after it. Prints what was injected and what happened,
 * then checks the promises: every job that was not cancelled ran exactly once (directly, or after a
 * reconciler cycle), no job ran on two runners, no lgr runner is left registered, and the
 * dead-letter queue holds exactly the jobs whose run was deleted.
 *
 * <p>{@code -Dscenario.jobs=N} (default 200) sizes it, {@code -Dscenario.seed=S} replays a run (the
 * seed is printed first).
 */
class ScenarioIT {
  @TempDir Path work;

  @Test
  void faultInjectionRun_everyJobRunsOnce_nothingLeaks() throws Exception {
    int jobs = Integer.getInteger("scenario.jobs", 200);
    long seed = Long.getLong("scenario.seed", ThreadLocalRandom.current().nextLong(1, 1L << 40));
    System.out.printf(
        "[scenario] %d jobs, seed %d (replay: -Dscenario.seed=%d -Dscenario.jobs=%d)%n",
        jobs, seed, seed, jobs);
    ScenarioPlan plan = ScenarioPlan.draw(seed, jobs, true);
    Instant start = Instant.now();
    try (ScenarioRun run = new ScenarioRun(plan, ScenarioRun.Settings.defaults(), work)) {
      run.play();
      ScenarioOutcome outcome = new ScenarioOutcome(run);
      Duration took = Duration.between(start, Instant.now());
      System.out.printf(
          "[scenario] seed %d: %d jobs in %.1f s (burst %.1f s, %d reconciler cycles)%n%s",
          seed,
          jobs,
          took.toMillis() / 1000.0,
          Duration.between(start, run.burstEnded).toMillis() / 1000.0,
          run.cycles.size(),
          ScenarioTable.of(run, outcome).render());
      for (ScenarioRun.Cycle cycle : run.cycles) {
        cycle.report().actions().stream()
            .filter(a -> a.startsWith("removed"))
            .forEach(a -> System.out.println("[scenario] cycle " + cycle.number() + ": " + a));
      }
      check(run, outcome, seed);
    }
  }

  private static void check(ScenarioRun run, ScenarioOutcome outcome, long seed) {
    SoftAssertions soft = new SoftAssertions();
    String replay = "(replay with -Dscenario.seed=" + seed + ")";
    soft.assertThat(run.drainedAfterBurst)
        .as("the queue drained after the burst " + replay)
        .isTrue();
    soft.assertThat(run.drainedAfterCycle)
        .as("the queue drained after each reconciler cycle " + replay)
        .containsOnly(true);

    List<String> notOnce = new ArrayList<>();
    List<String> ranButMustNot = new ArrayList<>();
    for (ScenarioPlan.Job job : run.plan().jobs()) {
      int runs = outcome.runs(job.jobId());
      String status = outcome.finalStatus.get(job.jobId());
      if (job.has(Fault.RUN_DELETED)) {
        if (runs != 0) {
          ranButMustNot.add(job.jobId() + " (run deleted) ran " + runs + "×");
        }
      } else if (job.has(Fault.CANCELLED)) {
        boolean beforePickup = run.cancelledBeforePickup.getOrDefault(job.jobId(), true);
        if (beforePickup && runs != 0) {
          ranButMustNot.add(job.jobId() + " (cancelled before pickup) ran " + runs + "×");
        }
      } else if (runs != 1 || !status.startsWith("completed")) {
        notOnce.add(job.jobId() + " " + job.faults() + ": ran " + runs + "×, " + status);
      }
      // "Within two cycles": a job that ran, ran before the burst was over or after cycle 1 or 2.
      soft.assertThat(outcome.recoveredInCycle(job.jobId())).isLessThanOrEqualTo(2);
    }
    soft.assertThat(notOnce)
        .as("jobs (not cancelled) that did not run exactly once to completion " + replay)
        .isEmpty();
    soft.assertThat(ranButMustNot).as("jobs that must not have run " + replay).isEmpty();
    soft.assertThat(outcome.jobsOnSeveralRunners())
        .as("jobs handed to more than one runner " + replay)
        .isEmpty();
    soft.assertThat(outcome.runnersWithSeveralJobs())
        .as("runners that took more than one job " + replay)
        .isEmpty();
    // Names only: a registered runner's record holds its JIT configuration, a secret.
    soft.assertThat(outcome.lgrRunners.stream().map(r -> r.name()).toList())
        .as("lgr runners left registered " + replay)
        .isEmpty();

    Set<Long> deleted = new TreeSet<>();
    run.plan().jobs().stream()
        .filter(j -> j.has(Fault.RUN_DELETED))
        .forEach(j -> deleted.add(j.jobId()));
    soft.assertThat(outcome.deadLetterJobIds())
        .as("the dead-letter queue holds exactly the jobs meant to fail " + replay)
        .isEqualTo(deleted);

    soft.assertThat(run.github().violations()).as("requests GitHub would refuse").isEmpty();
    soft.assertThat(run.github().responseMismatches()).as("stand-in answer mismatches").isEmpty();
    String log = String.join("\n", List.copyOf(run.log));
    for (String secret : run.secretValues()) {
      soft.assertThat(log.contains(secret)).as("a secret in the runner function's log").isFalse();
    }
    for (String issued : run.github().issuedSecrets()) {
      soft.assertThat(log.contains(issued)).as("a JIT configuration in the log").isFalse();
    }
    // The faults really happened (a run where they did not would prove nothing).
    soft.assertThat(outcome.status5xx()).as("GitHub 5xx answers").isPositive();
    soft.assertThat(outcome.status429()).as("GitHub 429 answers").isPositive();
    soft.assertThat(run.side().lostWithRunner.get())
        .as("jobs lost with a crashed runner")
        .isPositive();
    soft.assertThat(run.side().cutOff.get()).as("jobs cut off at the deadline").isPositive();
    soft.assertThat(outcome.runnersRemoved())
        .as("runners left registered, removed by the reconciler")
        .isPositive();
    // A job without a message of its own can be taken by a runner started for another job, so
    // which jobs the reconciler starts is not fixed in advance; that it starts some is.
    soft.assertThat(outcome.recoveredInCycle(1) + outcome.recoveredInCycle(2))
        .as("jobs run after a reconciler cycle")
        .isPositive();
    assertThat(run.cycles).extracting(ScenarioRun.Cycle::number).containsExactly(0, 1, 2);
    soft.assertAll();
  }
}
