package dev.lgr.aws;

import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Short-lived credentials of the job role, for one runner: workflow jobs act with them, never with
 * the runner function's own role (which can read the GitHub credential).
 */
public final class JobRoleCredentials {
  /** AssumeRole's shortest session, longer than any Lambda invocation. */
  private static final int SESSION_SECONDS = 900;

  private final StsClient sts;
  private final String roleArn;

  public JobRoleCredentials(StsClient sts, String roleArn) {
    this.sts = sts;
    this.roleArn = roleArn;
  }

  /**
   * Assumes the job role for one runner.
   *
   * @param sessionName shows in CloudTrail as the session (the runner's name)
   * @return the environment values the AWS SDKs and CLI read: key, secret, session token
   * @throws IllegalStateException when STS refuses (the message names the role)
   */
  public Map<String, String> forRunner(String sessionName) {
    Credentials credentials;
    try {
      credentials =
          sts.assumeRole(
                  b ->
                      b.roleArn(roleArn)
                          .roleSessionName(
                              sessionName.length() > 64
                                  ? sessionName.substring(0, 64)
                                  : sessionName)
                          .durationSeconds(SESSION_SECONDS))
              .credentials();
    } catch (SdkException e) {
      throw new IllegalStateException(
          "cannot assume the job role " + roleArn + ": " + e.getMessage(), e);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ACCESS_KEY_ID", credentials.accessKeyId());
    env.put("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey());
    env.put("AWS_SESSION_TOKEN", credentials.sessionToken());
    return env;
  }
}
