package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpRequestTest {
  @Test
  void header_isFoundWhateverTheCaseOfItsName() {
    HttpRequest request =
        new HttpRequest(
            "POST",
            Map.of("x-hub-SIGNATURE-256", "sha256=ab", "X-GitHub-Event", "ping"),
            new byte[0]);

    assertThat(request.header("X-Hub-Signature-256")).isEqualTo("sha256=ab");
    assertThat(request.header("x-github-event")).isEqualTo("ping");
    assertThat(request.header("X-GITHUB-EVENT")).isEqualTo("ping");
    assertThat(request.header("X-GitHub-Delivery")).isNull();
  }

  @Test
  void nullNamesAndValues_areDropped() {
    Map<String, String> headers = new HashMap<>();
    headers.put(null, "x");
    headers.put("X-Empty", null);

    HttpRequest request = new HttpRequest(null, headers, new byte[0]);

    assertThat(request.header("X-Empty")).isNull();
    assertThat(request.method()).isNull();
  }

  @Test
  void mediaType_isLowerCaseWithoutParameters() {
    assertThat(type("Application/JSON; charset=UTF-8")).isEqualTo("application/json");
    assertThat(type(" application/x-www-form-urlencoded "))
        .isEqualTo("application/x-www-form-urlencoded");
    assertThat(type("text/plain;")).isEqualTo("text/plain");
    assertThat(type("")).isEmpty();
    assertThat(new HttpRequest("POST", Map.of(), new byte[0]).mediaType()).isNull();
  }

  private static String type(String contentType) {
    return new HttpRequest("POST", Map.of("content-type", contentType), new byte[0]).mediaType();
  }
}
