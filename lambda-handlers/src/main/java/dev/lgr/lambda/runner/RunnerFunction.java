package dev.lgr.lambda.runner;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.lgr.aws.AwsClients;
import dev.lgr.aws.JobRoleCredentials;
import dev.lgr.aws.SecretsManagerCredential;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.GitHubCredential;
import dev.lgr.webhook.JobQueue;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.JsonText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The runner Lambda function, fed by the jobs queue (batch size 1): one GitHub runner per message.
 *
 * <p>Answers with SQS's partial-batch response: a message whose runner ran is done, whatever the
 * job's result, so SQS never starts a second runner for it; a message for which no runner could be
 * started is reported failed, so SQS retries it and then moves it to the dead-letter queue.
 */
public final class RunnerFunction implements RequestStreamHandler {
  /** The jobs queue, where a job goes back when its runner took another one (optional). */
  static final String JOBS_QUEUE_URL = "LGR_JOBS_QUEUE_URL";

  private final RunnerSettings settings;
  private final GitHubCredential credential;
  private final Map<String, String> childEnv;
  private final Function<String, Map<String, String>> jobCredentials;
  private final Consumer<String> log;
  private final JobQueue requeue;

  /** The constructor Lambda calls: settings and AWS credentials from the environment. */
  public RunnerFunction() {
    this(RunnerSettings.from(System.getenv()), System.getenv(), null, System.out::println);
  }

  /**
   * @param env the function's environment, passed on to the runner without lgr's own values
   * @param aws clients, or null for the function's own
   */
  RunnerFunction(
      RunnerSettings settings, Map<String, String> env, AwsClients aws, Consumer<String> log) {
    this.settings = settings;
    if (aws == null) {
      aws = AwsClients.forFunction(env);
    }
    this.credential =
        new SecretsManagerCredential(aws.secretsManager(), settings.credentialSecretArn());
    this.childEnv = childEnvironment(env);
    if (settings.jobRoleArn() != null) {
      JobRoleCredentials role = new JobRoleCredentials(aws.sts(), settings.jobRoleArn());
      this.jobCredentials = role::forRunner;
    } else {
      this.jobCredentials = runner -> Map.of();
    }
    this.log = log;
    String queueUrl = env.get(JOBS_QUEUE_URL);
    this.requeue =
        queueUrl == null || queueUrl.isBlank() ? null : new SqsJobQueue(aws.sqs(), queueUrl.trim());
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    handle(input, output, context::getRemainingTimeInMillis);
  }

  void handle(InputStream input, OutputStream output, LongSupplier remainingMillis)
      throws IOException {
    List<Map<String, Object>> failures = new ArrayList<>();
    for (Map<String, Object> record : records(input)) {
      String messageId = String.valueOf(record.get("messageId"));
      try {
        JobRequest request = JobRequest.fromJson(String.valueOf(record.get("body")));
        GitHubClient github =
            new GitHubClient(settings.githubApi(), credential, remainingMillis, 1000);
        if (settings.jobRoleArn() == null) {
          logLine(
              "warning",
              messageId,
              "LGR_JOB_ROLE_ARN is not set: the job runs without AWS credentials");
        }
        new RunnerSession(
                settings,
                github,
                childEnv,
                jobCredentials,
                List.of(credential.token()),
                log,
                remainingMillis,
                requeue)
            .run(request);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.add(Map.of("itemIdentifier", messageId));
        error(messageId, "interrupted");
      } catch (RuntimeException | IOException e) {
        failures.add(Map.of("itemIdentifier", messageId));
        error(messageId, "no runner started: " + e.getMessage());
      }
    }
    output.write(JSON.std.asBytes(Map.of("batchItemFailures", failures)));
  }

  private void error(String messageId, String message) {
    logLine("failed", messageId, message);
  }

  private void logLine(String event, String messageId, String message) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("event", event);
    line.put("message_id", messageId);
    line.put("message", message);
    log.accept(JsonText.object(line));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> records(InputStream input) throws IOException {
    Object records = JSON.std.mapFrom(input).get("Records");
    List<Map<String, Object>> out = new ArrayList<>();
    if (records instanceof List<?> list) {
      for (Object record : list) {
        if (record instanceof Map<?, ?> map) {
          out.add((Map<String, Object>) map);
        }
      }
    }
    return out;
  }

  /**
   * The runner's environment: the function's own (region, paths) without lgr's settings, the Lambda
   * runtime's API address, anything GitHub-named, or the function's own AWS credentials (which can
   * read the GitHub credential): jobs get the job role's instead, per runner.
   */
  static Map<String, String> childEnvironment(Map<String, String> env) {
    Map<String, String> child = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          String upper = name.toUpperCase(Locale.ROOT);
          boolean drop =
              upper.startsWith("LGR_")
                  || upper.startsWith("GITHUB_")
                  || upper.startsWith("GH_")
                  || upper.contains("TOKEN")
                  || upper.equals("AWS_ACCESS_KEY_ID")
                  || upper.equals("AWS_SECRET_ACCESS_KEY")
                  || upper.startsWith("AWS_CONTAINER_")
                  || upper.equals("AWS_LAMBDA_RUNTIME_API")
                  || upper.equals("_HANDLER");
          if (!drop) {
            child.put(name, value);
          }
        });
    return child;
  }
}
