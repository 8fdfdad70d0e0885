package dev.lgr.aws;

import dev.lgr.webhook.CachedSecret;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** The webhook secret as the SecretString of a Secrets Manager secret. */
public final class SecretsManagerSecret extends CachedSecret {
  private final SecretsManagerClient secrets;
  private final String secretId;

  /**
   * @param secrets the client
   * @param secretId the secret's ARN or name
   * @param minRefreshInterval the least time between two reads after the first
   */
  public SecretsManagerSecret(
      SecretsManagerClient secrets, String secretId, Duration minRefreshInterval) {
    super(minRefreshInterval, System::nanoTime);
    this.secrets = secrets;
    this.secretId = secretId;
  }

  @Override
  protected String load() {
    try {
      return secrets.getSecretValue(b -> b.secretId(secretId)).secretString();
    } catch (SdkException e) {
      throw new SecretUnavailableException(
          "cannot read " + secretId + ": " + AwsErrors.describe(e), e);
    }
  }
}
