package dev.lgr.lambda.webhook;

import dev.lgr.webhook.JsonText;
import java.util.Map;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Primes the function's two AWS calls (Secrets Manager {@code GetSecretValue}, SQS {@code
 * SendMessage}) for a SnapStart snapshot without sending anything: each call runs through the SDK
 * (endpoint and auth scheme resolution, marshalling, interceptors, SigV4 signing) and is stopped
 * just before transmission. The first delivery after a restore then finds those classes loaded and
 * that code compiled; in a fresh JVM they are most of its first delivery's time.
 *
 * <p>Nothing is sent, by construction ({@code beforeTransmission} throws) and as a second guard:
 * the calls name a secret and a queue that do not exist, so a call that did go out would read no
 * secret and queue no job. Priming is best effort: when a call fails otherwise (for example without
 * credentials), priming stops and the function works as before.
 */
final class AwsCallPriming {
  private static final String NO_SECRET = "lgr-priming-not-a-secret";
  private static final String NO_QUEUE = "lgr-priming-not-a-queue.fifo";

  private static final ExecutionInterceptor STOP_BEFORE_SENDING =
      new ExecutionInterceptor() {
        @Override
        public void beforeTransmission(
            Context.BeforeTransmission context, ExecutionAttributes attributes) {
          throw new NotSent();
        }
      };

  private static final SdkPlugin STOPPING =
      config ->
          config.overrideConfiguration(
              config.overrideConfiguration().toBuilder()
                  .addExecutionInterceptor(STOP_BEFORE_SENDING)
                  .build());

  private AwsCallPriming() {}

  /**
   * Runs both calls {@code rounds} times, stopped before sending.
   *
   * @return true when every call reached the point of sending
   */
  static boolean prime(SecretsManagerClient secrets, SqsClient sqs, String queueUrl, int rounds) {
    String noQueueUrl = queueUrl.substring(0, queueUrl.lastIndexOf('/') + 1) + NO_QUEUE;
    String body =
        "{\"version\":1,\"repository\":\"lgr-priming/priming\",\"scope\":\"repository\","
            + "\"jobId\":1,\"runId\":2,\"runAttempt\":1,\"labels\":[\"priming\"],"
            + "\"deliveryId\":\"priming\"}";
    for (int i = 0; i < rounds; i++) {
      String dedup = "priming-" + i;
      if (!stopped(
              () ->
                  secrets.getSecretValue(
                      b -> b.secretId(NO_SECRET).overrideConfiguration(o -> o.addPlugin(STOPPING))))
          || !stopped(
              () ->
                  sqs.sendMessage(
                      b ->
                          b.queueUrl(noQueueUrl)
                              .messageBody(body)
                              .messageGroupId("1")
                              .messageDeduplicationId(dedup)
                              .overrideConfiguration(o -> o.addPlugin(STOPPING))))) {
        return false;
      }
    }
    return true;
  }

  private static boolean stopped(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof NotSent) {
          return true;
        }
      }
      System.out.println(
          JsonText.object(
              Map.of("priming", "AWS calls not primed", "reason", e.getClass().getSimpleName())));
      return false;
    }
    System.out.println(
        JsonText.object(Map.of("priming", "AWS calls not primed", "reason", "not stopped")));
    return false;
  }

  /** Thrown where the SDK would send: the expected end of every priming call. */
  private static final class NotSent extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSent() {
      super("priming: stopped before sending", null, false, false);
    }
  }
}
