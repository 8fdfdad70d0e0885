package dev.lgr.deploy;

import dev.lgr.webhook.RoutingRules;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a deployment is made of, from {@code lgr.yaml} and flags, checked as a whole.
 *
 * @param stackName the main stack (also names the secrets and the bootstrap stack's use)
 * @param repositories allowed repositories, {@code owner/name}
 * @param organization an allowed organization (its runners are registered on it), or null
 * @param labels the runners' labels
 * @param runnerMemoryMb the runner function's memory
 * @param runnerTimeoutSeconds the runner function's timeout (at most 900)
 * @param ephemeralStorageMb the runner function's {@code /tmp}
 * @param architecture {@code x86_64} or {@code arm64}, for the runner image and function
 * @param runnerConcurrency the most runners at once
 * @param logRetentionDays the functions' log retention
 * @param runnerVersion the GitHub runner version, {@code latest}, or null for lgr's own
 * @param baseImage the runner image's base, or null for lgr's published one
 * @param image an already pushed runner image (by digest) to deploy instead of building one
 * @param githubApi GitHub's API base (GitHub Enterprise Server: {@code https://HOST/api/v3})
 * @param placeholder whether to register the placeholder runner
 */
public record DeploySettings(
    String stackName,
    List<String> repositories,
    String organization,
    List<String> labels,
    int runnerMemoryMb,
    int runnerTimeoutSeconds,
    int ephemeralStorageMb,
    String architecture,
    int runnerConcurrency,
    int logRetentionDays,
    String runnerVersion,
    String baseImage,
    String image,
    URI githubApi,
    boolean placeholder) {
  public static final String DEFAULT_STACK = "lgr";
  public static final int DEFAULT_MEMORY_MB = 2048;
  public static final int DEFAULT_TIMEOUT_SECONDS = 900;
  public static final int DEFAULT_EPHEMERAL_STORAGE_MB = 10240;
  public static final String DEFAULT_ARCHITECTURE = "x86_64";
  public static final int DEFAULT_CONCURRENCY = 10;
  public static final int DEFAULT_LOG_RETENTION_DAYS = 14;

  /** The retention periods CloudWatch Logs accepts. */
  public static final List<Integer> LOG_RETENTION_DAYS =
      List.of(
          1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
          2922, 3288, 3653);

  private static final Pattern STACK = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,65}");
  private static final Pattern REPOSITORY =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+");
  private static final Pattern ORGANIZATION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
  private static final Pattern IMAGE_BY_DIGEST =
      Pattern.compile("[^@\\s]+/[^@\\s]+@sha256:[0-9a-f]{64}");

  public DeploySettings {
    repositories = List.copyOf(repositories);
    labels = List.copyOf(labels);
  }

  /**
   * Every problem at once, each naming its setting (flag or {@code lgr.yaml} key).
   *
   * @throws IllegalArgumentException listing them
   */
  public DeploySettings validate() {
    List<String> problems = new ArrayList<>();
    // At most 66 characters: the queue names (stack name + suffix) must fit SQS's 80.
    if (stackName == null || !STACK.matcher(stackName).matches()) {
      problems.add(
          "--stack/stack: a stack name is a letter then letters, digits or hyphens (up to 66): "
              + stackName);
    }
    if (repositories.isEmpty() && organization == null) {
      problems.add("--repo/repositories: name at least one repository (owner/name) or --org");
    }
    for (String repository : repositories) {
      if (!REPOSITORY.matcher(repository).matches()) {
        problems.add("--repo/repositories: '" + repository + "' is not owner/name");
      }
    }
    if (organization != null && !ORGANIZATION.matcher(organization).matches()) {
      problems.add("--org/organization: '" + organization + "' is not an organization name");
    }
    try {
      new RoutingRules(labels, repositories.isEmpty() ? List.of("a/b") : repositories, List.of());
    } catch (IllegalArgumentException e) {
      problems.add("--labels/labels: " + e.getMessage());
    }
    range(problems, "--memory/runner.memory", runnerMemoryMb, 512, 10240, "MB");
    range(problems, "--timeout/runner.timeout", runnerTimeoutSeconds, 360, 900, "s");
    range(
        problems,
        "--ephemeral-storage/runner.ephemeralStorage",
        ephemeralStorageMb,
        512,
        10240,
        "MB");
    range(problems, "--concurrency/runner.concurrency", runnerConcurrency, 2, 1000, "");
    if (!architecture.equals("x86_64") && !architecture.equals("arm64")) {
      problems.add("--arch/runner.architecture: x86_64 or arm64, not " + architecture);
    }
    if (!LOG_RETENTION_DAYS.contains(logRetentionDays)) {
      problems.add(
          "--log-retention/logRetentionDays: one of CloudWatch's periods "
              + LOG_RETENTION_DAYS
              + ", not "
              + logRetentionDays);
    }
    if (image != null && !IMAGE_BY_DIGEST.matcher(image).matches()) {
      problems.add(
          "--image/runner.image: an image pinned by digest (REPOSITORY@sha256:…), not " + image);
    }
    String scheme = githubApi == null ? null : githubApi.getScheme();
    if (!"https".equals(scheme) && !"http".equals(scheme)) {
      problems.add("--github-url/github.apiUrl: an http(s) URL, not " + githubApi);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n  ", problems));
    }
    return this;
  }

  /** The image platform for this architecture ({@code amd64} or {@code arm64}). */
  public String platform() {
    return architecture.equals("arm64") ? "arm64" : "amd64";
  }

  /** The bootstrap stack: one per account and region, shared by every lgr stack there. */
  public static String bootstrapStackName() {
    return "lgr-bootstrap";
  }

  private static void range(
      List<String> problems, String name, int value, int min, int max, String unit) {
    if (value < min || value > max) {
      problems.add(
          String.format(
              Locale.ROOT,
              "%s: between %d and %d%s, not %d",
              name,
              min,
              max,
              unit.isEmpty() ? "" : " " + unit,
              value));
    }
  }
}
