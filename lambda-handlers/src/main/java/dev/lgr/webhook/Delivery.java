package dev.lgr.webhook;

import java.util.List;

/**
 * The few fields of a webhook body that lgr reads; everything else in the body is skipped unread.
 * Any field may be absent (GitHub's own examples miss some): callers check what they need.
 *
 * @param action the {@code action} field, or null
 * @param hookId the {@code hook_id} of a {@code ping}, or null
 * @param repository {@code repository.full_name}, or null
 * @param repositoryOwner {@code repository.owner.login}, or null
 * @param organization {@code organization.login}, or null
 * @param job the {@code workflow_job} object, or null
 */
public record Delivery(
    String action,
    Long hookId,
    String repository,
    String repositoryOwner,
    String organization,
    WorkflowJob job) {

  /**
   * The fields of {@code workflow_job}.
   *
   * @param id the job id
   * @param runId the workflow run id
   * @param runAttempt the run attempt (1 when absent, as for a first attempt)
   * @param name the job's name, or null
   * @param labels the {@code runs-on} labels; null when absent
   */
  public record WorkflowJob(
      Long id, Long runId, Long runAttempt, String name, List<String> labels) {}
}
