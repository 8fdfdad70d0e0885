package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lgr.webhook.WebhookFixtures.Example;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streaming reader of webhook bodies, against a full JSON tree of GitHub's examples. */
class DeliveryParserTest {
  @Test
  void everyExample_readsTheSameFieldsAsAJsonTree() {
    List<Example> examples = WebhookFixtures.all();
    assertThat(examples).hasSizeGreaterThan(300);
    for (Example example : examples) {
      JsonNode json = example.json();

      Delivery delivery = DeliveryParser.parse(example.body());

      assertThat(delivery.action()).as(example.toString()).isEqualTo(text(json.get("action")));
      assertThat(delivery.hookId())
          .as(example.toString())
          .isEqualTo(json.hasNonNull("hook_id") ? json.get("hook_id").asLong() : null);
      assertThat(delivery.repository())
          .as(example.toString())
          .isEqualTo(text(json.at("/repository/full_name")));
      assertThat(delivery.repositoryOwner())
          .as(example.toString())
          .isEqualTo(text(json.at("/repository/owner/login")));
      assertThat(delivery.organization())
          .as(example.toString())
          .isEqualTo(text(json.at("/organization/login")));
      JsonNode job = json.get("workflow_job");
      if (job == null || job.isNull()) {
        assertThat(delivery.job()).as(example.toString()).isNull();
      } else {
        assertThat(delivery.job().id()).isEqualTo(job.get("id").asLong());
        assertThat(delivery.job().runId()).isEqualTo(job.get("run_id").asLong());
        assertThat(delivery.job().runAttempt())
            .isEqualTo(job.hasNonNull("run_attempt") ? job.get("run_attempt").asLong() : null);
        assertThat(delivery.job().name()).isEqualTo(text(job.get("name")));
        List<String> labels = new ArrayList<>();
        job.get("labels").forEach(l -> labels.add(l.asText()));
        assertThat(delivery.job().labels()).isEqualTo(labels);
      }
    }
  }

  @Test
  void malformedJson_isABadRequestWithItsPlaceButNotItsText() {
    String body = "{\"action\":\"queued\",\n\"secret\":\"ghs_doNotEcho\" ,,}";

    assertThatThrownBy(() -> DeliveryParser.parse(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(BadRequestException.class)
        .hasMessageStartingWith("malformed JSON at line 2")
        .hasMessageNotContaining("ghs_")
        .extracting(e -> ((BadRequestException) e).status())
        .isEqualTo(400);
  }

  @Test
  void deeplyNestedOrHugeValues_areBadRequests() {
    byte[] deep = ("{\"x\":" + "[".repeat(100_000)).getBytes(StandardCharsets.UTF_8);
    byte[] longNumber =
        ("{\"hook_id\":" + "9".repeat(5_000) + "}").getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> DeliveryParser.parse(deep)).isInstanceOf(BadRequestException.class);
    assertThatThrownBy(() -> DeliveryParser.parse(longNumber))
        .isInstanceOf(BadRequestException.class);
  }

  @Test
  void unknownFieldsOfAnyShape_areSkipped() {
    byte[] body =
        ("{\"zen\":[1,{\"a\":[null,true]}],\"action\":\"queued\",\"x\":{\"action\":7},"
                + "\"repository\":{\"owner\":{\"id\":1,\"login\":\"o\"},\"full_name\":\"o/r\"}}")
            .getBytes(StandardCharsets.UTF_8);

    Delivery delivery = DeliveryParser.parse(body);

    assertThat(delivery.action()).isEqualTo("queued");
    assertThat(delivery.repository()).isEqualTo("o/r");
    assertThat(delivery.repositoryOwner()).isEqualTo("o");
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
  }
}
