package dev.lgr.lambda.reconcile;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.lgr.aws.AwsClients;
import dev.lgr.aws.SecretsManagerCredential;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.github.GitHubClient;
import dev.lgr.reconcile.ReconcileReport;
import dev.lgr.reconcile.ReconcileSettings;
import dev.lgr.reconcile.Reconciler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The reconcile Lambda function, run by the stack's schedule (an EventBridge scheduled event, whose
 * content does not matter): one {@link Reconciler} run per invocation, one JSON line logged, and
 * the report as the function's answer.
 *
 * <p>The reconciler is kept across invocations of a warm container, with its ETags and memory of
 * what it enqueued and redelivered; each invocation's GitHub calls stop 5 s before its deadline.
 */
public final class ReconcileFunction implements RequestStreamHandler {
  static final String QUEUE_URL = "LGR_JOBS_QUEUE_URL";
  static final String CREDENTIAL_ARN = "LGR_GITHUB_CREDENTIAL_ARN";
  private static final long DEADLINE_MARGIN_MILLIS = 5_000;

  private final Reconciler reconciler;
  private final Consumer<String> log;
  private volatile LongSupplier remainingMillis = () -> 60_000;

  /** The constructor Lambda calls: settings and AWS credentials from the environment. */
  public ReconcileFunction() {
    this(System.getenv(), null, System.out::println, Clock.systemUTC());
  }

  /**
   * @param env the function's environment
   * @param aws clients, or null for the function's own
   * @param clock the time (jobs' ages, the redelivery window)
   * @throws IllegalStateException naming every setting that is missing or malformed
   */
  ReconcileFunction(Map<String, String> env, AwsClients aws, Consumer<String> log, Clock clock) {
    List<String> problems = new ArrayList<>();
    ReconcileSettings settings = null;
    try {
      settings = ReconcileSettings.from(env);
    } catch (IllegalStateException e) {
      problems.add(e.getMessage());
    }
    String queueUrl = env.get(QUEUE_URL);
    if (queueUrl == null || !queueUrl.trim().endsWith(".fifo")) {
      problems.add(QUEUE_URL + " must name the FIFO jobs queue: " + queueUrl);
    }
    String credentialArn = env.get(CREDENTIAL_ARN);
    if (credentialArn == null || credentialArn.isBlank()) {
      problems.add(CREDENTIAL_ARN + " is not set (the GitHub credential's secret ARN)");
    }
    URI api = GitHubClient.apiUrl(env, problems);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("; ", problems));
    }
    if (aws == null) {
      aws = AwsClients.forFunction(env);
    }
    GitHubClient github =
        new GitHubClient(
            api,
            new SecretsManagerCredential(aws.secretsManager(), credentialArn.trim()),
            () -> remainingMillis.getAsLong() - DEADLINE_MARGIN_MILLIS,
            1000);
    this.reconciler =
        new Reconciler(github, new SqsJobQueue(aws.sqs(), queueUrl.trim()), settings, clock);
    this.log = log;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    handle(input, output, context::getRemainingTimeInMillis);
  }

  void handle(InputStream input, OutputStream output, LongSupplier remaining) throws IOException {
    input.readAllBytes(); // the scheduled event says nothing the run needs
    remainingMillis = remaining;
    ReconcileReport report = reconciler.run();
    String line = report.toJson();
    log.accept(line);
    output.write(line.getBytes(StandardCharsets.UTF_8));
  }
}
