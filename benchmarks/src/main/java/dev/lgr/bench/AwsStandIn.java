package dev.lgr.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback endpoint for the cold-start benchmark that answers, at once, the two AWS calls the
 * webhook function makes on its first delivery: Secrets Manager {@code GetSecretValue} (with {@link
 * BenchSettings#SECRET}) and SQS {@code SendMessage} (a message id and the body's MD5, which the
 * SDK checks). Both speak the AWS JSON protocol the SDK v2 clients use. It keeps nothing; it exists
 * so that the benchmark measures the function's work, not the network or a service.
 *
 * <p>The product's tests use moto server instead, a real stand-in; it answers in milliseconds,
 * which is too slow for a figure in which every millisecond counts. {@code AwsStandInTest} checks
 * that the SDK clients, built as the function builds them, accept these answers.
 *
 * <p>Usage: {@code AwsStandIn [port]} (0 or none: any free port). Prints {@code port=N} when ready;
 * {@code GET /lgr-bench/stats} answers how many calls of each kind it served.
 */
public final class AwsStandIn {
  /** Where the container credentials are served. */
  public static final String CREDENTIALS_PATH = "/lgr-bench/credentials";

  /** The authorization token the credentials endpoint expects. */
  public static final String CREDENTIALS_TOKEN = "lgr-bench-container-token";

  private static final JsonFactory JSON = new JsonFactory();

  private final HttpServer server;
  private final AtomicLong sendMessage = new AtomicLong();
  private final AtomicLong getSecretValue = new AtomicLong();
  private final AtomicLong credentials = new AtomicLong();
  private final AtomicLong other = new AtomicLong();

  private AwsStandIn(int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(2));
  }

  /** Starts a stand-in on a free loopback port. */
  public static AwsStandIn start() throws IOException {
    AwsStandIn standIn = new AwsStandIn(0);
    standIn.server.start();
    return standIn;
  }

  /** The base URL to give the SDK ({@code AWS_ENDPOINT_URL} or an endpoint override). */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** How many {@code SendMessage} calls it answered. */
  public long sendMessageCalls() {
    return sendMessage.get();
  }

  /** How many {@code GetSecretValue} calls it answered. */
  public long getSecretValueCalls() {
    return getSecretValue.get();
  }

  /** How many times it served container credentials. */
  public long credentialsCalls() {
    return credentials.get();
  }

  public void stop() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  public static void main(String[] args) throws IOException {
    AwsStandIn standIn = new AwsStandIn(args.length > 0 ? Integer.parseInt(args[0]) : 0);
    standIn.server.start();
    System.out.println("port=" + standIn.server.getAddress().getPort());
    System.out.flush();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] request = readAll(exchange.getRequestBody());
      if (exchange.getRequestMethod().equals("GET")
          && exchange.getRequestURI().getPath().equals("/lgr-bench/stats")) {
        answer(
            exchange,
            200,
            "text/plain",
            ("SendMessage="
                    + sendMessage.get()
                    + " GetSecretValue="
                    + getSecretValue.get()
                    + " credentials="
                    + credentials.get()
                    + " other="
                    + other.get()
                    + "\n")
                .getBytes(StandardCharsets.UTF_8));
        return;
      }
      if (exchange.getRequestMethod().equals("GET")
          && exchange.getRequestURI().getPath().equals(CREDENTIALS_PATH)) {
        if (!CREDENTIALS_TOKEN.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
          other.incrementAndGet();
          answer(exchange, 401, "application/json", json("message", "bad token"));
          return;
        }
        credentials.incrementAndGet();
        answer(
            exchange,
            200,
            "application/json",
            json(
                "AccessKeyId",
                "BENCHSESSIONKEYID000",
                "SecretAccessKey",
                "bench-container-secret-key",
                "Token",
                "bench-container-session-token",
                "Expiration",
                Instant.now()
                    .plus(Duration.ofHours(6))
                    .truncatedTo(ChronoUnit.SECONDS)
                    .toString()));
        return;
      }
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      Map<String, String> fields = stringFields(request);
      if ("AmazonSQS.SendMessage".equals(target) && fields.containsKey("MessageBody")) {
        sendMessage.incrementAndGet();
        answer(
            exchange,
            200,
            "application/x-amz-json-1.0",
            json(
                "MD5OfMessageBody",
                md5Hex(fields.get("MessageBody")),
                "MessageId",
                UUID.randomUUID().toString(),
                "SequenceNumber",
                "18889012345678901234"));
      } else if ("secretsmanager.GetSecretValue".equals(target)) {
        getSecretValue.incrementAndGet();
        String arn = fields.getOrDefault("SecretId", "unknown");
        answer(
            exchange,
            200,
            "application/x-amz-json-1.1",
            json(
                "ARN",
                arn,
                "Name",
                arn.substring(arn.lastIndexOf(':') + 1),
                "SecretString",
                BenchSettings.SECRET,
                "VersionId",
                "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"));
      } else {
        other.incrementAndGet();
        answer(
            exchange,
            400,
            "application/x-amz-json-1.0",
            json(
                "__type",
                "com.amazon.coral.service#UnknownOperationException",
                "message",
                "the benchmark stand-in answers SendMessage and GetSecretValue only, not "
                    + target));
      }
    }
  }

  private static void answer(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** The top-level string fields of a JSON request. */
  private static Map<String, String> stringFields(byte[] request) throws IOException {
    Map<String, String> fields = new HashMap<>();
    if (request.length == 0) {
      return fields;
    }
    try (JsonParser p = JSON.createParser(request)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return fields;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (p.nextToken() == JsonToken.VALUE_STRING) {
          fields.put(name, p.getText());
        } else {
          p.skipChildren();
        }
      }
    }
    return fields;
  }

  private static byte[] json(String... keysAndValues) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      for (int i = 0; i < keysAndValues.length; i += 2) {
        g.writeStringField(keysAndValues[i], keysAndValues[i + 1]);
      }
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private static String md5Hex(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(32);
      for (byte b : digest) {
        hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }
}
