package dev.lgr.github;

/**
 * Where self-hosted runners register: a repository ({@code owner/name}) or an organization.
 *
 * @param repository {@code owner/name}, or null for an organization scope
 * @param organization the organization, or null for a repository scope
 */
public record RunnerScope(String repository, String organization) {
  public RunnerScope {
    if ((repository == null) == (organization == null)) {
      throw new IllegalArgumentException("a runner scope is a repository or an organization");
    }
  }

  public static RunnerScope repository(String ownerAndName) {
    return new RunnerScope(ownerAndName, null);
  }

  public static RunnerScope organization(String name) {
    return new RunnerScope(null, name);
  }

  /** The REST path prefix: {@code /repos/owner/name} or {@code /orgs/name}. */
  public String path() {
    return repository != null ? "/repos/" + repository : "/orgs/" + organization;
  }

  @Override
  public String toString() {
    return repository != null ? repository : "organization " + organization;
  }
}
