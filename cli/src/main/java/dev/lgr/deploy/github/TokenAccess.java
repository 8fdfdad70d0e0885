package dev.lgr.deploy.github;

import dev.lgr.github.RunnerScope;
import java.util.List;

/**
 * What {@link GitHubService#checkAccess} found out about the token for one scope.
 *
 * @param scope the repository or organization
 * @param kind the kind of token, as far as GitHub's answers tell
 * @param oauthScopes a classic token's scopes ({@code X-OAuth-Scopes}); empty for other tokens
 */
public record TokenAccess(RunnerScope scope, TokenKind kind, List<String> oauthScopes) {
  /** How GitHub's answers describe the token. */
  public enum TokenKind {
    /** A classic personal access token (or an OAuth app's): its answers list its scopes. */
    CLASSIC,
    /** A fine-grained personal access token or a GitHub App token: no scopes are listed. */
    FINE_GRAINED_OR_APP
  }
}
