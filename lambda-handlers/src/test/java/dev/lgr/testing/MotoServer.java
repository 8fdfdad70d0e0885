package dev.lgr.testing;

import dev.lgr.aws.AwsClients;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The AWS stand-in for integration tests: moto server on loopback. Uses the one at {@code
 * LGR_TEST_MOTO_URL} when set (as {@code .ci/run} does), else starts one once per test JVM and
 * stops it when the JVM ends. Tests isolate themselves by unique resource names ({@link #unique}),
 * so one server serves them all.
 *
 * <p>The server started is moto with lgr's test-only patches: {@code moto/lgr_moto_server.py} (a
 * test resource, copied from the class path to a temporary file) imports moto, closes the
 * CloudFormation gaps lgr's deploy hits (listed in its header) and runs moto's own server, with the
 * same arguments as {@code python3 -m moto.server}. {@link MotoLauncherIT} checks that it still
 * does.
 */
public final class MotoServer {
  public static final Region REGION = Region.US_EAST_1;
  public static final String ACCESS_KEY = "testing";
  public static final String SECRET_KEY = "testing";

  /** The launcher, on the class path (test resources). */
  static final String LAUNCHER = "/moto/lgr_moto_server.py";

  private static URI endpoint;

  private MotoServer() {}

  /** The server's base URL, starting one if needed. */
  public static synchronized URI endpoint() {
    if (endpoint == null) {
      String url = System.getenv("LGR_TEST_MOTO_URL");
      endpoint = url != null && !url.isBlank() ? URI.create(url) : start();
    }
    return endpoint;
  }

  /** Static credentials moto accepts. */
  public static AwsCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
  }

  /** Clients for moto, built as the handlers build theirs. */
  public static AwsClients clients() {
    return new AwsClients(REGION, credentials(), endpoint());
  }

  /**
   * A new FIFO queue (as the template's jobs queue) with a name no other test uses.
   *
   * @param attributes more attributes (e.g. a visibility timeout), besides FIFO
   * @return its URL
   */
  public static String fifoQueue(
      software.amazon.awssdk.services.sqs.SqsClient sqs,
      String prefix,
      java.util.Map<software.amazon.awssdk.services.sqs.model.QueueAttributeName, String>
          attributes) {
    var all =
        new java.util.HashMap<software.amazon.awssdk.services.sqs.model.QueueAttributeName, String>(
            attributes);
    all.put(software.amazon.awssdk.services.sqs.model.QueueAttributeName.FIFO_QUEUE, "true");
    return sqs.createQueue(b -> b.queueName(unique(prefix) + ".fifo").attributes(all)).queueUrl();
  }

  /** A resource name no other test uses. */
  public static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static URI start() {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port for moto server", e);
    }
    Process process;
    File log;
    try {
      File launcher = launcher();
      log = File.createTempFile("lgr-moto-", ".log");
      process =
          new ProcessBuilder(
                  "python3", launcher.getPath(), "-H", "127.0.0.1", "-p", String.valueOf(port))
              .redirectErrorStream(true)
              .redirectOutput(log)
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start moto server (python3 " + LAUNCHER + "): " + e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
    URI base = URI.create("http://127.0.0.1:" + port);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "moto server exited at once: the integration tests need it;"
                + " install it with pip install 'moto[server]'. Its log ("
                + log
                + "):\n"
                + read(log));
      }
      try {
        HttpURLConnection connection =
            (HttpURLConnection) base.resolve("/moto-api/").toURL().openConnection();
        connection.setConnectTimeout(500);
        if (connection.getResponseCode() == 200) {
          reportPatchWarnings(log);
          return base;
        }
      } catch (IOException notYet) {
        // still starting
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for moto server", e);
      }
    }
    process.destroy();
    throw new IllegalStateException(
        "moto server did not answer within 30 s on " + base + "; its log:\n" + read(log));
  }

  /** The launcher copied out of the class path (it may be inside a jar) to a temporary file. */
  private static File launcher() throws IOException {
    try (InputStream in = MotoServer.class.getResourceAsStream(LAUNCHER)) {
      if (in == null) {
        throw new IOException(LAUNCHER + " is not on the class path");
      }
      Path file = Files.createTempFile("lgr_moto_server", ".py");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      return file.toFile();
    }
  }

  /** A patch the launcher could not apply (another moto version) is worth seeing in the build. */
  private static void reportPatchWarnings(File log) {
    read(log)
        .lines()
        .filter(line -> line.startsWith("lgr_moto_server: WARNING"))
        .forEach(line -> System.err.println("[moto] " + line));
  }

  private static String read(File log) {
    try {
      return Files.readString(log.toPath(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
