package dev.lgr.deploy.aws;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;
import software.amazon.awssdk.services.secretsmanager.model.Tag;

/**
 * The two secrets a deployment needs, in Secrets Manager: the GitHub credential (the runner
 * function reads it) and the webhook secret (the webhook function checks signatures with it, GitHub
 * signs with it). Made by lgr, never by the template, so that no secret is ever a CloudFormation
 * parameter. Values are never part of a message or an exception.
 */
public final class DeploySecrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretsManagerClient secrets;
  private final String stackName;

  /** Makes the secrets of one stack. */
  @FunctionalInterface
  public interface Factory {
    DeploySecrets forStack(String stackName);
  }

  public DeploySecrets(SecretsManagerClient secrets, String stackName) {
    this.secrets = secrets;
    this.stackName = stackName;
  }

  /** What a step did to a secret. */
  public enum Change {
    CREATED,
    UPDATED,
    UNCHANGED
  }

  /** A secret's ARN and what was done; {@code value} is for the caller, never to print. */
  public record Secret(String name, String arn, Change change, String value) {
    @Override
    public String toString() {
      return "Secret[" + name + ", " + arn + ", " + change + "]";
    }
  }

  /** The secret holding the GitHub credential of this stack. */
  public String credentialName() {
    return credentialName(stackName);
  }

  /** The secret holding the GitHub credential of stack {@code stackName}. */
  public static String credentialName(String stackName) {
    return "lgr/" + stackName + "/github-credential";
  }

  /** The secret holding the webhook secret of this stack. */
  public String webhookSecretName() {
    return "lgr/" + stackName + "/webhook-secret";
  }

  /**
   * Stores the GitHub token: creates the secret, or puts a new version when the stored token
   * differs (so an unchanged re-deploy adds no version).
   */
  public Secret putGitHubCredential(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the GitHub token is empty");
    }
    String name = credentialName();
    GetSecretValueResponse current = current(name);
    if (current == null) {
      return new Secret(
          name, create(name, token, "lgr: the GitHub credential"), Change.CREATED, token);
    }
    if (token.equals(current.secretString())) {
      return new Secret(name, current.arn(), Change.UNCHANGED, token);
    }
    call(name, () -> secrets.putSecretValue(b -> b.secretId(current.arn()).secretString(token)));
    return new Secret(name, current.arn(), Change.UPDATED, token);
  }

  /**
   * The stored GitHub token (put there by {@code lgr init} or an earlier deploy), or null when
   * there is none. Never to print.
   */
  public String gitHubCredential() {
    GetSecretValueResponse current = current(credentialName());
    return current == null || current.secretString() == null || current.secretString().isBlank()
        ? null
        : current.secretString();
  }

  /**
   * The webhook secret: 32 random bytes (hex) made once, then kept across deploys, so that the hook
   * GitHub holds keeps matching.
   */
  public Secret webhookSecret() {
    String name = webhookSecretName();
    GetSecretValueResponse current = current(name);
    if (current != null && current.secretString() != null && !current.secretString().isBlank()) {
      return new Secret(name, current.arn(), Change.UNCHANGED, current.secretString());
    }
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String value = HexFormat.of().formatHex(bytes);
    if (current != null) {
      call(name, () -> secrets.putSecretValue(b -> b.secretId(current.arn()).secretString(value)));
      return new Secret(name, current.arn(), Change.UPDATED, value);
    }
    return new Secret(
        name, create(name, value, "lgr: signs GitHub's webhook deliveries"), Change.CREATED, value);
  }

  /** Secrets Manager's shortest recovery window: a deleted secret can be restored this long. */
  public static final int RECOVERY_DAYS = 7;

  /**
   * Schedules both secrets for deletion with a {@value #RECOVERY_DAYS}-day recovery window.
   *
   * @return for each secret name, whether it was there to delete
   */
  public Map<String, Boolean> delete() {
    Map<String, Boolean> deleted = new LinkedHashMap<>();
    for (String name : List.of(credentialName(), webhookSecretName())) {
      try {
        secrets.deleteSecret(b -> b.secretId(name).recoveryWindowInDays((long) RECOVERY_DAYS));
        deleted.put(name, true);
      } catch (ResourceNotFoundException e) {
        deleted.put(name, false);
      } catch (InvalidRequestException e) {
        deleted.put(name, false); // already scheduled for deletion
      } catch (SecretsManagerException e) {
        throw AwsStepException.of("delete secret " + name, e);
      }
    }
    return deleted;
  }

  private GetSecretValueResponse current(String name) {
    try {
      return secrets.getSecretValue(b -> b.secretId(name));
    } catch (ResourceNotFoundException e) {
      return null;
    } catch (InvalidRequestException e) {
      throw new AwsStepException(
          "secret "
              + name
              + " is scheduled for deletion (lgr destroy leaves a recovery window): restore it with"
              + " `aws secretsmanager restore-secret --secret-id "
              + name
              + "` or wait until it is gone",
          e);
    } catch (SecretsManagerException e) {
      throw AwsStepException.of("read secret " + name, e);
    }
  }

  private String create(String name, String value, String description) {
    return call(
        name,
        () ->
            secrets
                .createSecret(
                    b ->
                        b.name(name)
                            .description(description)
                            .secretString(value)
                            .tags(Tag.builder().key("lgr:stack").value(stackName).build()))
                .arn());
  }

  private <T> T call(String name, Supplier<T> call) {
    try {
      return call.get();
    } catch (SecretsManagerException e) {
      throw AwsStepException.of("write secret " + name, e);
    }
  }
}
