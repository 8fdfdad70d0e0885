package dev.lgr.lambda.webhook;

import dev.lgr.aws.AwsClients;
import java.util.Map;

/** Builds the webhook function for tests in other packages (the scenario run). */
public final class WebhookFunctions {
  private WebhookFunctions() {}

  /**
   * The function as Lambda builds it from {@code env} (the template's {@code LGR_*} values and
   * {@code AWS_REGION}), with {@code aws}'s clients instead of the role's.
   */
  public static WebhookFunction create(Map<String, String> env, AwsClients aws) {
    return new WebhookFunction(WebhookConfig.from(env), aws);
  }
}
