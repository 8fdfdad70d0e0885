package dev.lgr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.webhook.HttpRequest;
import dev.lgr.webhook.HttpResponse;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import dev.lgr.webhook.WebhookSecret;
import dev.lgr.webhook.WebhookService;
import dev.lgr.webhook.WebhookSignature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's delivery is what it claims to be. Nothing here is timed. */
class BenchDeliveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void body_isGitHubsQueuedExample_paddedToAbout25KB_andStillValidJson() throws Exception {
    BenchDelivery delivery = BenchDelivery.create();
    byte[] body = delivery.body();

    assertThat(body.length).isBetween(BenchDelivery.TARGET_BYTES, BenchDelivery.TARGET_BYTES + 512);
    JsonNode json = JSON.readTree(body);
    assertThat(json.get("action").asText()).isEqualTo("queued");
    assertThat(json.at("/workflow_job/id").asLong()).isEqualTo(BenchSettings.JOB_ID);
    assertThat(json.at("/workflow_job/labels").toString()).isEqualTo("[\"self-hosted\",\"k8s\"]");
    assertThat(json.at("/repository/full_name").asText()).isEqualTo(BenchSettings.REPOSITORY);
    assertThat(json.at("/repository/topics").size()).isGreaterThan(10);
    assertThat(BenchDelivery.create().body()).isEqualTo(body);
  }

  @Test
  void delivery_isSignedWithTheBenchSecret_andDispatchedByTheService() {
    BenchDelivery delivery = BenchDelivery.create();
    assertThat(
            WebhookSignature.verify(
                WebhookSignature.key(BenchSettings.SECRET),
                delivery.body(),
                delivery.headers().get("X-Hub-Signature-256")))
        .isTrue();
    List<JobRequest> sent = new ArrayList<>();
    WebhookService service =
        new WebhookService(
            new RoutingRules(
                List.of(BenchSettings.FUNCTION_ENV.get("LGR_LABELS").split(",")),
                List.of(BenchSettings.REPOSITORY),
                List.of()),
            new FixedSecret(),
            sent::add,
            line -> {});

    HttpResponse response =
        service.handle(new HttpRequest("POST", delivery.headers(), delivery.body()));

    assertThat(response.status()).isEqualTo(202);
    assertThat(sent).singleElement().extracting(JobRequest::jobId).isEqualTo(BenchSettings.JOB_ID);
  }

  @Test
  void apiGatewayEvent_carriesTheExactBodyAndHeaders() throws Exception {
    BenchDelivery delivery = BenchDelivery.create();

    JsonNode event = JSON.readTree(delivery.apiGatewayEvent());

    assertThat(event.get("httpMethod").asText()).isEqualTo("POST");
    assertThat(event.get("isBase64Encoded").asBoolean()).isFalse();
    assertThat(event.get("body").asText().getBytes(StandardCharsets.UTF_8))
        .isEqualTo(delivery.body());
    assertThat(event.at("/headers/X-Hub-Signature-256").asText())
        .isEqualTo(delivery.headers().get("X-Hub-Signature-256"));
    assertThat(event.at("/multiValueHeaders/X-GitHub-Event/0").asText()).isEqualTo("workflow_job");
  }

  @Test
  void main_writesTheFilesTheTimedProgramsRead(@TempDir Path folder) throws Exception {
    BenchDelivery.main(new String[] {folder.toString()});

    assertThat(Files.readAllBytes(folder.resolve("body.json")))
        .isEqualTo(BenchDelivery.create().body());
    assertThat(Files.readAllLines(folder.resolve("headers.txt")))
        .contains("X-GitHub-Event: workflow_job");
    assertThat(Files.readString(folder.resolve("env.sh")))
        .contains("export LGR_REPOSITORIES='" + BenchSettings.REPOSITORY + "'");
    assertThat(JSON.readTree(folder.resolve("event.json").toFile()).get("body").isTextual())
        .isTrue();
  }

  private static final class FixedSecret implements WebhookSecret {
    @Override
    public byte[] current() {
      return WebhookSignature.key(BenchSettings.SECRET);
    }

    @Override
    public Optional<byte[]> refresh() {
      return Optional.empty();
    }
  }
}
