package dev.lgr.lambda.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.webhook.BadRequestException;
import dev.lgr.webhook.HttpRequest;
import dev.lgr.webhook.HttpResponse;
import dev.lgr.webhook.RoutingRules;
import dev.lgr.webhook.WebhookFixtures;
import dev.lgr.webhook.WebhookFixtures.MemoryQueue;
import dev.lgr.webhook.WebhookFixtures.MemorySecret;
import dev.lgr.webhook.WebhookService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * API Gateway REST (payload 1.0) and HTTP API / function URL (payload 2.0) events, shaped like the
 * examples in AWS's "Create AWS Lambda proxy integrations" pages, read into requests and fed to the
 * webhook service with an in-memory queue and secret.
 */
class ApiGatewayEventsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SECRET = "api-gateway-test-secret";
  static final String REPO = "lineville/elastic-machines-testing";
  static final RoutingRules RULES =
      new RoutingRules(List.of("self-hosted", "k8s"), List.of(REPO), List.of());

  private final MemoryQueue queue = new MemoryQueue();
  private final List<String> log = new ArrayList<>();
  private final WebhookService service =
      new WebhookService(RULES, new MemorySecret(SECRET), queue, log::add);

  // --- reading ----------------------------------------------------------------------------------

  @Test
  void restEvent_givesMethodHeadersAndExactBody() throws IOException {
    byte[] body = queued();
    Map<String, String> headers = WebhookFixtures.headers(SECRET, "workflow_job", body, JSON_TYPE);

    HttpRequest request = read(restEvent("POST", headers, body, false));

    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.body()).isEqualTo(body);
    assertThat(request.header("x-hub-signature-256")).isEqualTo(headers.get("X-Hub-Signature-256"));
    assertThat(request.header("X-GITHUB-EVENT")).isEqualTo("workflow_job");
    assertThat(request.mediaType()).isEqualTo(JSON_TYPE);
  }

  @Test
  void httpApiEvent_givesMethodLowerCaseHeadersAndDecodedBody() throws IOException {
    byte[] body = queued();
    Map<String, String> headers = WebhookFixtures.headers(SECRET, "workflow_job", body, JSON_TYPE);

    HttpRequest request = read(httpApiEvent("POST", headers, body, true));

    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.body()).isEqualTo(body);
    assertThat(request.header("X-Hub-Signature-256")).isEqualTo(headers.get("X-Hub-Signature-256"));
    assertThat(request.header("X-GitHub-Delivery")).isEqualTo(headers.get("X-GitHub-Delivery"));
  }

  @Test
  void base64Body_keepsBytesThatAreNotUtf8() throws IOException {
    byte[] body = {'{', (byte) 0xff, (byte) 0xfe, 0, '}'};
    for (boolean v2 : new boolean[] {false, true}) {
      Map<String, String> headers = Map.of("Content-Type", JSON_TYPE);
      byte[] event =
          v2 ? httpApiEvent("POST", headers, body, true) : restEvent("POST", headers, body, true);
      assertThat(read(event).body()).isEqualTo(body);
    }
  }

  @Test
  void restEvent_withOnlyMultiValueHeaders_takesTheFirstValue() throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(restEvent("POST", Map.of(), bytes("{}"), false));
    event.putNull("headers");
    ObjectNode multi = event.putObject("multiValueHeaders");
    multi.putArray("X-GitHub-Event").add("ping").add("push");
    multi.putArray("Content-Type").add(JSON_TYPE);
    multi.putArray("X-Empty");

    HttpRequest request = read(JSON.writeValueAsBytes(event));

    assertThat(request.header("x-github-event")).isEqualTo("ping");
    assertThat(request.header("content-type")).isEqualTo(JSON_TYPE);
    assertThat(request.header("X-Empty")).isNull();
  }

  @Test
  void restEvent_headersWinOverMultiValueHeaders() throws IOException {
    ObjectNode event =
        (ObjectNode)
            JSON.readTree(restEvent("POST", Map.of("X-GitHub-Event", "ping"), bytes("{}"), false));
    event.putObject("multiValueHeaders").putArray("X-GitHub-Event").add("push");

    assertThat(read(JSON.writeValueAsBytes(event)).header("X-GitHub-Event")).isEqualTo("ping");
  }

  @Test
  void eventWithoutBody_hasAnEmptyBody() throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(httpApiEvent("POST", Map.of(), bytes(""), false));
    event.remove("body");
    assertThat(read(JSON.writeValueAsBytes(event)).body()).isEmpty();
    event.putNull("body");
    assertThat(read(JSON.writeValueAsBytes(event)).body()).isEmpty();
  }

  @Test
  void whatIsNotAnHttpEvent_isABadRequest() {
    for (String event : List.of("[]", "\"POST\"", "42", "", "{\"httpMethod\":", "nonsense")) {
      assertThatThrownBy(() -> read(bytes(event)))
          .as(event)
          .isInstanceOf(BadRequestException.class)
          .extracting(e -> ((BadRequestException) e).status())
          .isEqualTo(400);
    }
  }

  @Test
  void bodyMarkedBase64ThatIsNot_isABadRequest() throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(restEvent("POST", Map.of(), bytes("{}"), false));
    event.put("isBase64Encoded", true);
    event.put("body", "{not base64}");

    assertThatThrownBy(() -> read(JSON.writeValueAsBytes(event)))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("base64");
  }

  // --- writing ----------------------------------------------------------------------------------

  @Test
  void write_givesTheProxyResultShapeForEveryPayloadVersion() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ApiGatewayEvents.write(new HttpResponse(202, "{\"decision\":\"dispatched\"}"), out);

    JsonNode result = JSON.readTree(out.toByteArray());

    assertThat(result.get("statusCode").asInt()).isEqualTo(202);
    assertThat(result.at("/headers/content-type").asText()).isEqualTo("application/json");
    assertThat(result.get("body").asText()).isEqualTo("{\"decision\":\"dispatched\"}");
    assertThat(result.get("isBase64Encoded").asBoolean()).isFalse();
  }

  // --- end to end -------------------------------------------------------------------------------

  @Test
  void queuedJob_isDispatchedFromEveryEventShapeEncodingAndHeaderCase() throws IOException {
    byte[] json = queued();
    byte[] form = WebhookFixtures.formEncoded(json);
    Random random = new Random(7);
    int expected = 0;
    for (boolean v2 : new boolean[] {false, true}) {
      for (boolean base64 : new boolean[] {false, true}) {
        for (boolean asForm : new boolean[] {false, true}) {
          byte[] body = asForm ? form : json;
          Map<String, String> headers =
              WebhookFixtures.recase(
                  WebhookFixtures.headers(
                      SECRET, "workflow_job", body, asForm ? FORM_TYPE : JSON_TYPE),
                  random.nextLong());
          byte[] event =
              v2
                  ? httpApiEvent("POST", headers, body, base64)
                  : restEvent("POST", headers, body, base64);

          JsonNode result = invoke(event);

          String what = (v2 ? "2.0" : "1.0") + (base64 ? " base64" : "") + (asForm ? " form" : "");
          assertThat(result.get("statusCode").asInt()).as(what).isEqualTo(202);
          assertThat(queue.messages()).as(what).hasSize(++expected);
          assertThat(queue.messages().get(expected - 1).request().jobId()).isEqualTo(12877621891L);
        }
      }
    }
  }

  @Test
  void ping_answers200WithTheHookId() throws IOException {
    byte[] ping = WebhookFixtures.of("ping").get(0).body();
    Map<String, String> headers = WebhookFixtures.headers(SECRET, "ping", ping, JSON_TYPE);

    JsonNode result = invoke(httpApiEvent("POST", headers, ping, false));

    assertThat(result.get("statusCode").asInt()).isEqualTo(200);
    assertThat(JSON.readTree(result.get("body").asText()).get("hook_id").asLong())
        .isEqualTo(109948940L);
  }

  @Test
  void forgedOrBrokenDeliveries_get4xxAndDispatchNothing() throws IOException {
    byte[] body = queued();
    Map<String, String> forged = WebhookFixtures.headers("guess", "workflow_job", body, JSON_TYPE);
    Map<String, String> good = WebhookFixtures.headers(SECRET, "workflow_job", body, JSON_TYPE);

    assertThat(invoke(restEvent("POST", forged, body, false)).get("statusCode").asInt())
        .isEqualTo(401);
    assertThat(invoke(httpApiEvent("GET", good, body, false)).get("statusCode").asInt())
        .isEqualTo(405);
    byte[] other = bytes("{\"action\":\"queued\"}");
    assertThat(invoke(restEvent("POST", good, other, false)).get("statusCode").asInt())
        .as("signature over another body")
        .isEqualTo(401);
    Map<String, String> xml = WebhookFixtures.headers(SECRET, "workflow_job", body, "text/xml");
    assertThat(invoke(httpApiEvent("POST", xml, body, true)).get("statusCode").asInt())
        .isEqualTo(415);
    assertThat(queue.messages()).isEmpty();
  }

  // --- events as API Gateway sends them ---------------------------------------------------------

  static final String JSON_TYPE = "application/json";
  static final String FORM_TYPE = "application/x-www-form-urlencoded";

  /** A REST API (payload 1.0) event: header names as sent, plus their multi-value copy. */
  static byte[] restEvent(String method, Map<String, String> headers, byte[] body, boolean base64) {
    ObjectNode event = JSON.createObjectNode();
    event.put("version", "1.0");
    event.put("resource", "/webhook");
    event.put("path", "/prod/webhook");
    event.put("httpMethod", method);
    ObjectNode single = event.putObject("headers");
    ObjectNode multi = event.putObject("multiValueHeaders");
    headers.forEach(
        (name, value) -> {
          single.put(name, value);
          multi.putArray(name).add(value);
        });
    event.putNull("queryStringParameters");
    event.putNull("multiValueQueryStringParameters");
    ObjectNode context = event.putObject("requestContext");
    context.put("accountId", "123456789012");
    context.put("apiId", "id");
    context.put("domainName", "id.execute-api.us-east-1.amazonaws.com");
    context.put("httpMethod", method);
    context.putObject("identity").put("sourceIp", "192.30.252.1").put("userAgent", "GitHub");
    context.put("path", "/prod/webhook");
    context.put("protocol", "HTTP/1.1");
    context.put("requestId", "id=");
    context.put("requestTimeEpoch", 1583798639428L);
    context.put("resourcePath", "/webhook");
    context.put("stage", "prod");
    event.putNull("pathParameters");
    event.putNull("stageVariables");
    putBody(event, body, base64);
    return write(event);
  }

  /** An HTTP API or function URL (payload 2.0) event: header names in lower case. */
  static byte[] httpApiEvent(
      String method, Map<String, String> headers, byte[] body, boolean base64) {
    ObjectNode event = JSON.createObjectNode();
    event.put("version", "2.0");
    event.put("routeKey", "$default");
    event.put("rawPath", "/webhook");
    event.put("rawQueryString", "");
    event.putArray("cookies");
    ObjectNode lowerCase = event.putObject("headers");
    Map<String, String> combined = new LinkedHashMap<>();
    headers.forEach(
        (name, value) ->
            combined.merge(name.toLowerCase(Locale.ROOT), value, (a, b) -> a + "," + b));
    combined.forEach(lowerCase::put);
    ObjectNode context = event.putObject("requestContext");
    context.put("accountId", "123456789012");
    context.put("apiId", "api-id");
    context.put("domainName", "id.execute-api.us-east-1.amazonaws.com");
    context.put("domainPrefix", "id");
    context
        .putObject("http")
        .put("method", method)
        .put("path", "/webhook")
        .put("protocol", "HTTP/1.1")
        .put("sourceIp", "192.30.252.1")
        .put("userAgent", "GitHub-Hookshot/ab12cd3");
    context.put("requestId", "id");
    context.put("routeKey", "$default");
    context.put("stage", "$default");
    context.put("timeEpoch", 1583348638390L);
    putBody(event, body, base64);
    event.putObject("pathParameters");
    event.putObject("stageVariables");
    return write(event);
  }

  private static void putBody(ObjectNode event, byte[] body, boolean base64) {
    event.put(
        "body",
        base64
            ? Base64.getEncoder().encodeToString(body)
            : new String(body, StandardCharsets.UTF_8));
    event.put("isBase64Encoded", base64);
  }

  private JsonNode invoke(byte[] event) throws IOException {
    HttpResponse response = service.handle(read(event));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ApiGatewayEvents.write(response, out);
    return JSON.readTree(out.toByteArray());
  }

  static HttpRequest read(byte[] event) throws IOException {
    return ApiGatewayEvents.read(new ByteArrayInputStream(event));
  }

  /** GitHub's queued example for {@link #REPO}, whose labels are [self-hosted, k8s]. */
  static byte[] queued() {
    return WebhookFixtures.of("workflow_job").stream()
        .filter(e -> "queued".equals(e.action()))
        .filter(e -> e.json().at("/repository/full_name").asText().equals(REPO))
        .findFirst()
        .orElseThrow()
        .body();
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] write(JsonNode json) {
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
