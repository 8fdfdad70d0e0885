package dev.lgr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.aws.AwsClients;
import dev.lgr.aws.SecretsManagerSecret;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import dev.lgr.webhook.WebhookSignature;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The cold-start benchmark's loopback endpoint answers as the SDK clients, built as the webhook
 * function builds them, expect: the secret reads and the send succeeds (including the SDK's MD5
 * check of the message body). Nothing here is timed.
 */
class AwsStandInTest {
  private AwsStandIn standIn;
  private AwsClients clients;

  @BeforeEach
  void setUp() throws Exception {
    standIn = AwsStandIn.start();
    clients =
        new AwsClients(
            Region.US_EAST_1,
            StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")),
            URI.create(standIn.endpoint()));
  }

  @AfterEach
  void tearDown() {
    standIn.stop();
  }

  @Test
  void secretsManagerClient_readsTheBenchSecret() {
    SecretsManagerSecret secret =
        new SecretsManagerSecret(
            clients.secretsManager(),
            BenchSettings.FUNCTION_ENV.get("LGR_WEBHOOK_SECRET_ARN"),
            Duration.ofSeconds(1));

    assertThat(secret.current()).isEqualTo(WebhookSignature.key(BenchSettings.SECRET));
    assertThat(standIn.getSecretValueCalls()).isEqualTo(1);
  }

  @Test
  void sqsClient_sendsAJobRequest() {
    SqsJobQueue queue =
        new SqsJobQueue(clients.sqs(), BenchSettings.FUNCTION_ENV.get("LGR_JOBS_QUEUE_URL"));

    queue.send(
        new JobRequest(
            BenchSettings.REPOSITORY,
            RoutingRules.Scope.REPOSITORY,
            BenchSettings.JOB_ID,
            4747967848L,
            1,
            List.of("self-hosted", "k8s"),
            "delivery-1"));

    assertThat(standIn.sendMessageCalls()).isEqualTo(1);
  }
}
