package dev.lgr.lambda.runner;

import dev.lgr.github.GitHubClient;
import dev.lgr.webhook.RoutingRules;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runner function's settings, from the environment values the CloudFormation template sets.
 *
 * @param credentialSecretArn the GitHub credential in Secrets Manager
 * @param labels the labels runners register with
 * @param runnerGroupId the runner group (1 is the default group)
 * @param githubApi the GitHub API base URL
 * @param runnerDir where the image holds the GitHub runner
 * @param scratch the writable scratch folder, emptied at every invocation
 * @param stopMargin how long before the Lambda deadline the runner is stopped
 * @param idleLimit how long a runner may wait without a job of its own
 * @param firstPoll the first wait before checking the job, doubling up to {@code maxPoll}
 * @param maxPoll the longest wait between two checks of the job
 * @param stopGrace how long the runner gets to stop after SIGTERM
 * @param jobRoleArn the role jobs act with (the runner gets its short-lived credentials), or null:
 *     then jobs get no AWS credentials
 */
record RunnerSettings(
    String credentialSecretArn,
    List<String> labels,
    long runnerGroupId,
    URI githubApi,
    Path runnerDir,
    Path scratch,
    Duration stopMargin,
    Duration idleLimit,
    Duration firstPoll,
    Duration maxPoll,
    Duration stopGrace,
    String jobRoleArn) {
  static final String CREDENTIAL_ARN = "LGR_GITHUB_CREDENTIAL_ARN";
  static final String LABELS = "LGR_LABELS";
  static final String RUNNER_GROUP = "LGR_RUNNER_GROUP_ID";
  static final String STOP_MARGIN = "LGR_STOP_MARGIN_SECONDS";
  static final String IDLE_LIMIT = "LGR_IDLE_LIMIT_SECONDS";
  static final String RUNNER_DIR = "LGR_RUNNER_DIR";
  static final String SCRATCH = "LGR_SCRATCH_DIR";
  static final String JOB_ROLE = "LGR_JOB_ROLE_ARN";

  /**
   * @throws IllegalStateException naming every value that is missing or malformed
   */
  static RunnerSettings from(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    String arn = env.get(CREDENTIAL_ARN);
    if (arn == null || arn.isBlank()) {
      problems.add(CREDENTIAL_ARN + " is not set (the GitHub credential's secret ARN)");
    }
    List<String> labels = RoutingRules.DEFAULT_LABELS;
    String labelList = env.get(LABELS);
    if (labelList != null && !labelList.isBlank()) {
      labels = new ArrayList<>();
      for (String label : labelList.split(",")) {
        if (!label.isBlank()) {
          labels.add(label.trim());
        }
      }
    }
    try {
      new RoutingRules(labels, List.of("a/b"), List.of());
    } catch (IllegalArgumentException e) {
      problems.add(LABELS + ": " + e.getMessage());
    }
    long group = number(env, RUNNER_GROUP, 1, 1, Integer.MAX_VALUE, problems);
    long margin = number(env, STOP_MARGIN, 60, 10, 600, problems);
    long idle = number(env, IDLE_LIMIT, 120, 10, 900, problems);
    URI api = GitHubClient.apiUrl(env, problems);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "lgr runner function is misconfigured: " + String.join("; ", problems));
    }
    return new RunnerSettings(
        arn.trim(),
        List.copyOf(labels),
        group,
        api,
        Path.of(env.getOrDefault(RUNNER_DIR, "/opt/actions-runner")),
        Path.of(env.getOrDefault(SCRATCH, "/tmp")),
        Duration.ofSeconds(margin),
        Duration.ofSeconds(idle),
        Duration.ofSeconds(2),
        Duration.ofSeconds(15),
        Duration.ofSeconds(10),
        env.get(JOB_ROLE) == null || env.get(JOB_ROLE).isBlank() ? null : env.get(JOB_ROLE).trim());
  }

  private static long number(
      Map<String, String> env,
      String name,
      long fallback,
      long min,
      long max,
      List<String> problems) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed < min || parsed > max) {
        problems.add(name + " must be between " + min + " and " + max + ": " + value);
      }
      return parsed;
    } catch (NumberFormatException e) {
      problems.add(name + " is not a whole number: " + value);
      return fallback;
    }
  }
}
