package dev.lgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The real command line, with captured output, for what needs no AWS. */
class LgrTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  @TempDir Path dir;

  private int run(String... args) {
    CommandLine cli = Lgr.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void version_printsTheProjectVersion() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("lgr ").doesNotContain("unknown").contains("Java ");
  }

  @Test
  void help_listsTheCommandsAndExitCodes() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: lgr")
        .contains("serve")
        .contains("Exit codes: 0 ok, 1 a remote operation failed, 2 bad usage or input");
  }

  @Test
  void serveHelp_teachesTheOptions() {
    assertThat(run("serve", "--help")).isZero();
    assertThat(out.toString())
        .contains("--jobs-queue-url")
        .contains("--webhook-secret-file")
        .contains("LGR_WEBHOOK_SECRET")
        .contains("--labels")
        .contains("--repo")
        .contains("--org")
        .contains("Example:");
  }

  @Test
  void noCommand_isBadUsage() {
    assertThat(run()).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("Error: Missing a command").contains("lgr --help");
  }

  @Test
  void unknownOption_isBadUsageWithASuggestion() {
    assertThat(run("serve", "--jobs-queue-ur", "x")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).startsWith("Error: ").contains("--jobs-queue-url");
  }

  @Test
  void serve_withoutRepositoryOrOrganization_namesTheFlags() {
    assertThat(run("serve", "--jobs-queue-url", "https://sqs/q.fifo")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString())
        .isEqualTo(
            "Error: name the repositories (--repo OWNER/NAME) or organization (--org NAME) to"
                + " serve"
                + System.lineSeparator());
  }

  @Test
  void serve_withANonFifoQueue_isBadUsage() {
    assertThat(run("serve", "--repo", "octo/app", "--jobs-queue-url", "https://sqs/q"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("must name an SQS FIFO queue (ending in .fifo)");
  }

  @Test
  void serve_withABadRepositoryName_saysWhatIsExpected() {
    assertThat(run("serve", "--repo", "not a repo", "--jobs-queue-url", "https://sqs/q.fifo"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("invalid repository 'not a repo': expected owner/name");
  }

  @Test
  void serve_withABadLabel_saysWhichCharactersAreAllowed() {
    assertThat(
            run(
                "serve",
                "--labels",
                "self hosted",
                "--repo",
                "octo/app",
                "--jobs-queue-url",
                "https://sqs/q.fifo"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("invalid label 'self hosted'");
  }

  @Test
  void serve_withAnUnreadableSecretFile_isBadUsage() {
    Path missing = dir.resolve("missing");
    assertThat(
            run(
                "serve",
                "--repo",
                "octo/app",
                "--jobs-queue-url",
                "https://sqs/q.fifo",
                "--webhook-secret-file",
                missing.toString()))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("cannot read the webhook secret file " + missing);
  }

  @Test
  void serve_withAnEmptySecretFile_isBadUsageAndPrintsNoSecret() throws Exception {
    Path empty = Files.writeString(dir.resolve("secret"), "  \n");
    assertThat(
            run(
                "serve",
                "--repo",
                "octo/app",
                "--jobs-queue-url",
                "https://sqs/q.fifo",
                "--webhook-secret-file",
                empty.toString()))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("the webhook secret is empty");
  }

  @Test
  void completion_bash_completesTheCommandsAndTheirOptions() throws Exception {
    assertThat(run("completion", "bash")).isZero();
    String script = out.toString();
    assertThat(script)
        .contains("complete -F")
        .contains("deploy")
        .contains("--no-placeholder")
        .contains("init")
        .contains("--github-credential");
    Path file = Files.writeString(dir.resolve("lgr.bash"), script);
    Process bash =
        new ProcessBuilder("bash", "-n", file.toString()).redirectErrorStream(true).start();
    assertThat(bash.waitFor()).as(new String(bash.getInputStream().readAllBytes())).isZero();
  }

  @Test
  void completion_fish_namesEachCommandAndOption() {
    assertThat(run("completion", "fish")).isZero();
    assertThat(out.toString())
        .contains("complete -c lgr -n __fish_use_subcommand -a init")
        .contains("__fish_seen_subcommand_from init' -l github-credential -r")
        .contains("complete -c lgr -n __fish_use_subcommand -a deploy")
        .contains("__fish_seen_subcommand_from deploy' -l repo -r");
  }

  @Test
  void completion_unknownShell_isBadUsage() {
    assertThat(run("completion", "tcsh")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("bash, zsh or fish, not 'tcsh'");
  }

  @Test
  void deployHelp_teachesTheSettings() {
    assertThat(run("deploy", "--help")).isZero();
    assertThat(out.toString())
        .contains("--repo=OWNER/NAME")
        .contains("--yes")
        .contains("lgr.yaml")
        .contains("GH_TOKEN")
        .contains("Examples:");
  }

  @Test
  void deploy_withoutRepositoryOrOrganization_namesTheSetting() {
    assertThat(run("deploy", "--config", dir.resolve("none.yaml").toString(), "--yes"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("name at least one repository (owner/name) or --org");
  }

  @Test
  void deploy_unknownCredentialSourceInLgrYaml_isBadInputNamingTheChoices() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("lgr.yaml"), "repositories: [octo/app]\ngithub: {credential: vault}\n");

    assertThat(run("deploy", "--config", file.toString(), "--yes")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString())
        .contains("lgr.yaml's github.credential is one of env, gh, secret, not vault");
  }

  @Test
  void destroyHelp_saysWhatGoesAndHowToConfirm() {
    assertThat(run("destroy", "--help")).isZero();
    assertThat(out.toString())
        .contains("--all")
        .contains("--yes")
        .contains("restorable for 7 days")
        .contains("Examples:");
  }

  @Test
  void pruneRunners_removesOfflineLgrRunners_printsThemAsJson_andKeepsThePlaceholder()
      throws Exception {
    try (dev.lgr.testing.GitHubStandIn github =
        dev.lgr.testing.GitHubStandIn.start().repo("octo/app").token("t-prune")) {
      github.putJob("octo/app", 77, 7, java.util.List.of("self-hosted", "lambda"));
      github.setJobStatus(77, "completed", "success"); // its runner leaked
      github.addRunner("octo/app", "lgr-77-abc123", java.util.List.of("self-hosted", "lambda"));
      github.addRunner(
          "octo/app", "DEFAULT-LAMBDA-DO-NOT-REMOVE", java.util.List.of("self-hosted", "lambda"));
      Path token = Files.writeString(dir.resolve("token"), "t-prune\n");
      String[] common = {
        "prune-runners",
        "--repo",
        "octo/app",
        "--github-url",
        github.baseUrl().toString(),
        "--github-token-file",
        token.toString(),
        "--config",
        dir.resolve("none.yaml").toString(),
        "--older-than",
        "0s"
      };

      assertThat(run(common)).as(err.toString()).isEqualTo(ExitCode.WRONG_STATE);
      assertThat(err.toString()).contains("pass --yes");
      assertThat(github.runner("lgr-77-abc123")).isPresent();

      out.getBuffer().setLength(0);
      String[] withYes = java.util.Arrays.copyOf(common, common.length + 3);
      withYes[common.length] = "--yes";
      withYes[common.length + 1] = "--output";
      withYes[common.length + 2] = "json";
      assertThat(run(withYes)).as(err.toString()).isZero();

      com.fasterxml.jackson.databind.JsonNode result =
          JsonSchemas.assertValid("prune-runners", out.toString());
      assertThat(result.path("removed").get(0).path("name").asText()).isEqualTo("lgr-77-abc123");
      assertThat(result.path("kept").get(0).path("name").asText())
          .isEqualTo("DEFAULT-LAMBDA-DO-NOT-REMOVE");
      assertThat(github.runner("lgr-77-abc123")).isEmpty();
      assertThat(github.runner("DEFAULT-LAMBDA-DO-NOT-REMOVE")).isPresent();
      assertThat(github.violations()).isEmpty();
    }
  }

  @Test
  void pruneRunners_badAge_isBadUsage() {
    assertThat(run("prune-runners", "--repo", "octo/app", "--older-than", "soon"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("--older-than takes a number and s, m, h or d");
  }

  @Test
  void statusHelp_saysWhatItShowsAndItsExitCodes() {
    assertThat(run("status", "--help")).isZero();
    assertThat(out.toString()).contains("--output").contains("Exit 0 when healthy, 3 when not");
  }

  @Test
  void everyCommand_hasADescription_examples_andVerbose() {
    Lgr.commandLine()
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              if (name.equals("help")) {
                return;
              }
              CommandLine.Model.UsageMessageSpec usage = sub.getCommandSpec().usageMessage();
              assertThat(usage.description()).as(name + " description").isNotEmpty();
              assertThat(String.join("\n", usage.footer()))
                  .as(name + " examples")
                  .containsPattern("Examples?:\n")
                  .contains("lgr " + name);
              assertThat(sub.getCommandSpec().findOption("--verbose")).as(name).isNotNull();
            });
  }

  @Test
  void logsHelp_saysTheDefaultsAndGivesExamples() {
    assertThat(run("logs", "--help")).isZero();
    assertThat(out.toString())
        .contains("FUNCTION")
        .contains("(default: 1h)")
        .contains("--follow")
        .contains("lgr logs runner --since 30m");
  }

  @Test
  void verbose_printsTheStackTraceOfAnError() {
    assertThat(run("logs", "--since", "soon", "--verbose")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString())
        .contains("Error: --since takes a number and s, m, h or d")
        .contains("at dev.lgr.cli.");
  }

  @Test
  void awsAndGitHubFailures_areRemoteFailuresWithAUsefulMessage_notBugs() {
    var noCredentials =
        software.amazon.awssdk.core.exception.SdkClientException.create(
            "Unable to load credentials from any of the providers in the chain"
                + " AwsCredentialsProviderChain(...)");
    assertThat(Lgr.remoteFailure(new java.util.concurrent.CompletionException(noCredentials)))
        .startsWith("no AWS credentials found: pass --profile NAME or set AWS_PROFILE");
    assertThat(
            Lgr.remoteFailure(
                software.amazon.awssdk.core.exception.SdkClientException.create(
                    "Unable to execute HTTP request: Connection refused")))
        .isEqualTo("AWS could not be reached: Unable to execute HTTP request: Connection refused");
    var refused =
        software.amazon.awssdk.awscore.exception.AwsServiceException.builder()
            .awsErrorDetails(
                software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                    .errorCode("AccessDenied")
                    .errorMessage(
                        "User is not authorized to perform: cloudformation:DescribeStacks")
                    .serviceName("CloudFormation")
                    .build())
            .build();
    assertThat(Lgr.remoteFailure(refused))
        .isEqualTo(
            "AWS refused a call: User is not authorized to perform: cloudformation:DescribeStacks"
                + " (CloudFormation AccessDenied)");
    assertThat(Lgr.remoteFailure(new dev.lgr.github.GitHubException(502, "502 Bad Gateway")))
        .startsWith("GitHub: ");
    assertThat(Lgr.remoteFailure(new IllegalStateException("a real bug"))).isNull();
  }

  @Test
  void aRemoteFailure_exits1_withoutCallingItABug() {
    @CommandLine.Command(name = "fails")
    class Fails implements Runnable {
      @Override
      public void run() {
        throw software.amazon.awssdk.core.exception.SdkClientException.create(
            "Unable to load credentials from any of the providers in the chain");
      }
    }
    CommandLine cli = Lgr.commandLine();
    cli.addSubcommand(new Fails());
    StringWriter errors = new StringWriter();
    cli.setErr(new PrintWriter(errors));

    assertThat(cli.execute("fails")).isEqualTo(ExitCode.REMOTE_FAILURE);
    assertThat(errors.toString())
        .contains("Error: no AWS credentials found")
        .doesNotContain("bug in lgr");
  }
}
