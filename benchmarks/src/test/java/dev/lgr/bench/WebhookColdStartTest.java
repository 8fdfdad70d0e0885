package dev.lgr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold-start program works as the script runs it (a new JVM, the function's settings in the
 * environment, the AWS stand-in on loopback): one delivery dispatched, one secret read and one
 * message sent, and the SnapStart priming sends nothing. Nothing here is timed.
 */
class WebhookColdStartTest {
  @TempDir Path folder;
  private AwsStandIn standIn;

  @BeforeEach
  void setUp() throws Exception {
    BenchDelivery.main(new String[] {folder.toString()});
    standIn = AwsStandIn.start();
  }

  @AfterEach
  void tearDown() {
    standIn.stop();
  }

  @Test
  void withAccessKeysInTheEnvironment_dispatchesTheDelivery() throws Exception {
    Result result =
        run(Map.of("AWS_ACCESS_KEY_ID", "BENCHEXAMPLEKEYID000", "AWS_SECRET_ACCESS_KEY", "bench"));

    assertThat(result.exit).as(result.output).isZero();
    assertThat(result.output)
        .contains("cold main_epoch_ms=")
        .contains("\"decision\":\"dispatched\"");
    assertThat(standIn.getSecretValueCalls()).isEqualTo(1);
    assertThat(standIn.sendMessageCalls()).isEqualTo(1);
    assertThat(standIn.credentialsCalls()).isZero();
  }

  @Test
  void asUnderSnapStart_containerCredentials_primingSendsNothing() throws Exception {
    Result result =
        run(
            Map.of(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                standIn.endpoint() + AwsStandIn.CREDENTIALS_PATH,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                AwsStandIn.CREDENTIALS_TOKEN),
            "--primed");

    assertThat(result.exit).as(result.output).isZero();
    assertThat(result.output).doesNotContain("not primed");
    assertThat(standIn.getSecretValueCalls()).isEqualTo(1);
    assertThat(standIn.sendMessageCalls()).isEqualTo(1);
    assertThat(standIn.credentialsCalls()).isGreaterThanOrEqualTo(1);
  }

  private record Result(int exit, String output) {}

  private Result run(Map<String, String> credentials, String... extra) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(WebhookColdStart.class.getName());
    command.add(folder.resolve("event.json").toString());
    command.addAll(List.of(extra));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("AWS_") || name.contains("JAVA_OPTIONS"));
    env.putAll(BenchSettings.FUNCTION_ENV);
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ENDPOINT_URL", standIn.endpoint());
    env.put("AWS_CONFIG_FILE", folder.resolve("no-aws-config").toString());
    env.put("AWS_SHARED_CREDENTIALS_FILE", folder.resolve("no-aws-credentials").toString());
    env.putAll(credentials);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return new Result(process.exitValue(), output);
  }
}
