package dev.lgr.deploy.github;

/**
 * A failure of {@link GitHubService}, with a message written for the person running lgr. The
 * message never holds the token or the webhook secret.
 */
public final class GitHubSetupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure, so that a front end can pick its exit code. */
  public enum Kind {
    /** Bad input: a malformed repository name, webhook URL, empty secret or label list. */
    INPUT,
    /** GitHub rejected the token itself (401): wrong, expired or revoked. */
    AUTHENTICATION,
    /** The repository or organization does not exist, or the token cannot see it. */
    NOT_FOUND,
    /** The token works but lacks a right lgr needs; the message names it. */
    PERMISSION,
    /** GitHub could not deliver the ping to the webhook's URL, or did not say in time. */
    DELIVERY,
    /** GitHub could not be reached, or answered in a way lgr did not expect. */
    REMOTE
  }

  private final Kind kind;

  public GitHubSetupException(Kind kind, String message) {
    this(kind, message, null);
  }

  public GitHubSetupException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
