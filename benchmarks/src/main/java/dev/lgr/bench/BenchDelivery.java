package dev.lgr.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.webhook.WebhookFixtures;
import dev.lgr.webhook.WebhookSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The benchmark delivery: GitHub's real {@code workflow_job} {@code queued} example (the one with
 * labels {@code [self-hosted, k8s]}), padded to about 25 KB with more of the fields GitHub sends
 * ({@code repository.topics}, {@code repository.custom_properties}, objects in {@code sender}),
 * signed as GitHub signs it, and wrapped in the API Gateway REST event Lambda hands the function.
 *
 * <p>{@code main} writes the files the timed programs read, so that they need neither this class
 * nor jackson-databind: {@code body.json}, {@code headers.txt} ({@code name: value} lines), {@code
 * event.json} and {@code env.sh} (the function's settings, {@link BenchSettings#FUNCTION_ENV}).
 */
public final class BenchDelivery {
  /** What the padded body grows to (bytes of compact JSON); it stops at the first field past it. */
  public static final int TARGET_BYTES = 25 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DELIVERY_ID = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

  private final byte[] body;
  private final Map<String, String> headers;

  private BenchDelivery(byte[] body, Map<String, String> headers) {
    this.body = body;
    this.headers = headers;
  }

  /** Builds the padded, signed delivery (the same bytes every time). */
  public static BenchDelivery create() {
    JsonNode example =
        WebhookFixtures.of("workflow_job").stream()
            .filter(e -> "queued".equals(e.action()))
            .map(WebhookFixtures.Example::json)
            .filter(
                json -> BenchSettings.REPOSITORY.equals(json.at("/repository/full_name").asText()))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("GitHub's queued example is missing"));
    byte[] body = pad((ObjectNode) example.deepCopy());
    return new BenchDelivery(body, githubHeaders(body));
  }

  /** The exact body bytes GitHub would sign and send. */
  public byte[] body() {
    return body.clone();
  }

  /** The headers as API Gateway passes them on: GitHub's, then the ones API Gateway adds. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The API Gateway REST (payload 1.0) proxy event carrying this delivery. */
  public byte[] apiGatewayEvent() {
    ObjectNode event = JSON.createObjectNode();
    event.put("resource", "/webhook");
    event.put("path", "/webhook");
    event.put("httpMethod", "POST");
    ObjectNode single = event.putObject("headers");
    ObjectNode multi = event.putObject("multiValueHeaders");
    headers.forEach(
        (name, value) -> {
          single.put(name, value);
          multi.putArray(name).add(value);
        });
    event.putNull("queryStringParameters");
    event.putNull("multiValueQueryStringParameters");
    event.putNull("pathParameters");
    event.putNull("stageVariables");
    ObjectNode context = event.putObject("requestContext");
    context.put("resourceId", "a1b2c3");
    context.put("resourcePath", "/webhook");
    context.put("httpMethod", "POST");
    context.put("extendedRequestId", "Yx1abCDEoAMEb9w=");
    context.put("requestTime", "29/Nov/2026:04:40:12 +0000");
    context.put("path", "/prod/webhook");
    context.put("accountId", "123456789012");
    context.put("protocol", "HTTP/1.1");
    context.put("stage", "prod");
    context.put("domainPrefix", "abcdef1234");
    context.put("requestTimeEpoch", 1796013612000L);
    context.put("requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    ObjectNode identity = context.putObject("identity");
    identity.put("sourceIp", "140.82.115.61");
    identity.put("userAgent", headers.get("User-Agent"));
    context.put("domainName", "abcdef1234.execute-api.us-east-1.amazonaws.com");
    context.put("apiId", "abcdef1234");
    event.put("body", new String(body, StandardCharsets.UTF_8));
    event.put("isBase64Encoded", false);
    try {
      return JSON.writeValueAsBytes(event);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the files the timed programs read into {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: BenchDelivery <output folder>");
      System.exit(2);
    }
    Path out = Files.createDirectories(Path.of(args[0]));
    BenchDelivery delivery = create();
    Files.write(out.resolve("body.json"), delivery.body);
    StringBuilder headerLines = new StringBuilder();
    delivery.headers.forEach((n, v) -> headerLines.append(n).append(": ").append(v).append('\n'));
    Files.writeString(out.resolve("headers.txt"), headerLines);
    Files.write(out.resolve("event.json"), delivery.apiGatewayEvent());
    StringBuilder env = new StringBuilder();
    BenchSettings.FUNCTION_ENV.forEach(
        (n, v) -> env.append("export ").append(n).append("='").append(v).append("'\n"));
    Files.writeString(out.resolve("env.sh"), env);
    System.out.println(delivery.body.length);
  }

  private static byte[] pad(ObjectNode root) {
    ObjectNode repository = (ObjectNode) root.get("repository");
    ObjectNode sender = (ObjectNode) root.get("sender");
    ArrayNode topics =
        repository.get("topics") instanceof ArrayNode existing
            ? existing
            : repository.putArray("topics");
    ObjectNode properties =
        repository.get("custom_properties") instanceof ObjectNode existing
            ? existing
            : repository.putObject("custom_properties");
    for (int i = 0; size(root) < TARGET_BYTES; i++) {
      switch (i % 3) {
        case 0 -> topics.add("github-actions-topic-" + i);
        case 1 ->
            properties.put(
                "team_property_" + i, "platform-team/runners/lambda/" + i + "/cost-centre-4711");
        default -> {
          ObjectNode extra = sender.putObject("x_lgr_bench_" + i);
          extra.put("url", "https://api.github.com/users/lineville/extra/" + i);
          extra.put("id", 100000 + i);
          extra.put("node_id", "MDQ6VXNlcjE" + i);
          extra.putArray("scopes").add("repo").add("workflow").add("admin:org_hook");
        }
      }
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int size(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node).length;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> githubHeaders(byte[] body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "*/*");
    headers.put("Content-Type", "application/json");
    headers.put("Host", "abcdef1234.execute-api.us-east-1.amazonaws.com");
    headers.put("User-Agent", "GitHub-Hookshot/4d63832");
    headers.put("X-Amzn-Trace-Id", "Root=1-674941ac-5e6c1d6f1b2c3d4e5f607182");
    headers.put("X-Forwarded-For", "140.82.115.61");
    headers.put("X-Forwarded-Port", "443");
    headers.put("X-Forwarded-Proto", "https");
    headers.put("X-GitHub-Delivery", DELIVERY_ID);
    headers.put("X-GitHub-Event", "workflow_job");
    headers.put("X-GitHub-Hook-ID", "512345678");
    headers.put("X-GitHub-Hook-Installation-Target-ID", "123456789");
    headers.put("X-GitHub-Hook-Installation-Target-Type", "repository");
    headers.put("X-Hub-Signature", "sha1=" + hex(hmac("HmacSHA1", body)));
    headers.put(
        "X-Hub-Signature-256",
        WebhookSignature.sign(WebhookSignature.key(BenchSettings.SECRET), body));
    return headers;
  }

  private static byte[] hmac(String algorithm, byte[] body) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(WebhookSignature.key(BenchSettings.SECRET), algorithm));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }
}
