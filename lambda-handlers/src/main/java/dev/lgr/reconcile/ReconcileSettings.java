package dev.lgr.reconcile;

import dev.lgr.webhook.RoutingRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the reconciler looks after and how hard it may try.
 *
 * @param rules the runners' labels and the repositories and organizations served
 * @param runnerGroupId the runner group the placeholder joins
 * @param placeholder whether the placeholder runner was configured (restored when gone)
 * @param webhookUrl lgr's webhook URL (finds lgr's hook among an organization's), or null: then no
 *     delivery is redelivered
 * @param gracePeriod how long a job may stay queued before the reconciler starts a runner for it
 * @param runnerAgeLimit offline {@code lgr-} runners older than this are removed
 * @param redeliveryWindow how far back failed deliveries are redelivered
 * @param apiBudget at most this many GitHub requests per run that count against the rate limit (a
 *     304 Not Modified answer does not)
 * @param rateLimitReserve stop when GitHub says fewer requests than this are left this hour (they
 *     are kept for the runners)
 */
public record ReconcileSettings(
    RoutingRules rules,
    long runnerGroupId,
    boolean placeholder,
    String webhookUrl,
    Duration gracePeriod,
    Duration runnerAgeLimit,
    Duration redeliveryWindow,
    int apiBudget,
    int rateLimitReserve) {
  public static final String LABELS = "LGR_LABELS";
  public static final String REPOSITORIES = "LGR_REPOSITORIES";
  public static final String ORGANIZATIONS = "LGR_ORGANIZATIONS";
  public static final String RUNNER_GROUP = "LGR_RUNNER_GROUP_ID";
  public static final String PLACEHOLDER = "LGR_PLACEHOLDER";
  public static final String WEBHOOK_URL = "LGR_WEBHOOK_URL";
  public static final String GRACE = "LGR_GRACE_SECONDS";
  public static final String AGE_LIMIT = "LGR_RUNNER_AGE_LIMIT_SECONDS";
  public static final String REDELIVERY_WINDOW = "LGR_REDELIVERY_WINDOW_SECONDS";
  public static final String API_BUDGET = "LGR_API_BUDGET";
  public static final String RATE_LIMIT_RESERVE = "LGR_RATE_LIMIT_RESERVE";

  /** Defaults: 5 min grace, 30 min age limit, 3 h window, 500 requests, 1,000 kept in reserve. */
  public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);

  public static final Duration DEFAULT_AGE_LIMIT = Duration.ofMinutes(30);
  public static final Duration DEFAULT_REDELIVERY_WINDOW = Duration.ofHours(3);
  public static final int DEFAULT_API_BUDGET = 500;
  public static final int DEFAULT_RATE_LIMIT_RESERVE = 1000;

  public ReconcileSettings {
    if (gracePeriod.isNegative()
        || runnerAgeLimit.isNegative()
        || redeliveryWindow.isNegative()
        || apiBudget < 1
        || rateLimitReserve < 0) {
      throw new IllegalArgumentException("reconcile settings out of range");
    }
    webhookUrl = webhookUrl == null || webhookUrl.isBlank() ? null : webhookUrl.trim();
  }

  /**
   * The settings from the environment values the template sets (the same {@code LGR_*} names as the
   * webhook and runner functions' for labels, repositories, organizations and runner group).
   *
   * @throws IllegalStateException naming every value that is missing or malformed
   */
  public static ReconcileSettings from(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    List<String> labels = list(env.get(LABELS));
    RoutingRules rules = null;
    try {
      rules =
          new RoutingRules(
              labels.isEmpty() ? RoutingRules.DEFAULT_LABELS : labels,
              list(env.get(REPOSITORIES)),
              list(env.get(ORGANIZATIONS)));
    } catch (IllegalArgumentException e) {
      problems.add(LABELS + ", " + REPOSITORIES + " or " + ORGANIZATIONS + ": " + e.getMessage());
    }
    long group = seconds(env, RUNNER_GROUP, 1, 1, Integer.MAX_VALUE, problems);
    String placeholder = env.getOrDefault(PLACEHOLDER, "true").trim().toLowerCase(Locale.ROOT);
    if (!placeholder.equals("true") && !placeholder.equals("false")) {
      problems.add(PLACEHOLDER + " must be true or false: " + env.get(PLACEHOLDER));
    }
    long grace = seconds(env, GRACE, DEFAULT_GRACE.toSeconds(), 60, 86_400, problems);
    long age = seconds(env, AGE_LIMIT, DEFAULT_AGE_LIMIT.toSeconds(), 300, 7 * 86_400, problems);
    long window =
        seconds(
            env, REDELIVERY_WINDOW, DEFAULT_REDELIVERY_WINDOW.toSeconds(), 0, 3 * 86_400, problems);
    long budget = seconds(env, API_BUDGET, DEFAULT_API_BUDGET, 10, 100_000, problems);
    long reserve =
        seconds(env, RATE_LIMIT_RESERVE, DEFAULT_RATE_LIMIT_RESERVE, 0, 1_000_000, problems);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "lgr reconcile function is misconfigured: " + String.join("; ", problems));
    }
    return new ReconcileSettings(
        rules,
        group,
        placeholder.equals("true"),
        env.get(WEBHOOK_URL),
        Duration.ofSeconds(grace),
        Duration.ofSeconds(age),
        Duration.ofSeconds(window),
        (int) budget,
        (int) reserve);
  }

  private static List<String> list(String value) {
    List<String> out = new ArrayList<>();
    for (String part : value == null ? new String[0] : value.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  /** A whole number within bounds (seconds, or a count), or the fallback when unset. */
  private static long seconds(
      Map<String, String> env, String name, long fallback, long min, long max, List<String> out) {
    String text = env.get(name);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(text.trim());
      if (value >= min && value <= max) {
        return value;
      }
      out.add(name + " must be from " + min + " to " + max + ": " + text);
    } catch (NumberFormatException e) {
      out.add(name + " is not a whole number: " + text);
    }
    return fallback;
  }
}
