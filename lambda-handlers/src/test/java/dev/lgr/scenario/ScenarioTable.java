package dev.lgr.scenario;

import dev.lgr.reconcile.ReconcileReport;
import dev.lgr.scenario.ScenarioPlan.Fault;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The table a scenario run prints: what was injected, and what happened. */
final class ScenarioTable {
  private final List<String[]> rows = new ArrayList<>();

  void row(String what, Object injected, Object happened) {
    rows.add(new String[] {what, String.valueOf(injected), String.valueOf(happened)});
  }

  /** The table as Markdown. */
  String render() {
    int[] widths = {4, 8, 8};
    String[] header = {"fault / measure", "injected", "what happened"};
    for (int i = 0; i < 3; i++) {
      widths[i] = Math.max(widths[i], header[i].length());
    }
    for (String[] row : rows) {
      for (int i = 0; i < 3; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, header, widths);
    out.append("| ")
        .append("-".repeat(widths[0]))
        .append(" | ")
        .append("-".repeat(widths[1] - 1))
        .append(": | ")
        .append("-".repeat(widths[2]))
        .append(" |\n");
    rows.forEach(row -> line(out, row, widths));
    return out.toString();
  }

  private static void line(StringBuilder out, String[] cells, int[] widths) {
    out.append("| ")
        .append(pad(cells[0], widths[0]))
        .append(" | ")
        .append(" ".repeat(widths[1] - cells[1].length()))
        .append(cells[1])
        .append(" | ")
        .append(pad(cells[2], widths[2]))
        .append(" |\n");
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(width - text.length());
  }

  /** The table for a finished run. */
  static ScenarioTable of(ScenarioRun run, ScenarioOutcome outcome) {
    ScenarioPlan plan = run.plan();
    ScenarioTable table = new ScenarioTable();
    long deliveries = plan.count(ScenarioPlan.Deliver.class);
    table.row(
        "jobs (3 repositories, " + plan.count(ScenarioPlan.QueueBurst.class) + " matrix bursts)",
        plan.jobs().size(),
        outcome.ranOnce() + " ran once, " + outcome.neverRan() + " never ran");
    table.row(
        "queued deliveries posted (duplicates included)",
        deliveries,
        "answers " + answers(run.queuedAnswers));
    table.row("in_progress / completed deliveries", "-", "answers " + answers(run.followUpAnswers));
    table.row(
        "dropped deliveries (10 %)",
        plan.count(Fault.DROPPED),
        outcome.recoveredOf(Fault.DROPPED) + " run after a reconciler cycle");
    table.row(
        "duplicated deliveries",
        plan.count(Fault.DUPLICATED),
        outcome.ranOnceOf(Fault.DUPLICATED) + " ran once");
    table.row(
        "reordered (late) deliveries",
        plan.count(Fault.LATE),
        outcome.ranOnceOf(Fault.LATE) + " ran once");
    table.row(
        "GitHub 5xx (502/503, in bursts)",
        run.apiFaultsInjected.get(),
        outcome.status5xx() + " answered 5xx (refused removals included), retried");
    table.row(
        "GitHub 429 with Retry-After (in bursts)",
        run.rateLimitsInjected.get(),
        outcome.status429() + " answered 429, retried");
    table.row(
        "runner crashes before connecting",
        plan.count(Fault.CRASH_ON_START),
        outcome.recoveredOf(Fault.CRASH_ON_START) + " run after a reconciler cycle");
    table.row(
        "runner crashes holding its job",
        plan.count(Fault.CRASH_IN_JOB),
        run.side().lostWithRunner.get() + " jobs failed with their runner (ran once)");
    table.row(
        "jobs past the Lambda deadline",
        plan.count(Fault.PAST_DEADLINE),
        run.side().cutOff.get() + " cut off by the watchdog (ran once)");
    table.row(
        "cancellations before pickup",
        plan.count(Fault.CANCELLED),
        outcome.cancelledRuns()
            + " ran; "
            + run.side().cancelledAfterPickup.get()
            + " came after a runner took the job");
    table.row(
        "runs deleted before their runner (meant for the DLQ)",
        plan.count(Fault.RUN_DELETED),
        outcome.deadLetterJobs() + " jobs in the dead-letter queue");
    table.row(
        "runner crashes, then its removal refused (DELETE 502 ×8)",
        plan.count(Fault.RUNNER_LEFT),
        outcome.runnersRemoved()
            + " offline runners removed by the reconciler, "
            + outcome.removedOnPurpose()
            + " of them these ("
            + outcome.leakedRunners()
            + " still registered when the burst ended)");
    table.row(
        "webhook secret rotated mid-burst",
        plan.count(ScenarioPlan.RotateSecret.class),
        run.queuedAnswers.getOrDefault(401, new AtomicInteger()).get() + " deliveries refused");
    table.row(
        "runner function invocations",
        "-",
        run.eventSource().invoked.get()
            + " ("
            + run.eventSource().reportedFailed.get()
            + " reported failed, "
            + run.eventSource().handlerErrors.get()
            + " errors)");
    table.row(
        "jobs a runner took that it was not started for", "-", run.side().tookAnotherJob.get());
    for (ScenarioRun.Cycle cycle : run.cycles) {
      ReconcileReport r = cycle.report();
      table.row(
          cycle.number() == 0
              ? "reconciler cycle during the burst"
              : "reconciler cycle " + cycle.number() + " after the burst",
          "-",
          String.format(
              Locale.ROOT,
              "%d queued seen, %d enqueued, %d runners removed, %d API calls%s",
              r.queuedJobsSeen(),
              r.jobsEnqueued(),
              r.runnersRemoved(),
              r.githubCalls(),
              (r.budgetExhausted() ? ", stopped at its request budget" : "")
                  + (r.errors().isEmpty() ? "" : ", errors: " + r.errors())));
    }
    table.row(
        "jobs first run after a cycle after the burst",
        "-",
        "cycle 1: " + outcome.recoveredInCycle(1) + ", cycle 2: " + outcome.recoveredInCycle(2));
    table.row("lgr runners registered at the end", "-", outcome.lgrRunnersLeft());
    table.row("requests GitHub would refuse", "-", run.github().violations().size());
    return table;
  }

  private static String answers(Map<Integer, AtomicInteger> answers) {
    Map<Integer, Integer> sorted = new TreeMap<>();
    answers.forEach((status, count) -> sorted.put(status, count.get()));
    List<String> parts = new ArrayList<>();
    sorted.forEach((status, count) -> parts.add(count + "× " + status));
    return String.join(", ", parts);
  }
}
