package dev.lgr.github;

/**
 * A GitHub API call that failed for good (after retries where they make sense). The message names
 * the call and GitHub's answer, never the token.
 */
public final class GitHubException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public GitHubException(int status, String message) {
    super(message);
    this.status = status;
  }

  public GitHubException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
  }

  /** The HTTP status, or 0 when no answer came (network failure, time ran out). */
  public int status() {
    return status;
  }
}
