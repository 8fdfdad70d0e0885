package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The jobs queue's message: what it holds, and that it reads back as written. */
class JobRequestTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JobRequest request =
      new JobRequest(
          "lineville/elastic-machines-testing",
          RoutingRules.Scope.REPOSITORY,
          12877621891L,
          4747967848L,
          2,
          List.of("self-hosted", "k8s"),
          "72d3162e-cc78-11e3-81ab-4c9367dc0958");

  @Test
  void toJson_readsBackAsTheSameRequest() {
    assertThat(JobRequest.fromJson(request.toJson())).isEqualTo(request);
  }

  @Test
  void toJson_namesTheJobAndNothingElse() throws Exception {
    JsonNode json = JSON.readTree(request.toJson());

    List<String> fields = new ArrayList<>();
    json.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "version",
            "repository",
            "scope",
            "jobId",
            "runId",
            "runAttempt",
            "labels",
            "deliveryId");
    assertThat(json.get("version").asInt()).isEqualTo(1);
    assertThat(json.get("scope").asText()).isEqualTo("repository");
    assertThat(json.get("jobId").asLong()).isEqualTo(12877621891L);
  }

  @Test
  void fifoIds_groupByJob_andDeduplicateByJobAndAttempt() {
    assertThat(request.messageGroupId()).isEqualTo("12877621891");
    assertThat(request.deduplicationId()).isEqualTo("12877621891-2");
  }

  @Test
  void owner_isTheFirstPartOfTheRepository() {
    assertThat(request.owner()).isEqualTo("lineville");
  }

  @Test
  void labels_areCopied() {
    List<String> labels = new ArrayList<>(List.of("a"));
    JobRequest copy = new JobRequest("o/r", RoutingRules.Scope.ORGANIZATION, 1, 2, 1, labels, "-");
    labels.add("b");
    assertThat(copy.labels()).containsExactly("a");
  }

  @Test
  void fromJson_withoutDeliveryId_usesADash() {
    JobRequest read =
        JobRequest.fromJson(
            "{\"repository\":\"o/r\",\"scope\":\"organization\",\"jobId\":1,\"runId\":2,"
                + "\"runAttempt\":3,\"labels\":[\"x\"],\"future\":{\"a\":[1]}}");
    assertThat(read)
        .isEqualTo(
            new JobRequest("o/r", RoutingRules.Scope.ORGANIZATION, 1, 2, 3, List.of("x"), "-"));
  }

  @Test
  void fromJson_rejectsMissingFieldsAndOtherText() {
    String full = request.toJson();
    for (String field : List.of("repository", "scope", "jobId", "runId", "runAttempt", "labels")) {
      JsonNode json = read(full);
      ((com.fasterxml.jackson.databind.node.ObjectNode) json).remove(field);
      assertThatThrownBy(() -> JobRequest.fromJson(json.toString()))
          .as(field)
          .isInstanceOf(IllegalArgumentException.class);
    }
    for (String text : List.of("", "[]", "{", "not json", "{\"repository\":\"no-slash\"}")) {
      assertThatThrownBy(() -> JobRequest.fromJson(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
