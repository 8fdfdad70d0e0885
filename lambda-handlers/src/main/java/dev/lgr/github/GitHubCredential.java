package dev.lgr.github;

/**
 * Where lgr's GitHub token comes from: a personal access token in Secrets Manager now, a GitHub App
 * installation token later. The token is sent to GitHub's API only; it is never logged, never
 * passed to the runner process.
 */
public interface GitHubCredential {
  /** The token to send, cached by the implementation. */
  String token();

  /** Called when GitHub answered 401: drop any cached token so the next call reads it again. */
  default void invalidate() {}
}
