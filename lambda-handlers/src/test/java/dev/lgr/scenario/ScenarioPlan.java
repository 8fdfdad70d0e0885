package dev.lgr.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What a scenario run plays, all drawn from one seed so that a failing run can be replayed: the
 * jobs (matrix-style bursts of workflow runs across the repositories), the faults given to each
 * job, the order in which GitHub's deliveries are posted, and when GitHub's API fails and the
 * webhook secret is rotated.
 *
 * @param seed the seed everything was drawn from
 * @param jobs the jobs, in the order GitHub queued them
 * @param steps what the delivery side does, in order
 */
record ScenarioPlan(long seed, List<Job> jobs, List<Step> steps) {
  /** The repositories the jobs belong to. */
  static final List<String> REPOSITORIES = List.of("octo-org/app", "octo-org/api", "octo-org/site");

  /** What can happen to one job. */
  enum Fault {
    /** Its queued delivery never reaches the webhook (the reconciler must find the job). */
    DROPPED,
    /** Its queued delivery arrives twice (the second one later, as a redelivery). */
    DUPLICATED,
    /** Its queued delivery arrives after deliveries of later jobs. */
    LATE,
    /** The run is cancelled on GitHub right after it was queued, before a runner picks it up. */
    CANCELLED,
    /** Its first runner dies before it connects to GitHub (the job stays queued). */
    CRASH_ON_START,
    /**
     * Its first runner dies before it connects, and GitHub refuses (5xx) to remove it until the
     * runner function gives up: the runner is left registered, for the reconciler to remove.
     */
    RUNNER_LEFT,
    /** Its runner dies after it took the job (GitHub fails the job: it ran once). */
    CRASH_IN_JOB,
    /** Its job runs past the Lambda deadline (the runner is stopped, the job cut off). */
    PAST_DEADLINE,
    /**
     * Its run is deleted on GitHub before its runner starts: no runner can be started, the message
     * fails twice and goes to the dead-letter queue (the one failure the scenario means).
     */
    RUN_DELETED
  }

  /** Faults that decide what the job's (first) runner does or what GitHub does with the job. */
  static final Set<Fault> BEHAVIOURS =
      EnumSet.of(
          Fault.CANCELLED,
          Fault.CRASH_ON_START,
          Fault.RUNNER_LEFT,
          Fault.CRASH_IN_JOB,
          Fault.PAST_DEADLINE,
          Fault.RUN_DELETED);

  /**
   * One workflow job.
   *
   * @param burst the index of the burst (one workflow run's matrix) it was queued in
   */
  record Job(long jobId, long runId, String repository, int burst, Set<Fault> faults) {
    boolean has(Fault fault) {
      return faults.contains(fault);
    }

    /** Whether the job must never run: cancelled before pickup, or its run deleted. */
    boolean mustNotRun() {
      return has(Fault.CANCELLED) || has(Fault.RUN_DELETED);
    }
  }

  /** One step of the delivery side. */
  sealed interface Step {}

  /** GitHub queues the jobs of one workflow run (a matrix): they exist on GitHub from now on. */
  record QueueBurst(int burst, List<Long> jobIds) implements Step {}

  /** GitHub sends the queued delivery of a job (once more for a duplicate). */
  record Deliver(long jobId, boolean duplicate) implements Step {}

  /** The user cancels the job's run. */
  record Cancel(long jobId) implements Step {}

  /** The user deletes the job's run. */
  record DeleteRun(long jobId) implements Step {}

  /**
   * GitHub's API answers the next {@code count} requests whose method and path match (null: any)
   * with {@code status} (429: with {@code Retry-After: 1}).
   */
  record ApiBurst(String method, String path, int status, int count) implements Step {}

  /**
   * The webhook secret is rotated: the new value is stored in Secrets Manager now, and GitHub signs
   * with it from {@code lagDeliveries} deliveries later on (the hook's update comes after).
   */
  record RotateSecret(int lagDeliveries) implements Step {}

  /**
   * A reconciler cycle while jobs are still being delivered and run, with its clock moved past the
   * grace period: it races the webhook path (the same jobs can be asked for twice).
   */
  record Reconcile() implements Step {}

  /** A pause between bursts, as between GitHub's deliveries. */
  record Pause(int millis) implements Step {}

  /** How many jobs get each fault, as a share of the jobs (at least one each). */
  private static final Map<Fault, Double> SHARES = shares();

  private static Map<Fault, Double> shares() {
    Map<Fault, Double> shares = new EnumMap<>(Fault.class);
    shares.put(Fault.DROPPED, 0.10);
    shares.put(Fault.DUPLICATED, 0.08);
    shares.put(Fault.LATE, 0.08);
    shares.put(Fault.CANCELLED, 0.04);
    shares.put(Fault.CRASH_ON_START, 0.03);
    shares.put(Fault.RUNNER_LEFT, 0.015);
    shares.put(Fault.CRASH_IN_JOB, 0.02);
    shares.put(Fault.PAST_DEADLINE, 0.015);
    shares.put(Fault.RUN_DELETED, 0.01);
    return shares;
  }

  /**
   * Draws a plan.
   *
   * @param jobCount how many jobs (at least 20)
   * @param faults whether to inject faults (a throughput run has none)
   */
  static ScenarioPlan draw(long seed, int jobCount, boolean faults) {
    if (jobCount < 20) {
      throw new IllegalArgumentException("a scenario needs at least 20 jobs, not " + jobCount);
    }
    Random random = new Random(seed);
    // Bursts: workflow runs with a matrix of 1 to 8 jobs, in a random repository.
    int[] matrixSizes = {1, 1, 2, 3, 4, 4, 6, 8};
    List<List<Integer>> bursts = new ArrayList<>();
    List<Job> jobs = new ArrayList<>();
    long nextJob = 70_000_000_000L + (seed & 0xffff) * 10_000_000L;
    long nextRun = 9_000_000_000L + (seed & 0xffff) * 1_000_000L;
    while (jobs.size() < jobCount) {
      int size = Math.min(matrixSizes[random.nextInt(matrixSizes.length)], jobCount - jobs.size());
      String repository = REPOSITORIES.get(random.nextInt(REPOSITORIES.size()));
      List<Integer> members = new ArrayList<>();
      long runId = nextRun++;
      for (int i = 0; i < size; i++) {
        members.add(jobs.size());
        jobs.add(new Job(nextJob++, runId, repository, bursts.size(), EnumSet.noneOf(Fault.class)));
      }
      bursts.add(members);
    }
    if (faults) {
      assignFaults(jobs, random);
    }

    List<Step> steps = new ArrayList<>();
    // Late deliveries wait 2-5 bursts; duplicates come again 1-6 bursts later.
    Map<Integer, List<Step>> deferred = new LinkedHashMap<>();
    int apiBurstEvery = Math.max(3, bursts.size() / 8);
    int rotationAt = bursts.size() / 2;
    for (int b = 0; b < bursts.size(); b++) {
      for (Step step : deferred.getOrDefault(b, List.of())) {
        steps.add(step);
      }
      List<Long> ids = bursts.get(b).stream().map(i -> jobs.get(i).jobId()).toList();
      steps.add(new QueueBurst(b, ids));
      List<Job> members = new ArrayList<>(bursts.get(b).stream().map(jobs::get).toList());
      Collections.shuffle(members, random); // deliveries of one run arrive in any order
      for (Job job : members) {
        if (job.has(Fault.RUN_DELETED)) {
          steps.add(new DeleteRun(job.jobId()));
        }
        if (job.has(Fault.LATE)) {
          deferred
              .computeIfAbsent(b + 2 + random.nextInt(4), k -> new ArrayList<>())
              .add(new Deliver(job.jobId(), false));
        } else if (!job.has(Fault.DROPPED)) {
          steps.add(new Deliver(job.jobId(), false));
        }
        if (job.has(Fault.DUPLICATED)) {
          deferred
              .computeIfAbsent(b + 1 + random.nextInt(6), k -> new ArrayList<>())
              .add(new Deliver(job.jobId(), true));
        }
        if (job.has(Fault.CANCELLED)) {
          steps.add(new Cancel(job.jobId()));
        }
      }
      if (faults && b > 0 && b % apiBurstEvery == 0) {
        int kind = (b / apiBurstEvery) % 3;
        steps.add(
            switch (kind) {
              case 0 -> new ApiBurst(null, null, 502, 3 + random.nextInt(4));
              case 1 -> new ApiBurst(null, null, 429, 2 + random.nextInt(3));
              default -> new ApiBurst(null, null, 503, 2 + random.nextInt(4));
            });
      }
      if (faults && b == 2 * bursts.size() / 3) {
        steps.add(new Reconcile());
      }
      if (faults && b == rotationAt) {
        steps.add(new RotateSecret(2 + random.nextInt(3)));
      }
      steps.add(new Pause(random.nextInt(60)));
    }
    // What was deferred past the last burst is delivered at the end.
    deferred.forEach(
        (b, later) -> {
          if (b >= bursts.size()) {
            steps.addAll(later);
          }
        });
    return new ScenarioPlan(seed, List.copyOf(jobs), List.copyOf(steps));
  }

  private static void assignFaults(List<Job> jobs, Random random) {
    List<Job> pool = new ArrayList<>(jobs);
    Collections.shuffle(pool, random);
    int next = 0;
    // Faults that change a job's fate are given to distinct jobs, so that each one's effect is
    // seen on its own; duplicated and late deliveries come on top of them (not on dropped ones).
    // A deleted run takes all its jobs with it: that fault goes to jobs alone in their run.
    Map<Integer, Long> burstSizes = new HashMap<>();
    jobs.forEach(j -> burstSizes.merge(j.burst(), 1L, Long::sum));
    List<Job> alone =
        new ArrayList<>(pool.stream().filter(j -> burstSizes.get(j.burst()) == 1).toList());
    int deleted = Math.max(1, (int) Math.round(jobs.size() * SHARES.get(Fault.RUN_DELETED)));
    for (int i = 0; i < deleted && i < alone.size(); i++) {
      alone.get(i).faults().add(Fault.RUN_DELETED);
    }
    pool.removeIf(j -> j.has(Fault.RUN_DELETED));
    for (Fault fault :
        List.of(
            Fault.DROPPED,
            Fault.CANCELLED,
            Fault.CRASH_ON_START,
            Fault.RUNNER_LEFT,
            Fault.CRASH_IN_JOB,
            Fault.PAST_DEADLINE)) {
      int count = Math.max(1, (int) Math.round(jobs.size() * SHARES.get(fault)));
      for (int i = 0; i < count; i++) {
        pool.get(next++).faults().add(fault);
      }
    }
    for (Fault fault : List.of(Fault.DUPLICATED, Fault.LATE)) {
      int count = Math.max(1, (int) Math.round(jobs.size() * SHARES.get(fault)));
      List<Job> candidates =
          new ArrayList<>(
              jobs.stream()
                  .filter(j -> !j.has(Fault.DROPPED) && !j.has(Fault.LATE) && !j.mustNotRun())
                  .filter(j -> !j.has(Fault.DUPLICATED))
                  .toList());
      Collections.shuffle(candidates, random);
      candidates.stream().limit(count).forEach(j -> j.faults().add(fault));
    }
  }

  /** The job with this id. */
  Job job(long jobId) {
    for (Job job : jobs) {
      if (job.jobId() == jobId) {
        return job;
      }
    }
    throw new IllegalArgumentException("no job " + jobId + " in the plan");
  }

  /** How many jobs have {@code fault}. */
  long count(Fault fault) {
    return jobs.stream().filter(j -> j.has(fault)).count();
  }

  /** How many steps of a type the plan has. */
  long count(Class<? extends Step> type) {
    return steps.stream().filter(type::isInstance).count();
  }
}
