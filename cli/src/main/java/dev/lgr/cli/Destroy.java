package dev.lgr.cli;

import dev.lgr.deploy.DestroyService;
import dev.lgr.deploy.LgrConfig;
import dev.lgr.deploy.aws.AwsStepException;
import dev.lgr.deploy.aws.DeploySecrets;
import dev.lgr.deploy.github.GitHubService;
import dev.lgr.deploy.github.GitHubSetupException;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.deploy.stack.StackFailedException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** {@code lgr destroy}: a thin front on {@link DestroyService}. */
@Command(
    name = "destroy",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Remove what lgr deploy made, in reverse: the webhooks, lgr's runners and the placeholder,"
          + " the main stack, and the secrets (restorable for 7 days). Safe to run again after a"
          + " partial failure: it says what was already gone.",
      "",
      "--all also removes the bootstrap stack with its image repository and code bucket, which"
          + " every lgr stack in the account and region shares.",
    },
    footer = {
      "",
      "Examples:",
      "  lgr destroy                       # asks you to type the stack name",
      "  lgr destroy --stack runners --yes",
      "  lgr destroy --all --yes --profile prod --region eu-west-1",
    })
public final class Destroy implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--stack",
      paramLabel = "NAME",
      description = "The main stack (default: lgr.yaml's stack, else lgr).")
  String stack;

  @Option(names = "--all", description = "Also remove the bootstrap stack, images and code.")
  boolean all;

  @Option(
      names = {"-y", "--yes"},
      description = "Do not ask (needed without a terminal).")
  boolean yes;

  @Mixin ConfigOptions settingsFile;

  @Mixin AwsOptions aws;

  @Mixin GitHubOptions github;

  @Option(
      names = {"-v", "--verbose"},
      description = "On errors, stack traces.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> env = System.getenv();
    LgrConfig file = settingsFile.read(aws);
    String stackName = ConfigOptions.stackName(stack, file);
    confirm(err, stackName);
    String token = github.token(env, file, aws, stackName);

    try (CloudFormationClient cloudFormation = aws.client(CloudFormationClient.builder());
        S3Client s3 = aws.client(S3Client.builder().forcePathStyle(aws.endpointOverridden()));
        SecretsManagerClient secrets = aws.client(SecretsManagerClient.builder());
        EcrClient ecr = aws.client(EcrClient.builder())) {
      Deploy.Console console = new Deploy.Console(err, true, verbose);
      DestroyService.Listener listener =
          new DestroyService.Listener() {
            @Override
            public void stepTitle(String title) {
              err.println(title);
              err.flush();
            }

            @Override
            public void detail(String message) {
              console.detail(message);
            }

            @Override
            public void step(String message) {
              console.detail(message);
            }

            @Override
            public void warning(String message) {
              console.warning(message);
            }

            @Override
            public void progress(String message) {
              console.detail(message);
            }

            @Override
            public void event(StackEvent event) {
              console.event(event);
            }
          };
      new DestroyService(
              new StackDeployer(
                  cloudFormation, listener, Duration.ofSeconds(3), Duration.ofMinutes(30)),
              name -> new DeploySecrets(secrets, name),
              GitHubService.connect(github.api(file, env), () -> token),
              ecr,
              s3,
              listener)
          .destroy(stackName, all);
      err.println("Removed lgr stack " + stackName + (all ? " and the bootstrap stack" : "") + ".");
      err.flush();
      return ExitCode.OK;
    } catch (GitHubSetupException e) {
      throw new LgrException(ExitCode.REMOTE_FAILURE, e.getMessage(), e.getCause());
    } catch (StackFailedException e) {
      throw new LgrException(ExitCode.WRONG_STATE, e.getMessage(), e);
    } catch (AwsStepException e) {
      throw new LgrException(ExitCode.REMOTE_FAILURE, e.getMessage(), e.getCause());
    }
  }

  /** Typing the stack name on a terminal, or --yes; without either nothing is touched. */
  private void confirm(PrintWriter err, String stackName) {
    if (yes) {
      return;
    }
    err.println(
        "This removes stack "
            + stackName
            + (all ? ", the bootstrap stack, its images and code" : "")
            + ", its secrets, webhooks and runners.");
    err.flush();
    String answer = Prompt.ask("destroying", "Type the stack name (%s) to confirm: ", stackName);
    if (!answer.equals(stackName)) {
      throw new LgrException(ExitCode.WRONG_STATE, "not confirmed: nothing was removed");
    }
  }
}
