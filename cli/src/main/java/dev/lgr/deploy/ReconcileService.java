package dev.lgr.deploy;

import dev.lgr.aws.SqsJobQueue;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.github.GitHubClient;
import dev.lgr.reconcile.ReconcileReport;
import dev.lgr.reconcile.ReconcileSettings;
import dev.lgr.reconcile.Reconciler;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code lgr prune-runners --reconcile}: one run of the reconcile function's code, from the user's
 * machine with the user's credentials, against the deployed stack's jobs queue and with the
 * settings the stack gives the function.
 */
public final class ReconcileService {
  /** The main stack's parameters and the reconcile function's environment names they become. */
  private static final Map<String, String> PARAMETERS =
      Map.of(
          "Labels", ReconcileSettings.LABELS,
          "Repositories", ReconcileSettings.REPOSITORIES,
          "Organizations", ReconcileSettings.ORGANIZATIONS,
          "RunnerGroupId", ReconcileSettings.RUNNER_GROUP,
          "Placeholder", ReconcileSettings.PLACEHOLDER,
          "ReconcileGraceSeconds", ReconcileSettings.GRACE,
          "RunnerAgeLimitSeconds", ReconcileSettings.AGE_LIMIT,
          "RedeliveryWindowSeconds", ReconcileSettings.REDELIVERY_WINDOW,
          "ReconcileApiBudget", ReconcileSettings.API_BUDGET);

  /** The stack is not there, or not finished: nothing to reconcile against. */
  public static final class NotDeployed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotDeployed(String message) {
      super(message);
    }
  }

  private final StackDeployer stacks;
  private final SqsClient sqs;
  private final GitHubClient github;
  private final Clock clock;

  public ReconcileService(StackDeployer stacks, SqsClient sqs, GitHubClient github, Clock clock) {
    this.stacks = stacks;
    this.sqs = sqs;
    this.github = github;
    this.clock = clock;
  }

  /**
   * Runs the reconciler once for the stack's repositories and organizations.
   *
   * @throws NotDeployed when the stack does not exist or lacks its jobs queue
   * @throws IllegalStateException when the stack's settings are not what the reconciler accepts
   */
  public ReconcileReport reconcile(String stackName) {
    Stack stack =
        stacks
            .describe(stackName)
            .orElseThrow(
                () -> new NotDeployed("stack " + stackName + " does not exist: run lgr deploy"));
    Map<String, String> outputs = new LinkedHashMap<>();
    stack.outputs().forEach(o -> outputs.put(o.outputKey(), o.outputValue()));
    String queueUrl = outputs.get("JobsQueueUrl");
    if (queueUrl == null || queueUrl.isBlank()) {
      throw new NotDeployed(
          "stack "
              + stackName
              + " has no JobsQueueUrl output (it is "
              + stack.stackStatusAsString()
              + "): run lgr deploy");
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (Parameter p : stack.parameters()) {
      String name = PARAMETERS.get(p.parameterKey());
      if (name != null && p.parameterValue() != null) {
        env.put(name, p.parameterValue());
      }
    }
    if (outputs.get("WebhookUrl") != null) {
      env.put(ReconcileSettings.WEBHOOK_URL, outputs.get("WebhookUrl"));
    }
    ReconcileSettings settings = ReconcileSettings.from(env);
    return new Reconciler(github, new SqsJobQueue(sqs, queueUrl), settings, clock).run();
  }
}
