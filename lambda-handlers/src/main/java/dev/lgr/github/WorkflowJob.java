package dev.lgr.github;

/**
 * A workflow job's state as {@code GET /repos/{owner}/{repo}/actions/jobs/{job_id}} tells it.
 *
 * @param id the job id
 * @param status {@code queued}, {@code in_progress}, {@code completed}, {@code waiting}...
 * @param conclusion the conclusion once completed, else null
 * @param runnerName the runner it was given to, or null
 * @param createdAt when it was queued, or null when GitHub did not say
 */
public record WorkflowJob(
    long id, String status, String conclusion, String runnerName, java.time.Instant createdAt) {
  public boolean queued() {
    return "queued".equals(status) || "waiting".equals(status) || "pending".equals(status);
  }
}
