package dev.lgr.deploy.github;

/**
 * What {@link GitHubService} reports while it works; the service itself never prints. Messages
 * never hold the token or the webhook secret.
 */
public interface GitHubListener {
  /** A step begins or ends, in words: "Created webhook 12345678 on octo/app". */
  default void step(String message) {}

  /** Something the user should know but that does not stop lgr. */
  default void warning(String message) {}

  /** A listener that ignores everything. */
  static GitHubListener silent() {
    return new GitHubListener() {};
  }
}
