package dev.lgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.testing.GitHubStandIn;
import dev.lgr.testing.MotoServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code lgr deploy} as a user runs it (the installed jar, a fresh HOME, no terminal), against
 * CloudFormation, S3 and Secrets Manager on moto server and GitHub played by {@link GitHubStandIn}.
 * The runner image is given by digest ({@code --image}): building it is the image service's tests'
 * business.
 */
class DeployIT {
  private static final String REPO = "octo/app";
  private static final String IMAGE =
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/lgr-runner@sha256:"
          + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  private static GitHubStandIn github;
  private static final String TOKEN =
      "fake-gh-token-" + UUID.randomUUID().toString().replace("-", "");
  private static final String READ_ONLY_TOKEN =
      "fake-gh-token-ro" + UUID.randomUUID().toString().replace("-", "");

  private final CloudFormationClient cloudFormation =
      CloudFormationClient.builder()
          .region(MotoServer.REGION)
          .credentialsProvider(MotoServer.credentials())
          .endpointOverride(MotoServer.endpoint())
          .build();
  private final SecretsManagerClient secrets = MotoServer.clients().secretsManager();

  @TempDir Path home;

  @BeforeAll
  static void startGitHub() {
    github = GitHubStandIn.start().repo(REPO).token(TOKEN).token(READ_ONLY_TOKEN, false);
  }

  @AfterAll
  static void stopGitHub() {
    github.close();
  }

  record Run(int exit, String out, String err) {}

  private Run lgr(String token, String... args) throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("lgr.jar", "target/lgr.jar")));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    Map<String, String> env = builder.environment();
    env.keySet()
        .removeIf(k -> k.startsWith("AWS_") || k.startsWith("GH_") || k.startsWith("GITHUB_"));
    env.put("HOME", home.toString());
    env.put("AWS_ENDPOINT_URL", MotoServer.endpoint().toString());
    env.put("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY);
    env.put("AWS_REGION", MotoServer.REGION.id());
    env.put("GITHUB_API_URL", github.baseUrl().toString());
    env.put("GH_TOKEN", token);
    Path out = home.resolve("out-" + UUID.randomUUID());
    Path err = home.resolve("err-" + UUID.randomUUID());
    Process process =
        builder
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("lgr deploy did not finish in 5 minutes: " + Files.readString(err));
    }
    return new Run(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void deploy_fromNothing_thenAgain_changesNothingTheSecondTime() throws Exception {
    String stack = MotoServer.unique("lgr");

    Run first = lgr(TOKEN, "deploy", "--repo", REPO, "--stack", stack, "--image", IMAGE, "--yes");

    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.err())
        .contains("[1/9] GitHub access", "[6/9] Main stack", "[9/9] Ping")
        .contains("+ Add")
        .contains("Ready: jobs with runs-on: [self-hosted, lambda]");
    String webhookUrl = first.out().strip();
    assertThat(webhookUrl).startsWith("https://").endsWith("/webhook");
    assertThat(cloudFormation.describeStacks(b -> b.stackName(stack)).stacks().get(0).stackStatus())
        .isEqualTo(StackStatus.CREATE_COMPLETE);

    String webhookSecret =
        secrets.getSecretValue(b -> b.secretId("lgr/" + stack + "/webhook-secret")).secretString();
    assertThat(
            secrets
                .getSecretValue(b -> b.secretId("lgr/" + stack + "/github-credential"))
                .secretString())
        .isEqualTo(TOKEN);
    List<GitHubStandIn.Hook> hooks =
        github.hooks(REPO).stream().filter(h -> h.url().equals(webhookUrl)).toList();
    assertThat(hooks).hasSize(1);
    assertThat(hooks.get(0).events()).containsExactly("workflow_job");
    assertThat(hooks.get(0).config()).containsEntry("content_type", "json");
    assertThat(hooks.get(0).secret()).isEqualTo(webhookSecret);
    assertThat(github.runner("DEFAULT-LAMBDA-DO-NOT-REMOVE")).isPresent();
    assertThat(first.out() + first.err()).doesNotContain(TOKEN).doesNotContain(webhookSecret);

    Run second = lgr(TOKEN, "deploy", "--repo", REPO, "--stack", stack, "--image", IMAGE, "--yes");

    assertThat(second.exit()).as(second.err()).isZero();
    assertThat(second.err()).contains("No changes");
    assertThat(second.out().strip()).isEqualTo(webhookUrl);
    assertThat(github.hooks(REPO).stream().filter(h -> h.url().equals(webhookUrl))).hasSize(1);
    assertThat(
            secrets
                .getSecretValue(b -> b.secretId("lgr/" + stack + "/webhook-secret"))
                .secretString())
        .as("the webhook secret is kept across deploys")
        .isEqualTo(webhookSecret);
    assertThat(github.violations()).isEmpty();
  }

  @Test
  void pruneRunnersReconcile_runsTheReconcilerWithTheStacksQueueAndSettings() throws Exception {
    String stack = MotoServer.unique("lgr");
    Run deployed =
        lgr(TOKEN, "deploy", "--repo", REPO, "--stack", stack, "--image", IMAGE, "--yes");
    assertThat(deployed.exit()).as(deployed.err()).isZero();
    List<String> labels = List.of("self-hosted", "lambda");
    github.putJob(REPO, 777_001, 888_001, labels); // its webhook was lost 10 minutes ago
    github.backdateJob(777_001, java.time.Duration.ofMinutes(10));
    github.putJob(REPO, 777_002, 888_002, labels); // done an hour ago; its runner leaked
    github.backdateJob(777_002, java.time.Duration.ofHours(1));
    github.setJobStatus(777_002, "completed", "success");
    github.addRunner(REPO, "lgr-777002-abcdef", labels);

    Run run = lgr(TOKEN, "prune-runners", "--reconcile", "--stack", stack, "--output", "json");

    assertThat(run.exit()).as(run.err()).isZero();
    com.fasterxml.jackson.databind.JsonNode report =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out());
    assertThat(report.path("stack").asText()).isEqualTo(stack);
    assertThat(report.path("jobs_enqueued").asInt()).isEqualTo(1);
    assertThat(report.path("runners_removed").asInt()).isEqualTo(1);
    assertThat(report.path("errors")).isEmpty();
    assertThat(github.runner("lgr-777002-abcdef")).isEmpty();
    // (moto's event source mapping takes the message off the queue at once, so the report says it)
    assertThat(report.path("actions").toString()).contains("enqueued octo/app job 777001");
    assertThat(run.out() + run.err()).doesNotContain(TOKEN);

    Run misused = lgr(TOKEN, "prune-runners", "--reconcile", "--repo", REPO);
    assertThat(misused.exit()).isEqualTo(2);
    assertThat(misused.err()).contains("--repo does not go with --reconcile");
    Run absent = lgr(TOKEN, "prune-runners", "--reconcile", "--stack", stack + "-absent");
    assertThat(absent.exit()).isEqualTo(3);
    assertThat(absent.err()).contains("does not exist: run lgr deploy");
    github.setJobStatus(777_001, "completed", "cancelled");
    assertThat(github.violations()).isEmpty();
  }

  @Test
  void deploy_withoutTerminalOrYes_exits3_andLeavesNoStack() throws Exception {
    String stack = MotoServer.unique("lgr");

    Run run = lgr(TOKEN, "deploy", "--repo", REPO, "--stack", stack, "--image", IMAGE);

    assertThat(run.exit()).as(run.err()).isEqualTo(3);
    assertThat(run.err()).contains("pass --yes");
    assertThat(
            cloudFormation.listStacks().stackSummaries().stream()
                .filter(s -> s.stackName().equals(stack))
                .filter(s -> s.stackStatus() != StackStatus.DELETE_COMPLETE))
        .as("the change set and its empty stack are removed")
        .isEmpty();
  }

  @Test
  void deploy_withATokenThatCannotAdminister_stopsBeforeTouchingAws() throws Exception {
    String stack = MotoServer.unique("lgr");

    Run run =
        lgr(READ_ONLY_TOKEN, "deploy", "--repo", REPO, "--stack", stack, "--image", IMAGE, "--yes");

    assertThat(run.exit()).as(run.err()).isEqualTo(3);
    assertThat(run.err()).contains("admin");
    assertThat(secrets.listSecrets().secretList()).noneMatch(s -> s.name().contains(stack));
    assertThat(run.err()).doesNotContain(READ_ONLY_TOKEN);
  }

  @Test
  void deploy_badSettings_exit2_namingEachOne() throws Exception {
    Run run = lgr(TOKEN, "deploy", "--repo", "not-a-repo", "--memory", "64", "--yes");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err())
        .contains("--repo/repositories: 'not-a-repo' is not owner/name")
        .contains("--memory/runner.memory");
  }

  @Test
  void destroy_removesWhatDeployMade_andSaysWhatWasAlreadyGoneTheSecondTime() throws Exception {
    String stack = MotoServer.unique("lgr");
    Run deployed =
        lgr(TOKEN, "deploy", "--repo", REPO, "--stack", stack, "--image", IMAGE, "--yes");
    assertThat(deployed.exit()).as(deployed.err()).isZero();
    String webhookUrl = deployed.out().strip();

    Run status = lgr(TOKEN, "status", "--stack", stack, "--output", "json");
    assertThat(status.exit()).as(status.err() + status.out()).isZero();
    com.fasterxml.jackson.databind.JsonNode doc =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.out());
    assertThat(doc.path("healthy").asBoolean()).isTrue();
    assertThat(doc.path("verdict").asText()).isEqualTo("ok");
    assertThat(doc.at("/queues/dead_letter_messages").asLong()).isZero();
    assertThat(doc.at("/runners/0/placeholder").asBoolean()).isTrue();
    assertThat(doc.at("/webhooks/0/found").asBoolean()).isTrue();
    assertThat(doc.at("/webhooks/0/active").asBoolean()).isTrue();
    assertThat(doc.at("/webhooks/0/events/0").asText()).isEqualTo("workflow_job");
    assertThat(doc.at("/stacks/" + stack + "/outputs/WebhookUrl").asText()).isEqualTo(webhookUrl);
    Run text = lgr(TOKEN, "status", "--stack", stack);
    assertThat(text.out()).contains("Verdict: ok").contains("Webhook on octo/app: active");

    Run refused = lgr(TOKEN, "destroy", "--stack", stack);
    assertThat(refused.exit()).as(refused.err()).isEqualTo(3);
    assertThat(refused.err()).contains("pass --yes");
    assertThat(github.hooks(REPO)).anyMatch(h -> h.url().equals(webhookUrl));

    Run destroyed = lgr(TOKEN, "destroy", "--stack", stack, "--all", "--yes");

    assertThat(destroyed.exit()).as(destroyed.err()).isZero();
    assertThat(github.hooks(REPO)).noneMatch(h -> h.url().equals(webhookUrl));
    assertThat(github.runner("DEFAULT-LAMBDA-DO-NOT-REMOVE")).isEmpty();
    assertThat(
            cloudFormation.listStacks().stackSummaries().stream()
                .filter(s -> s.stackName().equals(stack) || s.stackName().equals("lgr-bootstrap"))
                .filter(s -> s.stackStatus() != StackStatus.DELETE_COMPLETE))
        .isEmpty();
    assertThat(destroyed.err()).contains("restorable for 7 days");
    assertThat(
            secrets
                .describeSecret(b -> b.secretId("lgr/" + stack + "/github-credential"))
                .deletedDate())
        .as("scheduled for deletion, with a recovery window")
        .isNotNull();
    assertThat(destroyed.out() + destroyed.err()).doesNotContain(TOKEN);

    Run gone = lgr(TOKEN, "status", "--stack", stack);
    assertThat(gone.exit()).isEqualTo(3);
    assertThat(gone.out()).contains("Verdict: stack " + stack + " does not exist: run lgr deploy");

    Run again = lgr(TOKEN, "destroy", "--stack", stack, "--all", "--yes");

    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.err()).contains("was already gone");
  }
}
