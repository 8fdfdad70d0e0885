package dev.lgr.webhook;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which jobs lgr serves: the runners' labels and the repositories and organizations allowed to use
 * them. A job matches when every one of its {@code runs-on} labels is among the runners' labels,
 * compared without regard to case: the rule GitHub itself uses to hand a job to a runner.
 */
public final class RoutingRules {
  /** GitHub's runner label rule: no spaces or commas; lgr also keeps them printable and short. */
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._\\-/:+]{1,100}");

  private static final Pattern REPOSITORY =
      Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}");
  private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})");

  /** The labels jobs opt in with when none are configured. */
  public static final List<String> DEFAULT_LABELS = List.of("self-hosted", "lambda");

  private final List<String> labels;
  private final Set<String> labelKeys;
  private final Set<String> repositories;
  private final Set<String> organizations;
  private final List<String> repositoryNames;
  private final List<String> organizationNames;

  /** Where a matching job came from: decides whether its runner registers on the repo or org. */
  public enum Scope {
    REPOSITORY,
    ORGANIZATION
  }

  /**
   * @throws IllegalArgumentException with a message for users when a value is malformed or when
   *     neither a repository nor an organization is allowed
   */
  public RoutingRules(
      Collection<String> labels,
      Collection<String> repositories,
      Collection<String> organizations) {
    this.labels = List.copyOf(new LinkedHashSet<>(labels));
    if (this.labels.isEmpty()) {
      throw new IllegalArgumentException("at least one runner label is needed");
    }
    for (String label : this.labels) {
      if (!LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException(
            "invalid label '"
                + label
                + "': use letters, digits and . _ - / : + (no spaces or commas), at most 100");
      }
    }
    this.labelKeys = keys(this.labels);
    for (String repository : repositories) {
      if (!REPOSITORY.matcher(repository).matches()) {
        throw new IllegalArgumentException(
            "invalid repository '" + repository + "': expected owner/name");
      }
    }
    for (String organization : organizations) {
      if (!OWNER.matcher(organization).matches()) {
        throw new IllegalArgumentException("invalid organization '" + organization + "'");
      }
    }
    this.repositories = keys(repositories);
    this.organizations = keys(organizations);
    this.repositoryNames = List.copyOf(new LinkedHashSet<>(repositories));
    this.organizationNames = List.copyOf(new LinkedHashSet<>(organizations));
    if (this.repositories.isEmpty() && this.organizations.isEmpty()) {
      throw new IllegalArgumentException(
          "no repository or organization is allowed: name at least one");
    }
  }

  /** The runners' labels as configured, duplicates removed. */
  public List<String> labels() {
    return labels;
  }

  /** The allowed repositories ({@code owner/name}) as configured, duplicates removed. */
  public List<String> repositories() {
    return repositoryNames;
  }

  /** The allowed organizations as configured, duplicates removed. */
  public List<String> organizations() {
    return organizationNames;
  }

  /** True when every one of {@code jobLabels} is among the runners' labels (and there is one). */
  public boolean matchesLabels(List<String> jobLabels) {
    if (jobLabels == null || jobLabels.isEmpty()) {
      return false;
    }
    for (String label : jobLabels) {
      if (label == null || !labelKeys.contains(label.toLowerCase(Locale.ROOT))) {
        return false;
      }
    }
    return true;
  }

  /**
   * How the job's repository is allowed: by name (repository scope) or through its organization;
   * empty when it is not allowed.
   */
  public Optional<Scope> scopeOf(String repositoryFullName, String organization) {
    if (repositoryFullName != null
        && repositories.contains(repositoryFullName.toLowerCase(Locale.ROOT))) {
      return Optional.of(Scope.REPOSITORY);
    }
    if (organization != null && organizations.contains(organization.toLowerCase(Locale.ROOT))) {
      return Optional.of(Scope.ORGANIZATION);
    }
    return Optional.empty();
  }

  private static Set<String> keys(Collection<String> values) {
    Set<String> keys = new LinkedHashSet<>();
    for (String value : values) {
      keys.add(value.toLowerCase(Locale.ROOT));
    }
    return Set.copyOf(keys);
  }
}
