package dev.lgr.reconcile;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one reconciler run saw and did.
 *
 * @param scopes the repositories and organizations looked at
 * @param queuedJobsSeen queued jobs of the repositories (any labels, any age)
 * @param jobsEnqueued jobs put on the jobs queue (matching labels, queued longer than the grace
 *     period, no runner serving or starting)
 * @param deliveriesRedelivered failed deliveries redelivered
 * @param runnersRemoved offline {@code lgr-} runners removed
 * @param placeholderRestored whether a missing placeholder was registered again
 * @param githubCalls GitHub requests made (retries included)
 * @param notModified of those, answered 304 Not Modified (free of the rate limit)
 * @param budgetExhausted whether the run stopped early on its request budget or the rate limit
 * @param actions what was done, one line each ({@code enqueued octo/app job 42 …})
 * @param errors what failed (the run goes on with the next repository or organization)
 * @param millis how long the run took
 */
public record ReconcileReport(
    int scopes,
    int queuedJobsSeen,
    int jobsEnqueued,
    int deliveriesRedelivered,
    int runnersRemoved,
    boolean placeholderRestored,
    long githubCalls,
    long notModified,
    boolean budgetExhausted,
    List<String> actions,
    List<String> errors,
    long millis) {
  public ReconcileReport {
    actions = List.copyOf(actions);
    errors = List.copyOf(errors);
  }

  /** Whether everything could be looked at (no error, budget not exhausted). */
  public boolean complete() {
    return errors.isEmpty() && !budgetExhausted;
  }

  /** The fields as a map, in a stable order (for JSON output). */
  public Map<String, Object> fields() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("scopes", scopes);
    out.put("queued_jobs_seen", queuedJobsSeen);
    out.put("jobs_enqueued", jobsEnqueued);
    out.put("deliveries_redelivered", deliveriesRedelivered);
    out.put("runners_removed", runnersRemoved);
    out.put("placeholder_restored", placeholderRestored);
    out.put("github_calls", githubCalls);
    out.put("not_modified", notModified);
    out.put("budget_exhausted", budgetExhausted);
    out.put("actions", actions);
    out.put("errors", errors);
    out.put("ms", millis);
    return out;
  }

  /** The one log line per run: {@code {"event":"reconciled",…}}. */
  public String toJson() {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("event", "reconciled");
    line.putAll(fields());
    try {
      return JSON.std.asString(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
