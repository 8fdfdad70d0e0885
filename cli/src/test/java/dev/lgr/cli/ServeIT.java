package dev.lgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.testing.MotoServer;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.WebhookFixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** {@code lgr serve} as a user runs it: the installed jar, over HTTP, against moto's SQS. */
class ServeIT {
  static {
    // failsafe points the JVM's trust store at the test registry's, and the JVM's default TLS
    // context (which HttpClient builds) needs it to exist, also when ServeIT runs alone.
    try {
      dev.lgr.testing.RegistryServer.ensureTrustStore();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final String REPO = "lineville/elastic-machines-testing";
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SqsClient sqs = MotoServer.clients().sqs();
  private final HttpClient http = HttpClient.newHttpClient();
  private final BlockingQueue<String> stderr = new LinkedBlockingQueue<>();
  private final List<String> stderrSeen = new ArrayList<>();
  @TempDir Path home;
  private String queueUrl;
  private Path secretFile;
  private Process serve;
  private Thread reader;
  private URI url;

  @BeforeEach
  void start() throws Exception {
    queueUrl = MotoServer.fifoQueue(sqs, "lgr-serve", Map.of());
    secretFile = home.resolve("webhook-secret");
    Files.writeString(secretFile, "first-secret\n");
    startServe(List.of("--webhook-secret-file", secretFile.toString()), Map.of());
  }

  /** Starts {@code lgr serve} on a free port with these secret options and environment values. */
  private void startServe(List<String> secretArgs, Map<String, String> extraEnv) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                javaBin(),
                "-jar",
                System.getProperty("lgr.jar", "target/lgr.jar"),
                "serve",
                "--port",
                "0",
                "--labels",
                "self-hosted,K8S",
                "--repo",
                REPO,
                "--jobs-queue-url",
                queueUrl));
    command.addAll(secretArgs);
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("LGR_"));
    env.put("HOME", home.toString());
    env.put("AWS_ENDPOINT_URL", MotoServer.endpoint().toString());
    env.put("AWS_REGION", MotoServer.REGION.id());
    env.put("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY);
    env.putAll(extraEnv);
    stderr.clear();
    stderrSeen.clear();
    serve = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Process started = serve;
    reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(started.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  stderr.add(line);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    url = URI.create(awaitLine(LISTENING).group(1));
  }

  @AfterEach
  void stop() throws Exception {
    if (serve.isAlive()) {
      serve.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    sqs.deleteQueue(b -> b.queueUrl(queueUrl));
  }

  @Test
  void serve_queuedJob_putsOneMessageOnTheQueue_andLogsOneLine() throws Exception {
    byte[] body = queuedExample();

    HttpResponse<String> response = post(body, "first-secret", "application/json", "d-1");

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(JSON.readTree(response.body()).get("decision").asText()).isEqualTo("dispatched");
    List<Message> messages = receiveAll();
    assertThat(messages).hasSize(1);
    assertThat(JobRequest.fromJson(messages.get(0).body()).jobId()).isEqualTo(12877621891L);
    String log = awaitLine(Pattern.compile(".*\"delivery\":\"d-1\".*")).group();
    assertThat(JSON.readTree(log).get("decision").asText()).isEqualTo("dispatched");
    assertThat(log)
        .doesNotContain("first-secret")
        .doesNotContain("elastic-machines-testing\",\"html_url");
  }

  @Test
  void serve_duplicateAndFormEncodedDeliveries_startOneRunner() throws Exception {
    byte[] body = queuedExample();

    assertThat(post(body, "first-secret", "application/json", "d-1").statusCode()).isEqualTo(202);
    assertThat(post(body, "first-secret", "application/json", "d-2").statusCode()).isEqualTo(202);
    byte[] form = WebhookFixtures.formEncoded(body);
    assertThat(post(form, "first-secret", "application/x-www-form-urlencoded", "d-3").statusCode())
        .isEqualTo(202);

    assertThat(receiveAll()).hasSize(1);
  }

  @Test
  void serve_rotatedSecretFile_isPickedUpWithoutRestart() throws Exception {
    byte[] ping = WebhookFixtures.of("ping").get(0).body();
    assertThat(post(ping, "first-secret", "application/json", "p-1").statusCode()).isEqualTo(200);

    Files.writeString(secretFile, "second-secret\n");
    Thread.sleep(Serve.SECRET_REFRESH_INTERVAL.toMillis() + 100);

    assertThat(post(queuedExample(), "second-secret", "application/json", "d-2").statusCode())
        .isEqualTo(202);
    assertThat(receiveAll()).hasSize(1);
    assertThat(post(ping, "first-secret", "application/json", "p-3").statusCode()).isEqualTo(401);
  }

  @Test
  void serve_secretFromTheEnvironment_verifiesDeliveries() throws Exception {
    serve.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    startServe(List.of(), Map.of("LGR_WEBHOOK_SECRET", "env-secret"));

    assertThat(post(queuedExample(), "env-secret", "application/json", "d-1").statusCode())
        .isEqualTo(202);
    assertThat(post(queuedExample(), "first-secret", "application/json", "d-2").statusCode())
        .isEqualTo(401);
    assertThat(receiveAll()).hasSize(1);
  }

  @Test
  void serve_badSignatureAndOtherPaths_areRejectedWithoutAMessage() throws Exception {
    assertThat(post(queuedExample(), "wrong", "application/json", "d-1").statusCode())
        .isEqualTo(401);
    HttpResponse<String> other =
        http.send(
            java.net.http.HttpRequest.newBuilder(url.resolve("/elsewhere"))
                .POST(BodyPublishers.ofString("{}"))
                .build(),
            BodyHandlers.ofString());
    assertThat(other.statusCode()).isEqualTo(404);
    HttpResponse<String> get =
        http.send(java.net.http.HttpRequest.newBuilder(url).GET().build(), BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(receiveAll()).isEmpty();
  }

  @Test
  void serve_stopsCleanlyOnInterrupt() throws Exception {
    // Ctrl-C is SIGINT. (Process.destroy() would also close our end of its stderr.)
    new ProcessBuilder("kill", "-INT", Long.toString(serve.pid())).start().waitFor();

    assertThat(serve.waitFor(15, TimeUnit.SECONDS)).isTrue();
    assertThat(serve.exitValue()).isEqualTo(128 + 2); // terminated by SIGINT, after cleanup
    awaitLine(Pattern.compile("lgr serve: stopped"));
  }

  private HttpResponse<String> post(byte[] body, String secret, String contentType, String delivery)
      throws Exception {
    java.net.http.HttpRequest.Builder request =
        java.net.http.HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(30))
            .POST(BodyPublishers.ofByteArray(body));
    WebhookFixtures.headers(
            secret, delivery.startsWith("p") ? "ping" : "workflow_job", body, contentType)
        .forEach(
            (name, value) -> {
              if (!name.equals("X-GitHub-Delivery") && !name.equals("User-Agent")) {
                request.header(name, value);
              }
            });
    request.header("X-GitHub-Delivery", delivery);
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private static byte[] queuedExample() {
    return WebhookFixtures.of("workflow_job").stream()
        .filter(e -> "queued".equals(e.action()))
        .filter(e -> e.json().at("/repository/full_name").asText().equals(REPO))
        .findFirst()
        .orElseThrow()
        .body();
  }

  private Matcher awaitLine(Pattern pattern) throws InterruptedException {
    for (String seen : stderrSeen) {
      Matcher matcher = pattern.matcher(seen);
      if (matcher.find()) {
        return matcher;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String line = stderr.poll(100, TimeUnit.MILLISECONDS);
      if (line == null) {
        if (!serve.isAlive()) {
          reader.join(TimeUnit.SECONDS.toMillis(5));
          if (stderr.isEmpty()) {
            break;
          }
        }
        continue;
      }
      stderrSeen.add(line);
      Matcher matcher = pattern.matcher(line);
      if (matcher.find()) {
        return matcher;
      }
    }
    throw new AssertionError(
        "lgr serve never printed "
            + pattern
            + "; it printed: "
            + stderrSeen
            + (serve.isAlive() ? "" : "; exit " + serve.exitValue()));
  }

  private List<Message> receiveAll() {
    List<Message> all = new ArrayList<>();
    while (true) {
      List<Message> batch =
          sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)).messages();
      if (batch.isEmpty()) {
        return all;
      }
      all.addAll(batch);
      for (Message m : batch) {
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
      }
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
