package dev.lgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lgr.deploy.LgrConfig;
import dev.lgr.deploy.StatusService;
import dev.lgr.deploy.aws.AwsStepException;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.GitHubException;
import dev.lgr.logs.FunctionLogs;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** {@code lgr status}: is it working, and if not, why. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Show the deployment's state and a verdict: the stacks and their outputs, the runner image"
          + " (digest, runner version), the functions' settings, the jobs queue and dead-letter"
          + " queue depths, the runners on GitHub (lgr's with their state and age, the placeholder,"
          + " others counted), the webhook with its last 10 deliveries, and the runner function's latest"
          + " errors from CloudWatch Logs.",
      "Exit 0 when healthy, 3 when not (the verdict names the first thing to fix).",
    },
    footer = {
      "",
      "Examples:",
      "  lgr status",
      "  lgr status --stack runners --output json | jq .verdict",
    })
public final class Status implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--stack",
      paramLabel = "NAME",
      description = "The main stack (default: lgr.yaml's stack, else lgr).")
  String stack;

  @Option(
      names = "--output",
      paramLabel = "text|json",
      defaultValue = "text",
      description = "Text, or one JSON document on stdout (default: ${DEFAULT-VALUE}).")
  String output;

  @Mixin ConfigOptions settingsFile;

  @Mixin AwsOptions aws;

  @Mixin GitHubOptions github;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!output.equals("text") && !output.equals("json")) {
      throw new LgrException(ExitCode.USAGE, "--output takes text or json, not '" + output + "'");
    }
    Map<String, String> env = System.getenv();
    LgrConfig file = settingsFile.read(aws);
    String stackName = ConfigOptions.stackName(stack, file);
    String token = github.token(env, file, aws, stackName);
    Map<String, Object> status;
    // Building an SDK client is mostly class loading: five of them side by side start sooner.
    ExecutorService builders = Executors.newFixedThreadPool(4);
    CompletableFuture<SqsClient> sqsClient =
        CompletableFuture.supplyAsync(() -> aws.client(SqsClient.builder()), builders);
    CompletableFuture<LambdaClient> lambdaClient =
        CompletableFuture.supplyAsync(() -> aws.client(LambdaClient.builder()), builders);
    CompletableFuture<EcrClient> ecrClient =
        CompletableFuture.supplyAsync(() -> aws.client(EcrClient.builder()), builders);
    CompletableFuture<CloudWatchLogsClient> logsClient =
        CompletableFuture.supplyAsync(() -> aws.client(CloudWatchLogsClient.builder()), builders);
    builders.shutdown();
    try (CloudFormationClient cloudFormation = aws.client(CloudFormationClient.builder());
        SqsClient sqs = sqsClient.join();
        LambdaClient lambda = lambdaClient.join();
        EcrClient ecr = ecrClient.join();
        CloudWatchLogsClient cloudWatch = logsClient.join()) {
      status =
          new StatusService(
                  new StackDeployer(
                      cloudFormation,
                      StackDeployer.Listener.QUIET,
                      Duration.ofSeconds(1),
                      Duration.ZERO),
                  sqs,
                  new GitHubClient(github.api(file, env), () -> token, () -> 30_000, 500),
                  lambda,
                  ecr,
                  new FunctionLogs(cloudWatch))
              .status(stackName);
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof GitHubException || cause instanceof AwsStepException) {
        throw new LgrException(ExitCode.REMOTE_FAILURE, cause.getMessage(), cause);
      }
      throw e;
    } catch (GitHubException | AwsStepException e) {
      throw new LgrException(ExitCode.REMOTE_FAILURE, e.getMessage(), e);
    }
    if (output.equals("json")) {
      out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(status));
    } else {
      render(out, status);
    }
    out.flush();
    return Boolean.TRUE.equals(status.get("healthy")) ? ExitCode.OK : ExitCode.WRONG_STATE;
  }

  @SuppressWarnings("unchecked")
  private static void render(PrintWriter out, Map<String, Object> status) {
    out.println("Verdict: " + status.get("verdict"));
    for (Object problem : (List<Object>) status.get("problems")) {
      out.println("  ! " + problem);
    }
    ((Map<String, Object>) status.get("stacks"))
        .forEach(
            (name, value) -> {
              if (value instanceof Map<?, ?> main) {
                out.println("Stack " + name + ": " + main.get("status"));
                ((Map<String, Object>) main.get("outputs"))
                    .forEach((k, v) -> out.printf("  %-22s %s%n", k, v));
              } else {
                out.println("Stack " + name + ": " + value);
              }
            });
    if (status.get("image") instanceof Map<?, ?> image) {
      out.println(
          "Runner image: "
              + (image.get("digest") == null ? image.get("uri") : image.get("digest"))
              + ", runner "
              + (image.get("runner_version") == null
                  ? "version unknown"
                  : image.get("runner_version")));
    }
    if (status.get("functions") instanceof Map<?, ?> functions) {
      functions.forEach(
          (name, value) -> {
            Map<String, Object> f = (Map<String, Object>) value;
            if (!Boolean.TRUE.equals(f.get("found"))) {
              out.println("Function " + name + ": not found");
              return;
            }
            out.printf(
                "Function %-9s %s, %s %s, %s MB, %s s, /tmp %s MB, reserved concurrency %s%n",
                name,
                f.get("state"),
                f.get("package_type"),
                f.get("architecture"),
                f.get("memory_mb"),
                f.get("timeout_s"),
                f.get("ephemeral_storage_mb"),
                f.get("reserved_concurrency") == null ? "none" : f.get("reserved_concurrency"));
          });
    }
    Object queues = status.get("queues");
    if (queues instanceof Map<?, ?> q) {
      out.println(
          "Queues: "
              + q.get("jobs_waiting")
              + " waiting, "
              + q.get("jobs_in_flight")
              + " in flight, "
              + q.get("dead_letter_messages")
              + " in the dead-letter queue");
    }
    Object runners = status.get("runners");
    if (runners instanceof List<?> list) {
      for (Object item : list) {
        Map<String, Object> r = (Map<String, Object>) item;
        List<Map<String, Object>> lgr = (List<Map<String, Object>>) r.get("lgr");
        out.println(
            "Runners on "
                + r.get("scope")
                + ": "
                + lgr.size()
                + " of lgr's"
                + (lgr.isEmpty() ? "" : " " + lgr)
                + ", placeholder "
                + (Boolean.TRUE.equals(r.get("placeholder")) ? "present" : "absent")
                + ", "
                + r.get("others")
                + " others");
      }
    }
    Object hooks = status.get("webhooks");
    if (hooks instanceof List<?> list) {
      for (Object item : list) {
        Map<String, Object> h = (Map<String, Object>) item;
        if (!Boolean.TRUE.equals(h.get("found"))) {
          out.println("Webhook on " + h.get("scope") + ": not found");
          continue;
        }
        out.println(
            "Webhook on "
                + h.get("scope")
                + ": "
                + (Boolean.TRUE.equals(h.get("active")) ? "active" : "inactive")
                + ", events "
                + h.get("events"));
        for (Map<String, Object> d : (List<Map<String, Object>>) h.get("deliveries")) {
          out.printf(
              "  %s %-12s %3s %-28s %.2f s%n",
              d.get("delivered_at"),
              d.get("event"),
              d.get("status_code"),
              d.get("status"),
              ((Number) d.get("duration_s")).doubleValue());
        }
      }
    }
    if (status.get("errors") instanceof List<?> errors) {
      out.println("Runner function errors (last 24 h): " + (errors.isEmpty() ? "none" : ""));
      for (Object item : errors) {
        Map<String, Object> e = (Map<String, Object>) item;
        out.println(
            "  "
                + e.get("time")
                + (e.get("runner") == null ? "" : " " + e.get("runner"))
                + (e.get("job_id") == null ? "" : " job " + e.get("job_id"))
                + "  "
                + e.get("message"));
      }
    }
  }
}
