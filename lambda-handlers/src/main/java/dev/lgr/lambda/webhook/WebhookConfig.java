package dev.lgr.lambda.webhook;

import dev.lgr.webhook.RoutingRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The webhook function's settings, from the environment values the CloudFormation template sets.
 *
 * @param rules labels and allowed repositories and organizations
 * @param queueUrl the jobs queue (SQS FIFO)
 * @param secretArn the webhook secret in Secrets Manager
 * @param region the function's region
 */
record WebhookConfig(RoutingRules rules, String queueUrl, String secretArn, String region) {
  static final String LABELS = "LGR_LABELS";
  static final String REPOSITORIES = "LGR_REPOSITORIES";
  static final String ORGANIZATIONS = "LGR_ORGANIZATIONS";
  static final String QUEUE_URL = "LGR_JOBS_QUEUE_URL";
  static final String SECRET_ARN = "LGR_WEBHOOK_SECRET_ARN";

  /**
   * @throws IllegalStateException naming every value that is missing or malformed
   */
  static WebhookConfig from(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    String queueUrl = blankToNull(env.get(QUEUE_URL));
    if (queueUrl == null) {
      problems.add(QUEUE_URL + " is not set (the jobs queue URL)");
    } else if (!queueUrl.endsWith(".fifo")) {
      problems.add(QUEUE_URL + " must name a FIFO queue (ending in .fifo): " + queueUrl);
    }
    String secretArn = blankToNull(env.get(SECRET_ARN));
    if (secretArn == null) {
      problems.add(SECRET_ARN + " is not set (the webhook secret's ARN)");
    }
    String region = blankToNull(env.get("AWS_REGION"));
    if (region == null) {
      problems.add("AWS_REGION is not set");
    }
    List<String> labels =
        blankToNull(env.get(LABELS)) == null ? RoutingRules.DEFAULT_LABELS : split(env.get(LABELS));
    List<String> repositories = split(env.get(REPOSITORIES));
    List<String> organizations = split(env.get(ORGANIZATIONS));
    // Each list is checked on its own (the others stood in by valid values), so that the error
    // names the variable at fault, and every one at fault.
    check(problems, LABELS, () -> new RoutingRules(labels, List.of("o/r"), List.of()));
    check(
        problems,
        REPOSITORIES,
        () -> new RoutingRules(RoutingRules.DEFAULT_LABELS, repositories, List.of("o")));
    check(
        problems,
        ORGANIZATIONS,
        () -> new RoutingRules(RoutingRules.DEFAULT_LABELS, List.of("o/r"), organizations));
    if (repositories.isEmpty() && organizations.isEmpty()) {
      problems.add(
          REPOSITORIES
              + " and "
              + ORGANIZATIONS
              + " are both unset or empty: name at least one repository or organization");
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "lgr webhook function is misconfigured: " + String.join("; ", problems));
    }
    return new WebhookConfig(
        new RoutingRules(labels, repositories, organizations), queueUrl, secretArn, region);
  }

  private static void check(List<String> problems, String variable, Runnable validation) {
    try {
      validation.run();
    } catch (IllegalArgumentException e) {
      problems.add(variable + ": " + e.getMessage());
    }
  }

  /** Splits a comma-separated list, trimming entries and dropping empty ones. */
  static List<String> split(String value) {
    List<String> out = new ArrayList<>();
    if (value != null) {
      for (String part : value.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return out;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
