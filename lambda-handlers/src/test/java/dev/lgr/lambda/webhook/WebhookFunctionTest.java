package dev.lgr.lambda.webhook;

import static dev.lgr.lambda.webhook.ApiGatewayEventsTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lgr.aws.AwsClients;
import dev.lgr.webhook.WebhookFixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The Lambda handler itself, with its AWS clients pointed at a closed loopback port: what it does
 * without reaching AWS, and what it answers when the secret store cannot be reached.
 */
class WebhookFunctionTest {
  private static final Map<String, String> ENV =
      Map.of(
          "AWS_REGION",
          "us-east-1",
          WebhookConfig.QUEUE_URL,
          "https://sqs.us-east-1.amazonaws.com/123456789012/lgr-jobs.fifo",
          WebhookConfig.SECRET_ARN,
          "arn:aws:secretsmanager:us-east-1:123456789012:secret:lgr-webhook-AbCdEf",
          WebhookConfig.LABELS,
          "self-hosted,k8s",
          WebhookConfig.REPOSITORIES,
          ApiGatewayEventsTest.REPO);

  @Test
  void eventThatIsNotAnHttpEvent_is400() throws IOException {
    JsonNode result = invoke(function(), "[1,2,3]".getBytes(StandardCharsets.UTF_8));

    assertThat(result.get("statusCode").asInt()).isEqualTo(400);
    assertThat(JSON.readTree(result.get("body").asText()).get("reason").asText())
        .isEqualTo("not an HTTP event");
  }

  @Test
  void unsignedDelivery_is401WithoutAskingAws() throws IOException {
    byte[] body = ApiGatewayEventsTest.queued();
    Map<String, String> headers =
        Map.of("Content-Type", "application/json", "X-GitHub-Event", "workflow_job");

    JsonNode result =
        invoke(function(), ApiGatewayEventsTest.restEvent("POST", headers, body, false));

    assertThat(result.get("statusCode").asInt()).isEqualTo(401);
  }

  @Test
  void secretStoreUnreachable_is503AndTheLogLineSaysSo() throws IOException {
    byte[] body = ApiGatewayEventsTest.queued();
    Map<String, String> headers =
        WebhookFixtures.headers("any-secret", "workflow_job", body, "application/json");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    PrintStream original = System.out;
    JsonNode result;
    System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
    try {
      // The function logs to the System.out it finds when it is built.
      WebhookFunction function = function();
      result = invoke(function, ApiGatewayEventsTest.httpApiEvent("POST", headers, body, false));
    } finally {
      System.setOut(original);
    }

    assertThat(result.get("statusCode").asInt()).isEqualTo(503);
    String log = stdout.toString(StandardCharsets.UTF_8).trim();
    assertThat(log.lines()).hasSize(1);
    JsonNode line = JSON.readTree(log);
    assertThat(line.get("decision").asText()).isEqualTo("failed");
    assertThat(line.get("status").asInt()).isEqualTo(503);
    assertThat(log).doesNotContain("any-secret");
  }

  @Test
  void priming_runsTheDeliveryPathWithoutAws() {
    WebhookConfig config = WebhookConfig.from(ENV);
    assertThatCode(() -> WebhookFunction.prime(config, 5)).doesNotThrowAnyException();
  }

  private static WebhookFunction function() {
    return new WebhookFunction(
        WebhookConfig.from(ENV),
        new AwsClients(
            Region.US_EAST_1,
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")),
            URI.create("http://127.0.0.1:" + closedPort())));
  }

  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode invoke(WebhookFunction function, byte[] event) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    function.handleRequest(new ByteArrayInputStream(event), out, null);
    return JSON.readTree(out.toByteArray());
  }
}
