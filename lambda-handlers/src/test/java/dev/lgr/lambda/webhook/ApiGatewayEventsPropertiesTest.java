package dev.lgr.lambda.webhook;

import static dev.lgr.lambda.webhook.ApiGatewayEventsTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.webhook.BadRequestException;
import dev.lgr.webhook.HttpRequest;
import dev.lgr.webhook.HttpResponse;
import dev.lgr.webhook.WebhookFixtures;
import dev.lgr.webhook.WebhookFixtures.MemoryQueue;
import dev.lgr.webhook.WebhookFixtures.MemorySecret;
import dev.lgr.webhook.WebhookService;
import dev.lgr.webhook.WebhookSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated API Gateway events of both payload versions, well or badly formed: the handler's path
 * (read, handle, write) never fails, never answers 5xx, and dispatches only validly signed jobs.
 */
class ApiGatewayEventsPropertiesTest {
  /** One generated event. */
  record Event(byte[] json, String description) {
    @Override
    public String toString() {
      String text = new String(json, StandardCharsets.UTF_8);
      return description + " " + (text.length() <= 300 ? text : text.substring(0, 300) + "…");
    }
  }

  @Property(tries = 1_000)
  void anyEvent_getsA4xxOr2xxProxyResult_andOnlySignedJobsDispatch(@ForAll("events") Event event)
      throws IOException {
    MemoryQueue queue = new MemoryQueue();
    WebhookService service =
        new WebhookService(
            ApiGatewayEventsTest.RULES,
            new MemorySecret(ApiGatewayEventsTest.SECRET),
            queue,
            line -> {});

    HttpRequest request;
    HttpResponse response;
    try {
      request = ApiGatewayEventsTest.read(event.json());
      response = service.handle(request);
    } catch (BadRequestException e) {
      assertThat(e.status()).isEqualTo(400);
      return;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ApiGatewayEvents.write(response, out);
    JsonNode result = JSON.readTree(out.toByteArray());

    assertThat(result.get("statusCode").asInt()).isEqualTo(response.status()).isLessThan(500);
    assertThat(JSON.readTree(result.get("body").asText()).has("decision")).isTrue();
    boolean validlySigned =
        WebhookSignature.verify(
            WebhookSignature.key(ApiGatewayEventsTest.SECRET),
            request.body(),
            request.header("X-Hub-Signature-256"));
    if (!validlySigned) {
      assertThat(queue.messages()).isEmpty();
    }
    Statistics.label("outcome").collect(queue.messages().isEmpty() ? "no dispatch" : "dispatched");
    Statistics.label("outcome")
        .coverage(checker -> checker.check("dispatched").percentage(p -> p > 5));
  }

  @Provide
  Arbitrary<Event> events() {
    Arbitrary<byte[]> bodies =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.just(ApiGatewayEventsTest.queued())),
            Tuple.of(1, Arbitraries.of(WebhookFixtures.all()).map(e -> e.body())),
            Tuple.of(
                1,
                Arbitraries.strings()
                    .all()
                    .ofMaxLength(100)
                    .map(s -> s.getBytes(StandardCharsets.UTF_8))));
    Arbitrary<String> methods =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.just("POST")),
            Tuple.of(1, Arbitraries.of("GET", "post", "")),
            Tuple.of(1, Arbitraries.strings().ofMaxLength(8)));
    Arbitrary<Map<String, String>> extraHeaders =
        Arbitraries.maps(
                Arbitraries.strings().ofMaxLength(20), Arbitraries.strings().all().ofMaxLength(40))
            .ofMaxSize(3);
    return Combinators.combine(
            bodies,
            methods,
            Arbitraries.of("1.0", "2.0"),
            Arbitraries.integers().between(0, 5),
            Arbitraries.of(true, false),
            extraHeaders,
            Arbitraries.longs(),
            Arbitraries.strings().all().ofMaxLength(40))
        .as(
            (body, method, version, damage, signed, extra, seed, junk) -> {
              Random random = new Random(seed);
              String secret = signed ? ApiGatewayEventsTest.SECRET : "not-" + seed;
              Map<String, String> headers =
                  new HashMap<>(
                      WebhookFixtures.headers(secret, "workflow_job", body, "application/json"));
              extra.forEach(headers::putIfAbsent);
              headers = WebhookFixtures.recase(headers, seed);
              boolean base64 = random.nextBoolean();
              byte[] json =
                  version.equals("1.0")
                      ? ApiGatewayEventsTest.restEvent(method, headers, body, base64)
                      : ApiGatewayEventsTest.httpApiEvent(method, headers, body, base64);
              String description = version + (base64 ? " base64" : "") + " damage " + damage;
              if (damage > 0) {
                json = damage(json, damage, junk, random);
              }
              return new Event(json, description + (signed ? " signed" : " forged"));
            });
  }

  /** The event with one part broken: a wrong type, a wrong flag, junk, or cut short. */
  private static byte[] damage(byte[] json, int damage, String junk, Random random) {
    ObjectNode event;
    try {
      event = (ObjectNode) JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    switch (damage) {
      case 1 -> event.put("isBase64Encoded", !event.path("isBase64Encoded").asBoolean());
      case 2 ->
          event.put(
              List.of("headers", "requestContext", "body", "httpMethod", "multiValueHeaders")
                  .get(random.nextInt(5)),
              random.nextBoolean() ? junk : null);
      case 3 -> event.put("body", junk);
      case 4 -> event.putArray("headers").add(junk);
      default -> {
        return Arrays.copyOf(json, random.nextInt(json.length));
      }
    }
    return ApiGatewayEventsTest.write(event);
  }
}
