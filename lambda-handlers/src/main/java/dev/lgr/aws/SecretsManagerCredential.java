package dev.lgr.aws;

import dev.lgr.github.GitHubCredential;
import dev.lgr.github.GitHubException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** lgr's GitHub token as the SecretString of a Secrets Manager secret, cached until invalidated. */
public final class SecretsManagerCredential implements GitHubCredential {
  private final SecretsManagerClient secrets;
  private final String secretId;
  private String token;

  public SecretsManagerCredential(SecretsManagerClient secrets, String secretId) {
    this.secrets = secrets;
    this.secretId = secretId;
  }

  @Override
  public synchronized String token() {
    if (token == null) {
      String value;
      try {
        value = secrets.getSecretValue(b -> b.secretId(secretId)).secretString();
      } catch (SdkException e) {
        throw new GitHubException(
            "cannot read the GitHub credential " + secretId + ": " + AwsErrors.describe(e), e);
      }
      if (value == null || value.isBlank()) {
        throw new GitHubException(0, "the GitHub credential " + secretId + " is empty");
      }
      token = value.strip();
    }
    return token;
  }

  @Override
  public synchronized void invalidate() {
    token = null;
  }
}
