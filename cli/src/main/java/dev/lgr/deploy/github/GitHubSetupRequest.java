package dev.lgr.deploy.github;

import dev.lgr.github.RunnerScope;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * What {@link GitHubService#setUp} wires on GitHub for one repository or organization.
 *
 * @param scope the repository or organization
 * @param webhookUrl where GitHub should deliver {@code workflow_job} events (the stack's endpoint)
 * @param webhookSecret the secret deliveries are signed with; never printed
 * @param labels the runners' labels, given to the placeholder runner
 * @param runnerGroupId the runner group the placeholder joins (1: the default group)
 * @param placeholder whether to register the placeholder runner
 * @param pingWait how long to wait for GitHub to report the ping's delivery
 */
public record GitHubSetupRequest(
    RunnerScope scope,
    URI webhookUrl,
    String webhookSecret,
    List<String> labels,
    long runnerGroupId,
    boolean placeholder,
    Duration pingWait) {
  public GitHubSetupRequest {
    labels = labels == null ? List.of() : List.copyOf(labels);
  }

  @Override
  public String toString() {
    return "GitHubSetupRequest[scope="
        + scope
        + ", webhookUrl="
        + webhookUrl
        + ", webhookSecret=***, labels="
        + labels
        + ", runnerGroupId="
        + runnerGroupId
        + ", placeholder="
        + placeholder
        + ", pingWait="
        + pingWait
        + "]";
  }
}
