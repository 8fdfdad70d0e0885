package dev.lgr.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lgr.deploy.github.GitHubService;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.Runner;
import dev.lgr.github.RunnerPruner;
import dev.lgr.github.RunnerScope;
import dev.lgr.logs.FunctionLogs;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.ImageDetail;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code lgr status}'s engine: one document that answers "is it working, and if not, why", from
 * independent calls made in parallel. Never prints.
 */
public final class StatusService {
  /** How far back the runner function's errors are shown. */
  public static final Duration ERRORS_SHOWN = Duration.ofHours(24);

  /** Errors this recent make the deployment unhealthy. */
  public static final Duration ERRORS_RECENT = Duration.ofHours(1);

  /** The tag lgr pushes its runner images with: runner-VERSION-ARCH. */
  private static final Pattern RUNNER_TAG = Pattern.compile("runner-(\\d+\\.\\d+\\.\\d+)-(\\w+)");

  /** An ECR image reference: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY@sha256:… */
  private static final Pattern ECR_IMAGE =
      Pattern.compile("^[0-9]{12}\\.dkr\\.ecr\\.[^/]+/([^@:]+)(?::[^@]+)?@(sha256:[0-9a-f]{64})$");

  private static final java.util.concurrent.Executor CALLS =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "lgr-status");
            t.setDaemon(true);
            return t;
          });

  private final StackDeployer stacks;
  private final SqsClient sqs;
  private final GitHubClient github;
  private final GitHubService hooks;
  private final RunnerPruner pruner;
  private final LambdaClient lambda;
  private final EcrClient ecr;
  private final FunctionLogs logs;

  public StatusService(
      StackDeployer stacks,
      SqsClient sqs,
      GitHubClient github,
      LambdaClient lambda,
      EcrClient ecr,
      FunctionLogs logs) {
    this.stacks = stacks;
    this.sqs = sqs;
    this.github = github;
    this.hooks = new GitHubService(github);
    this.pruner = new RunnerPruner(github, Clock.systemUTC());
    this.lambda = lambda;
    this.ecr = ecr;
    this.logs = logs;
  }

  /**
   * The status of a deployment.
   *
   * @return a document with {@code healthy}, {@code verdict} (the first thing to fix, or "ok") and
   *     the parts: {@code stacks}, {@code image}, {@code functions}, {@code queues}, {@code
   *     runners}, {@code webhooks}, {@code errors} (schemas/status.schema.json describes it)
   */
  public Map<String, Object> status(String stackName) {
    Map<String, Object> doc = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    CompletableFuture<Optional<Stack>> bootstrapFuture =
        async(() -> stacks.describe(DeploySettings.bootstrapStackName()));
    Optional<Stack> main = stacks.describe(stackName);
    Map<String, Object> stackDoc = new LinkedHashMap<>();
    doc.put("stack", stackName);
    doc.put("stacks", stackDoc);
    if (main.isEmpty()) {
      stackDoc.put(stackName, "absent");
      problems.add("stack " + stackName + " does not exist: run lgr deploy");
      stackDoc.put(DeploySettings.bootstrapStackName(), describe(bootstrapFuture.join()));
      return finish(doc, problems);
    }
    Stack stack = main.get();
    String status = stack.stackStatusAsString();
    Map<String, String> outputs = new LinkedHashMap<>();
    stack.outputs().forEach(o -> outputs.put(o.outputKey(), o.outputValue()));
    Map<String, Object> mainDoc = new LinkedHashMap<>();
    mainDoc.put("status", status);
    mainDoc.put("outputs", outputs);
    stackDoc.put(stackName, mainDoc);
    if (!status.endsWith("_COMPLETE") || status.contains("ROLLBACK")) {
      problems.add(
          "stack "
              + stackName
              + " is "
              + status
              + (stack.stackStatusReason() == null ? "" : ": " + stack.stackStatusReason()));
    }
    List<RunnerScope> scopes = DeployService.scopes(stack);
    List<String> repositories =
        scopes.stream().map(RunnerScope::repository).filter(r -> r != null).toList();
    String webhookUrl = outputs.get("WebhookUrl");

    CompletableFuture<Map<String, Object>> queues =
        async(() -> queues(outputs.get("JobsQueueUrl"), outputs.get("DeadLetterQueueUrl")));
    CompletableFuture<Map<String, Object>> image = async(() -> image(outputs));
    CompletableFuture<Map<String, Object>> runnerFunction =
        async(() -> function(outputs.get("RunnerFunctionName")));
    CompletableFuture<Map<String, Object>> webhookFunction =
        async(() -> function(outputs.get("WebhookFunctionName")));
    CompletableFuture<Map<String, Object>> reconcileFunction =
        async(() -> function(outputs.get("ReconcileFunctionName")));
    CompletableFuture<List<FunctionLogs.Line>> errors =
        async(() -> errors(stackName, Instant.now().minus(ERRORS_SHOWN)));
    List<CompletableFuture<Map<String, Object>>> runners = new ArrayList<>();
    List<CompletableFuture<Map<String, Object>>> hooks = new ArrayList<>();
    for (RunnerScope scope : scopes) {
      runners.add(async(() -> runners(scope, repositories)));
      hooks.add(async(() -> webhook(scope, webhookUrl)));
    }

    stackDoc.put(DeploySettings.bootstrapStackName(), describe(bootstrapFuture.join()));
    doc.put("image", image.join());
    Map<String, Map<String, Object>> functions = new LinkedHashMap<>();
    functions.put("runner", runnerFunction.join());
    functions.put("webhook", webhookFunction.join());
    functions.put("reconcile", reconcileFunction.join());
    doc.put("functions", functions);
    functions.forEach(
        (name, f) -> {
          if (Boolean.FALSE.equals(f.get("found"))) {
            problems.add("the " + name + " function is missing: run lgr deploy");
          } else if (!"Active".equals(f.get("state")) || "Failed".equals(f.get("last_update"))) {
            problems.add(
                "the "
                    + name
                    + " function is "
                    + f.get("state")
                    + " (last update "
                    + f.get("last_update")
                    + ")"
                    + (f.get("state_reason") == null ? "" : ": " + f.get("state_reason")));
          }
        });
    Map<String, Object> queueDoc = queues.join();
    doc.put("queues", queueDoc);
    Object dlq = queueDoc.get("dead_letter_messages");
    if (dlq instanceof Long n && n > 0) {
      problems.add(
          n
              + " job(s) in the dead-letter queue: no runner could be started for them (see the"
              + " runner function's log)");
    }
    List<Map<String, Object>> runnerDocs = runners.stream().map(CompletableFuture::join).toList();
    List<Map<String, Object>> hookDocs = hooks.stream().map(CompletableFuture::join).toList();
    doc.put("runners", runnerDocs);
    doc.put("webhooks", hookDocs);
    for (Map<String, Object> hook : hookDocs) {
      if (!Boolean.TRUE.equals(hook.get("found"))) {
        problems.add("no lgr webhook on " + hook.get("scope") + ": run lgr deploy");
      } else if (!Boolean.TRUE.equals(hook.get("active"))) {
        problems.add("the webhook on " + hook.get("scope") + " is inactive");
      } else if (Boolean.FALSE.equals(hook.get("last_delivery_ok"))) {
        problems.add(
            "the last delivery to the webhook on "
                + hook.get("scope")
                + " failed: "
                + hook.get("last_delivery_status"));
      }
    }
    List<Map<String, Object>> errorDocs = new ArrayList<>();
    Instant recent = Instant.now().minus(ERRORS_RECENT);
    int recentErrors = 0;
    for (FunctionLogs.Line line : errors.join()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("time", line.time().toString());
      e.put("runner", line.runner());
      e.put("job_id", line.jobId());
      e.put("message", line.message());
      errorDocs.add(e);
      if (line.time().isAfter(recent)) {
        recentErrors++;
      }
    }
    doc.put("errors", errorDocs);
    if (recentErrors > 0) {
      problems.add(
          recentErrors
              + " runner function error(s) in the last hour, the latest: "
              + errorDocs.get(errorDocs.size() - 1).get("message")
              + " (lgr logs runner --filter '?error ?failed')");
    }
    return finish(doc, problems);
  }

  /** The latest errors of the runner function (at most 5), none when its log group is unknown. */
  private List<FunctionLogs.Line> errors(String stackName, Instant since) {
    String group = stacks.resources(stackName).get("RunnerLogGroup");
    return group == null ? List.of() : logs.errors(FunctionLogs.Function.RUNNER, group, since, 5);
  }

  /** The deployed runner image: its reference, digest, and the runner version from its tag. */
  private Map<String, Object> image(Map<String, String> outputs) {
    Map<String, Object> doc = new LinkedHashMap<>();
    String uri = outputs.get("RunnerImageUri");
    doc.put("uri", uri);
    String digest = outputs.get("RunnerImageDigest");
    doc.put("digest", digest);
    String version = null;
    String arch = null;
    Matcher m = uri == null ? null : ECR_IMAGE.matcher(uri);
    if (m != null && m.matches()) {
      try {
        List<ImageDetail> images =
            ecr.describeImages(
                    b -> b.repositoryName(m.group(1)).imageIds(i -> i.imageDigest(m.group(2))))
                .imageDetails();
        for (ImageDetail image : images) {
          for (String tag : image.imageTags()) {
            Matcher t = RUNNER_TAG.matcher(tag);
            if (t.matches()) {
              version = t.group(1);
              arch = t.group(2);
            }
          }
        }
      } catch (EcrException e) {
        // an image lgr did not push, or gone: its runner version is not known
      }
    }
    doc.put("runner_version", version);
    doc.put("architecture", arch);
    return doc;
  }

  /** A function's settings, as Lambda reports them. */
  private Map<String, Object> function(String name) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("name", name);
    if (name == null) {
      doc.put("found", false);
      return doc;
    }
    GetFunctionConfigurationResponse f;
    try {
      f = lambda.getFunctionConfiguration(b -> b.functionName(name));
    } catch (software.amazon.awssdk.services.lambda.model.ResourceNotFoundException e) {
      doc.put("found", false);
      return doc;
    } catch (LambdaException e) {
      throw dev.lgr.deploy.aws.AwsStepException.of("read function " + name, e);
    }
    doc.put("found", true);
    doc.put("state", f.stateAsString());
    doc.put("state_reason", f.stateReason());
    doc.put("last_update", f.lastUpdateStatusAsString());
    doc.put("package_type", f.packageTypeAsString());
    doc.put("runtime", f.runtimeAsString());
    doc.put(
        "architecture",
        f.architecturesAsStrings().isEmpty() ? null : f.architecturesAsStrings().get(0));
    doc.put("memory_mb", f.memorySize());
    doc.put("timeout_s", f.timeout());
    doc.put(
        "ephemeral_storage_mb", f.ephemeralStorage() == null ? null : f.ephemeralStorage().size());
    Integer reserved;
    try {
      reserved =
          lambda.getFunctionConcurrency(b -> b.functionName(name)).reservedConcurrentExecutions();
    } catch (LambdaException e) {
      throw dev.lgr.deploy.aws.AwsStepException.of("read the concurrency of function " + name, e);
    }
    doc.put("reserved_concurrency", reserved);
    doc.put("last_modified", f.lastModified());
    return doc;
  }

  private static Map<String, Object> finish(Map<String, Object> doc, List<String> problems) {
    Map<String, Object> ordered = new LinkedHashMap<>();
    ordered.put("healthy", problems.isEmpty());
    ordered.put("verdict", problems.isEmpty() ? "ok" : problems.get(0));
    ordered.put("problems", problems);
    ordered.putAll(doc);
    return ordered;
  }

  private static Object describe(Optional<Stack> stack) {
    return stack.map(Stack::stackStatusAsString).orElse("absent");
  }

  private Map<String, Object> queues(String jobsUrl, String deadLetterUrl) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("jobs_waiting", depth(jobsUrl, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    doc.put(
        "jobs_in_flight",
        depth(jobsUrl, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    doc.put(
        "dead_letter_messages",
        depth(deadLetterUrl, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    return doc;
  }

  private Object depth(String url, QueueAttributeName attribute) {
    if (url == null) {
      return null;
    }
    String value =
        sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(attribute))
            .attributes()
            .get(attribute);
    return value == null ? null : Long.parseLong(value);
  }

  private Map<String, Object> runners(RunnerScope scope, List<String> repositories) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("scope", scope.toString());
    List<Map<String, Object>> lgr = new ArrayList<>();
    boolean placeholder = false;
    int others = 0;
    for (Runner runner : github.runners(scope)) {
      if (runner.name().equals(RunnerPruner.PLACEHOLDER)) {
        placeholder = true;
      } else if (runner.name().startsWith("lgr-")) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", runner.name());
        r.put("status", runner.busy() ? "busy" : runner.status());
        Duration age = pruner.age(scope, runner, repositories);
        r.put("age_seconds", age == null ? null : age.toSeconds());
        lgr.add(r);
      } else {
        others++;
      }
    }
    doc.put("lgr", lgr);
    doc.put("placeholder", placeholder);
    doc.put("others", others);
    return doc;
  }

  private Map<String, Object> webhook(RunnerScope scope, String url) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("scope", scope.toString());
    Optional<JsonNode> found =
        url == null ? Optional.empty() : hooks.findWebhook(scope, URI.create(url));
    doc.put("found", found.isPresent());
    if (found.isEmpty()) {
      return doc;
    }
    JsonNode hook = found.get();
    doc.put("id", hook.path("id").asLong());
    doc.put("active", hook.path("active").asBoolean());
    List<String> events = new ArrayList<>();
    hook.path("events").forEach(e -> events.add(e.asText()));
    doc.put("events", events);
    List<Map<String, Object>> recent = new ArrayList<>();
    for (JsonNode d : hooks.recentDeliveries(scope, hook.path("id").asLong(), 10)) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("event", d.path("event").asText());
      item.put("delivered_at", d.path("delivered_at").asText());
      item.put("status_code", d.path("status_code").asInt());
      item.put("status", d.path("status").asText());
      item.put("duration_s", d.path("duration").asDouble());
      recent.add(item);
    }
    doc.put("deliveries", recent);
    if (!recent.isEmpty()) {
      int code = (Integer) recent.get(0).get("status_code");
      doc.put("last_delivery_ok", code >= 200 && code < 400);
      doc.put("last_delivery_status", code + " " + recent.get(0).get("status"));
    }
    return doc;
  }

  /**
   * Runs a call on a thread of its own: the calls wait on the network, and the common pool has one
   * thread per core less one (none to spare on a 2-core machine).
   */
  private static <T> CompletableFuture<T> async(Supplier<T> task) {
    return CompletableFuture.supplyAsync(task, CALLS);
  }
}
