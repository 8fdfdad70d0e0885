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

  /** A setting's allowed range, checked the same way by {@code lgr deploy} and {@code lgr init}. */
  public record Range(String setting, int min, int max, String unit) {
    /** Why {@code value} is out of range (without the setting's name), or null when it is in. */
    public String problem(int value) {
      if (value >= min && value <= max) {
        return null;
      }
      return String.format(
          Locale.ROOT,
          "between %d and %d%s, not %d",
          min,
          max,
          unit.isEmpty() ? "" : " " + unit,
          value);
    }
  }

  public static final Range MEMORY = new Range("--memory/runner.memory", 512, 10240, "MB");

  /** The runner stops 60 s before the end, so it needs some time before that. */
  public static final Range TIMEOUT = new Range("--timeout/runner.timeout", 360, 900, "s");

  public static final Range EPHEMERAL_STORAGE =
      new Range("--ephemeral-storage/runner.ephemeralStorage", 512, 10240, "MB");

  public static final Range CONCURRENCY =
      new Range("--concurrency/runner.concurrency", 2, 1000, "");

  /** The architectures a runner can have. */
  public static final List<String> ARCHITECTURES = List.of("x86_64", "arm64");

  /** Why {@code name} is not a stack name lgr can use, or null. */
  public static String stackProblem(String name) {
    // At most 66 characters: the queue names (stack name + suffix) must fit SQS's 80.
    return name != null && STACK.matcher(name).matches()
        ? null
        : "a stack name is a letter then letters, digits or hyphens (up to 66): " + name;
  }

  /** Why {@code repository} is not {@code owner/name}, or null. */
  public static String repositoryProblem(String repository) {
    return repository != null && REPOSITORY.matcher(repository).matches()
        ? null
        : "'" + repository + "' is not owner/name";
  }

  /** Why {@code organization} is not an organization's name, or null. */
  public static String organizationProblem(String organization) {
    return organization != null && ORGANIZATION.matcher(organization).matches()
        ? null
        : "'" + organization + "' is not an organization name";
  }

  /** Why these runner labels cannot be used (the webhook's routing rules), or null. */
  public static String labelsProblem(List<String> labels) {
    try {
      new RoutingRules(labels, List.of("a/b"), List.of());
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Why {@code architecture} is not one lgr builds for, or null. */
  public static String architectureProblem(String architecture) {
    return ARCHITECTURES.contains(architecture) ? null : "x86_64 or arm64, not " + architecture;
  }

  /** Why {@code days} is not a retention period CloudWatch Logs accepts, or null. */
  public static String logRetentionProblem(int days) {
    return LOG_RETENTION_DAYS.contains(days)
        ? null
        : "one of CloudWatch's periods " + LOG_RETENTION_DAYS + ", not " + days;
  }

  /**
   * Every problem at once, each naming its setting (flag or {@code lgr.yaml} key).
   *
   * @throws IllegalArgumentException listing them
   */
  public DeploySettings validate() {
    List<String> problems = new ArrayList<>();
    add(problems, "--stack/stack", stackProblem(stackName));
    if (repositories.isEmpty() && organization == null) {
      problems.add("--repo/repositories: name at least one repository (owner/name) or --org");
    }
    for (String repository : repositories) {
      add(problems, "--repo/repositories", repositoryProblem(repository));
    }
    if (organization != null) {
      add(problems, "--org/organization", organizationProblem(organization));
    }
    add(problems, "--labels/labels", labelsProblem(labels));
    range(problems, MEMORY, runnerMemoryMb);
    range(problems, TIMEOUT, runnerTimeoutSeconds);
    range(problems, EPHEMERAL_STORAGE, ephemeralStorageMb);
    range(problems, CONCURRENCY, runnerConcurrency);
    add(problems, "--arch/runner.architecture", architectureProblem(architecture));
    add(problems, "--log-retention/logRetentionDays", logRetentionProblem(logRetentionDays));
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

  private static void range(List<String> problems, Range range, int value) {
    add(problems, range.setting(), range.problem(value));
  }

  private static void add(List<String> problems, String setting, String problem) {
    if (problem != null) {
      problems.add(setting + ": " + problem);
    }
  }
}
