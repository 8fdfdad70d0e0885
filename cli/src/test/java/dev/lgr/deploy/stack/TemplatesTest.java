package dev.lgr.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules real AWS enforces (or that make the stack work) and that neither cfn-lint nor moto
 * checks, read from the templates themselves. Numbers that come from parameters are checked for
 * every value the parameter allows, not only for its default.
 */
class TemplatesTest {
  private static final JsonNode MAIN = TemplateFiles.parse("main.yaml");
  private static final JsonNode BOOTSTRAP = TemplateFiles.parse("bootstrap.yaml");
  private static final List<String> TEMPLATES = TemplateFiles.NAMES;

  /** The values CloudWatch Logs accepts for RetentionInDays. */
  private static final List<Integer> RETENTION_DAYS =
      List.of(
          1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
          2922, 3288, 3653);

  private static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private static final String REPOSITORY =
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/lgr-runner";

  // ------------------------------------------------------------------ the files

  @ParameterizedTest
  @FieldSource("TEMPLATES")
  void template_isOnTheClasspath_asInTheRepository(String name) throws Exception {
    String source =
        Files.readString(TemplateFiles.sourceDir().resolve(name), StandardCharsets.UTF_8);

    assertThat(TemplateFiles.text(name)).isEqualTo(source);
  }

  @ParameterizedTest
  @FieldSource("TEMPLATES")
  void template_usesLongFormIntrinsicsOnly(String name) {
    // A short-form tag (!Ref X) would read as the plain string "X" here, and every check below
    // would look at the wrong thing.
    Pattern shortForm =
        Pattern.compile(
            "(^|[\\s\\[{,:-])!(Ref|Sub|GetAtt|Join|Select|Split|If|Equals|Not|And|Or|FindInMap"
                + "|ImportValue|Base64|Cidr|GetAZs|Condition|Transform|Length|ToJsonString)\\b");
    List<String> offending = new ArrayList<>();
    String[] lines = TemplateFiles.text(name).split("\n");
    for (int i = 0; i < lines.length; i++) {
      String code = lines[i].replaceFirst("(^|\\s)#.*$", "");
      if (shortForm.matcher(code).find()) {
        offending.add((i + 1) + ": " + lines[i].strip());
      }
    }

    assertThat(offending).as("short-form intrinsics in %s", name).isEmpty();
  }

  @ParameterizedTest
  @FieldSource("TEMPLATES")
  void templateVersion_output_matchesItsMetadata(String name) {
    JsonNode template = TemplateFiles.parse(name);
    String output = name.equals("main.yaml") ? "TemplateVersion" : "BootstrapVersion";

    String version = template.path("Outputs").path(output).path("Value").asText();

    assertThat(version).matches("[1-9][0-9]*");
    assertThat(template.path("Metadata").path("lgr").path(output).asText()).isEqualTo(version);
  }

  // ------------------------------------------------------------------ jobs queue

  @Test
  void jobsQueue_visibilityTimeout_coversTheRunnerTimeout_forEveryAllowedTimeout() {
    JsonNode runner = props(MAIN, "RunnerFunction");
    JsonNode queue = props(MAIN, "JobsQueue");
    JsonNode mapping = props(MAIN, "RunnerEventSource");

    long longestTimeout = largest(MAIN, runner.path("Timeout"));
    long shortestVisibility = smallest(MAIN, queue.path("VisibilityTimeout"));

    assertThat(mapping.path("EventSourceArn")).isEqualTo(yaml("{Fn::GetAtt: [JobsQueue, Arn]}"));
    assertThat(mapping.path("FunctionName")).isEqualTo(yaml("{Ref: RunnerFunction}"));
    assertThat(longestTimeout).as("Lambda's longest timeout").isLessThanOrEqualTo(900);
    // Lambda refuses an event source mapping when the queue's visibility timeout is shorter than
    // the function's; a margin keeps a message from coming back while its runner still runs.
    assertThat(shortestVisibility).isGreaterThanOrEqualTo(longestTimeout + 30);
    assertThat(shortestVisibility)
        .as("SQS's longest visibility timeout")
        .isLessThanOrEqualTo(43200);
  }

  @Test
  void fifoQueues_areNamedDotFifo_andTheirDeadLetterQueueIsFifoToo() {
    List<String> queues = idsOfType(MAIN, "AWS::SQS::Queue");

    assertThat(queues).containsExactlyInAnyOrder("JobsQueue", "JobsDeadLetterQueue");
    for (String id : queues) {
      JsonNode queue = props(MAIN, id);
      assertThat(queue.path("FifoQueue").asBoolean()).as("%s is FIFO", id).isTrue();
      assertThat(subText(queue.path("QueueName"))).as("%s's name", id).endsWith(".fifo");
      assertThat(queue.path("ContentBasedDeduplication").asBoolean(true))
          .as("%s: the webhook function sets MessageDeduplicationId itself", id)
          .isFalse();
    }
    JsonNode redrive = props(MAIN, "JobsQueue").path("RedrivePolicy");
    assertThat(redrive.path("deadLetterTargetArn"))
        .isEqualTo(yaml("{Fn::GetAtt: [JobsDeadLetterQueue, Arn]}"));
    assertThat(redrive.path("maxReceiveCount").asInt()).isEqualTo(2);
  }

  @Test
  void deadLetterQueue_raisesAnAlarm_whenNotEmpty() {
    JsonNode alarm = props(MAIN, "DeadLetterAlarm");

    assertThat(alarm.path("Namespace").asText()).isEqualTo("AWS/SQS");
    assertThat(alarm.path("MetricName").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
    assertThat(alarm.path("Dimensions"))
        .isEqualTo(
            yaml("[{Name: QueueName, Value: {Fn::GetAtt: [JobsDeadLetterQueue, QueueName]}}]"));
    assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
    assertThat(alarm.path("Threshold").asDouble()).isZero();
  }

  // ------------------------------------------------------------------ webhook function

  @Test
  void webhookFunction_runsJava21_withSnapStart_throughAPublishedVersion() {
    JsonNode function = props(MAIN, "WebhookFunction");
    JsonNode version = props(MAIN, "WebhookVersion");
    JsonNode alias = props(MAIN, "WebhookAlias");

    assertThat(function.path("Runtime").asText()).isEqualTo("java21");
    assertThat(function.path("Handler").asText())
        .isEqualTo("dev.lgr.lambda.webhook.WebhookFunction::handleRequest");
    assertThat(function.path("SnapStart").path("ApplyOn").asText()).isEqualTo("PublishedVersions");
    assertThat(type(MAIN, "WebhookVersion")).isEqualTo("AWS::Lambda::Version");
    assertThat(version.path("FunctionName")).isEqualTo(yaml("{Ref: WebhookFunction}"));
    assertThat(type(MAIN, "WebhookAlias")).isEqualTo("AWS::Lambda::Alias");
    assertThat(alias.path("FunctionName")).isEqualTo(yaml("{Ref: WebhookFunction}"));
    assertThat(alias.path("FunctionVersion"))
        .isEqualTo(yaml("{Fn::GetAtt: [WebhookVersion, Version]}"));
  }

  @Test
  void webhookVersion_isReplaced_whenTheCodeOrSettingsChange() {
    // CloudFormation publishes a version only when it makes the resource, and every property of
    // AWS::Lambda::Version needs a replacement to change: the description carries both keys.
    String description = subText(props(MAIN, "WebhookVersion").path("Description"));

    assertThat(description).contains("${WebhookCodeKey}").contains("${WebhookVersionKey}");
    // Lambda allows 256 characters.
    long longest =
        description.length()
            + maxLength(MAIN, "WebhookCodeKey", 128)
            + maxLength(MAIN, "WebhookVersionKey", 64);
    assertThat(longest).isLessThanOrEqualTo(256);
  }

  @Test
  void webhookApi_invokesTheAlias_neverLatest() {
    JsonNode integration = props(MAIN, "WebhookMethod").path("Integration");
    JsonNode permission = props(MAIN, "WebhookInvokePermission");

    assertThat(props(MAIN, "WebhookMethod").path("HttpMethod").asText()).isEqualTo("POST");
    assertThat(props(MAIN, "WebhookResource").path("PathPart").asText()).isEqualTo("webhook");
    assertThat(integration.path("Type").asText()).isEqualTo("AWS_PROXY");
    assertThat(subText(integration.path("Uri")))
        .contains("/functions/${WebhookAlias}/invocations")
        .doesNotContain("WebhookFunction");
    assertThat(permission.path("FunctionName")).isEqualTo(yaml("{Ref: WebhookAlias}"));
    assertThat(permission.path("Principal").asText()).isEqualTo("apigateway.amazonaws.com");
    assertThat(subText(permission.path("SourceArn"))).endsWith("${WebhookApi}/*/POST/webhook");
  }

  @Test
  void webhookApi_stage_isNamedOnTheDeployment_andThrottledByParameters() {
    JsonNode deployment = props(MAIN, "WebhookDeployment");
    String stage = deployment.path("StageName").asText();

    assertThat(idsOfType(MAIN, "AWS::ApiGateway::Stage")).isEmpty();
    assertThat(stage).isNotBlank();
    assertThat(resource(MAIN, "WebhookDeployment").path("DependsOn").asText())
        .isEqualTo("WebhookMethod");
    assertThat(deployment.path("StageDescription").path("ThrottlingBurstLimit"))
        .isEqualTo(yaml("{Ref: ApiThrottlingBurstLimit}"));
    assertThat(deployment.path("StageDescription").path("ThrottlingRateLimit"))
        .isEqualTo(yaml("{Ref: ApiThrottlingRateLimit}"));
    assertThat(subText(MAIN.path("Outputs").path("WebhookUrl").path("Value")))
        .startsWith("https://${WebhookApi}.execute-api.")
        .endsWith("/" + stage + "/webhook");
  }

  @Test
  void webhookFunction_environment_isWhatWebhookConfigReads() {
    JsonNode env = props(MAIN, "WebhookFunction").path("Environment").path("Variables");

    assertThat(fieldNames(env))
        .containsExactlyInAnyOrder(
            "LGR_JOBS_QUEUE_URL",
            "LGR_WEBHOOK_SECRET_ARN",
            "LGR_LABELS",
            "LGR_REPOSITORIES",
            "LGR_ORGANIZATIONS",
            "JAVA_TOOL_OPTIONS");
    assertThat(env.path("LGR_JOBS_QUEUE_URL")).isEqualTo(yaml("{Ref: JobsQueue}"));
    assertThat(env.path("LGR_WEBHOOK_SECRET_ARN")).isEqualTo(yaml("{Ref: WebhookSecretArn}"));
    assertThat(env.path("JAVA_TOOL_OPTIONS").asText())
        .isEqualTo("-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
    assertThat(props(MAIN, "WebhookFunction").path("Code"))
        .isEqualTo(yaml("{S3Bucket: {Ref: CodeBucket}, S3Key: {Ref: WebhookCodeKey}}"));
    assertThat(parameter(MAIN, "WebhookArchitecture").path("Default").asText()).isEqualTo("arm64");
  }

  @Test
  void routing_needsARepositoryOrAnOrganization() {
    // WebhookConfig refuses to start without one; a stack rule says so before anything is made.
    JsonNode assertion = MAIN.path("Rules").path("SomethingToServe").path("Assertions").get(0);

    assertThat(assertion.path("Assert"))
        .isEqualTo(
            yaml(
                "{Fn::Not: [{Fn::And: [{Fn::Equals: [{Ref: Repositories}, \"\"]},"
                    + " {Fn::Equals: [{Ref: Organizations}, \"\"]}]}]}"));
  }

  // ------------------------------------------------------------------ runner function

  @Test
  void runnerFunction_isTheImage_byDigest() {
    JsonNode runner = props(MAIN, "RunnerFunction");
    Pattern allowed =
        Pattern.compile(parameter(MAIN, "RunnerImageUri").path("AllowedPattern").asText());

    assertThat(runner.path("PackageType").asText()).isEqualTo("Image");
    assertThat(runner.path("Code")).isEqualTo(yaml("{ImageUri: {Ref: RunnerImageUri}}"));
    // CloudFormation matches AllowedPattern against the whole value.
    assertThat(allowed.matcher(REPOSITORY + "@" + DIGEST).matches()).isTrue();
    assertThat(
            allowed.matcher("123456789012.dkr.ecr.us-east-1.amazonaws.com/a/b@" + DIGEST).matches())
        .isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        REPOSITORY + ":latest",
        REPOSITORY + ":runner-2.330.0-amd64",
        REPOSITORY,
        REPOSITORY + ":runner-2.330.0-amd64@" + DIGEST,
        REPOSITORY + "@sha256:0123456789abcdef",
        REPOSITORY
            + "@sha256:"
            + "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
        REPOSITORY + "@" + DIGEST + "\n"
      })
  void runnerImageUri_rejectsAnythingButADigestReference(String uri) {
    Pattern allowed =
        Pattern.compile(parameter(MAIN, "RunnerImageUri").path("AllowedPattern").asText());

    assertThat(allowed.matcher(uri).matches()).isFalse();
  }

  @Test
  void runnerFunction_limits_areWithinWhatLambdaAllows() {
    JsonNode runner = props(MAIN, "RunnerFunction");

    assertThat(largest(MAIN, runner.path("Timeout"))).isLessThanOrEqualTo(900);
    assertThat(smallest(MAIN, runner.path("EphemeralStorage").path("Size"))).isEqualTo(512);
    assertThat(largest(MAIN, runner.path("EphemeralStorage").path("Size"))).isEqualTo(10240);
    assertThat(smallest(MAIN, runner.path("MemorySize"))).isGreaterThanOrEqualTo(128);
    assertThat(largest(MAIN, runner.path("MemorySize"))).isLessThanOrEqualTo(10240);
    assertThat(runner.path("ReservedConcurrentExecutions"))
        .isEqualTo(
            yaml(
                "{Fn::If: [ReservesRunnerConcurrency, {Ref: RunnerConcurrency},"
                    + " {Ref: AWS::NoValue}]}"));
    assertThat(runner.path("Architectures")).isEqualTo(yaml("[{Ref: RunnerArchitecture}]"));
  }

  @Test
  void runnerFunction_stopsItsRunner_withTimeLeftForAJob() {
    // The runner is stopped StopMarginSeconds before the deadline: with the shortest timeout and
    // the longest margin allowed, a job still gets a minute.
    long shortestTimeout = smallest(MAIN, props(MAIN, "RunnerFunction").path("Timeout"));
    long longestMargin = largest(MAIN, yaml("{Ref: StopMarginSeconds}"));

    assertThat(shortestTimeout - longestMargin).isGreaterThanOrEqualTo(60);
  }

  @Test
  void runnerFunction_environment_isWhatRunnerSettingsReads_withinItsRanges() {
    JsonNode env = props(MAIN, "RunnerFunction").path("Environment").path("Variables");

    assertThat(fieldNames(env))
        .containsExactlyInAnyOrder(
            "LGR_GITHUB_CREDENTIAL_ARN",
            "LGR_LABELS",
            "LGR_RUNNER_GROUP_ID",
            "GITHUB_API_URL",
            "LGR_STOP_MARGIN_SECONDS",
            "LGR_IDLE_LIMIT_SECONDS",
            "LGR_JOB_ROLE_ARN",
            "LGR_JOBS_QUEUE_URL");
    assertThat(env.path("LGR_JOB_ROLE_ARN")).isEqualTo(yaml("{Fn::GetAtt: [JobRole, Arn]}"));
    assertThat(env.path("LGR_JOBS_QUEUE_URL")).isEqualTo(yaml("{Ref: JobsQueue}"));
    assertThat(env.path("LGR_GITHUB_CREDENTIAL_ARN")).isEqualTo(yaml("{Ref: GitHubCredentialArn}"));
    assertThat(parameter(MAIN, "GitHubApiUrl").path("Default").asText())
        .isEqualTo("https://api.github.com");
    // RunnerSettings refuses values outside these ranges, and the function would not start.
    assertRange(env.path("LGR_STOP_MARGIN_SECONDS"), 10, 600);
    assertRange(env.path("LGR_IDLE_LIMIT_SECONDS"), 10, 900);
    assertRange(env.path("LGR_RUNNER_GROUP_ID"), 1, Integer.MAX_VALUE);
  }

  @Test
  void runnerEventSource_takesOneJobAtATime_andReportsFailuresPerMessage() {
    JsonNode mapping = props(MAIN, "RunnerEventSource");

    assertThat(mapping.path("BatchSize").asInt()).isEqualTo(1);
    assertThat(mapping.path("FunctionResponseTypes")).isEqualTo(yaml("[ReportBatchItemFailures]"));
    // Lambda's range for an SQS event source's maximum concurrency.
    JsonNode concurrency = mapping.path("ScalingConfig").path("MaximumConcurrency");
    assertThat(smallest(MAIN, concurrency)).isGreaterThanOrEqualTo(2);
    assertThat(largest(MAIN, concurrency)).isLessThanOrEqualTo(1000);
  }

  // ------------------------------------------------------------------ logs

  @Test
  void logGroups_keepLogs14DaysByDefault_andAllowOnlyWhatCloudWatchAccepts() {
    JsonNode retention = parameter(MAIN, "LogRetentionDays");

    assertThat(retention.path("Default").asInt()).isEqualTo(14);
    List<Integer> allowed = new ArrayList<>();
    retention.path("AllowedValues").forEach(v -> allowed.add(v.asInt()));
    assertThat(allowed).containsExactlyElementsOf(RETENTION_DAYS);
    for (String function : List.of("Webhook", "Runner")) {
      assertThat(props(MAIN, function + "LogGroup").path("RetentionInDays"))
          .isEqualTo(yaml("{Ref: LogRetentionDays}"));
      assertThat(props(MAIN, function + "Function").path("LoggingConfig").path("LogGroup"))
          .isEqualTo(yaml("{Ref: " + function + "LogGroup}"));
    }
  }

  // ------------------------------------------------------------------ IAM

  @ParameterizedTest
  @FieldSource("TEMPLATES")
  void iam_noWildcardActions_andEveryWildcardResourceIsJustified(String name) {
    assertThat(iamProblems(TemplateFiles.parse(name))).isEmpty();
  }

  @Test
  void iamCheck_catchesWhatItLooksFor() {
    JsonNode template =
        yaml(
            """
            Resources:
              Role:
                Type: AWS::IAM::Role
                Metadata:
                  lgr:
                    WildcardResources:
                      Justified: "X-Ray accepts no resource"
                Properties:
                  AssumeRolePolicyDocument:
                    Statement:
                      - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "*"}
                  Policies:
                    - PolicyName: p
                      PolicyDocument:
                        Statement:
                          - {Sid: All, Effect: Allow, Action: "*", Resource: {Ref: X}}
                          - {Sid: Service, Effect: Allow, Action: ["sqs:*"], Resource: {Ref: X}}
                          - {Sid: Unjustified, Effect: Allow, Action: s3:GetObject, Resource: "*"}
                          - {Sid: Justified, Effect: Allow, Action: xray:PutTraceSegments, Resource: "*"}
                          - {Effect: Allow, Action: s3:GetObject}
              Policy:
                Type: AWS::S3::BucketPolicy
                Properties:
                  PolicyDocument:
                    Statement:
                      - {Effect: Deny, Principal: "*", Action: "s3:*", Resource: {Ref: X}}
                      - {Effect: Deny, Principal: "*", NotAction: "*", Resource: {Ref: X}}
            """);

    assertThat(iamProblems(template))
        .containsExactlyInAnyOrder(
            "Role trust statement 1: action *",
            "Role statement All: action *",
            "Role statement Service: wildcard action sqs:*",
            "Role statement Unjustified: Resource \"*\" without a reason in"
                + " Metadata.lgr.WildcardResources.Unjustified",
            "Role statement 5: names no Resource",
            "Policy statement 2: action *");
  }

  @Test
  void webhookRole_grantsWhatTheWebhookFunctionUses_onItsResourcesOnly() {
    assertThat(props(MAIN, "WebhookFunction").path("Role"))
        .isEqualTo(yaml("{Fn::GetAtt: [WebhookRole, Arn]}"));
    Map<String, JsonNode> grants = grants(MAIN, "WebhookRole");

    assertThat(grants.keySet())
        .containsExactlyInAnyOrder(
            "sqs:SendMessage",
            "secretsmanager:GetSecretValue",
            "logs:CreateLogStream",
            "logs:PutLogEvents");
    assertThat(grants.get("sqs:SendMessage")).isEqualTo(yaml("{Fn::GetAtt: [JobsQueue, Arn]}"));
    assertThat(grants.get("secretsmanager:GetSecretValue"))
        .isEqualTo(yaml("{Ref: WebhookSecretArn}"));
    assertThat(subText(grants.get("logs:PutLogEvents")))
        .endsWith(":log-group:${WebhookLogGroup}:*");
    assertThat(subText(grants.get("logs:CreateLogStream")))
        .endsWith(":log-group:${WebhookLogGroup}:*");
  }

  @Test
  void runnerRole_grantsWhatTheRunnerAndItsQueueMappingUse_onItsResourcesOnly() {
    assertThat(props(MAIN, "RunnerFunction").path("Role"))
        .isEqualTo(yaml("{Fn::GetAtt: [RunnerRole, Arn]}"));
    Map<String, JsonNode> grants = grants(MAIN, "RunnerRole");

    assertThat(grants.keySet())
        .containsExactlyInAnyOrder(
            "secretsmanager:GetSecretValue",
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
            "sqs:SendMessage",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "sts:AssumeRole");
    assertThat(grants.get("secretsmanager:GetSecretValue"))
        .isEqualTo(yaml("{Ref: GitHubCredentialArn}"));
    assertThat(grants.get("sts:AssumeRole")).isEqualTo(yaml("{Fn::GetAtt: [JobRole, Arn]}"));
    for (String action :
        List.of(
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
            "sqs:SendMessage")) {
      assertThat(grants.get(action)).as(action).isEqualTo(yaml("{Fn::GetAtt: [JobsQueue, Arn]}"));
    }
    assertThat(subText(grants.get("logs:PutLogEvents"))).endsWith(":log-group:${RunnerLogGroup}:*");
  }

  // ------------------------------------------------------------------ reconcile function

  @Test
  void reconcileFunction_isTheHandlerJar_runOnTheSchedule_oneRunAtATime() {
    JsonNode function = props(MAIN, "ReconcileFunction");
    JsonNode rule = props(MAIN, "ReconcileRule");
    JsonNode permission = props(MAIN, "ReconcileInvokePermission");

    assertThat(function.path("Runtime").asText()).isEqualTo("java21");
    assertThat(function.path("Handler").asText())
        .isEqualTo("dev.lgr.lambda.reconcile.ReconcileFunction::handleRequest");
    assertThat(function.path("Code"))
        .as("the webhook function's jar holds the reconcile handler too")
        .isEqualTo(props(MAIN, "WebhookFunction").path("Code"));
    assertThat(function.path("ReservedConcurrentExecutions").asInt()).isEqualTo(1);
    assertThat(function.path("Timeout").asInt()).isBetween(60, 900);
    assertThat(function.path("Role")).isEqualTo(yaml("{Fn::GetAtt: [ReconcileRole, Arn]}"));
    assertThat(rule.path("State").asText()).isEqualTo("ENABLED");
    assertThat(rule.path("ScheduleExpression")).isEqualTo(yaml("{Ref: ReconcileSchedule}"));
    assertThat(rule.path("Targets"))
        .isEqualTo(yaml("[{Id: reconcile, Arn: {Fn::GetAtt: [ReconcileFunction, Arn]}}]"));
    assertThat(permission.path("Principal").asText()).isEqualTo("events.amazonaws.com");
    assertThat(permission.path("Action").asText()).isEqualTo("lambda:InvokeFunction");
    assertThat(permission.path("FunctionName")).isEqualTo(yaml("{Ref: ReconcileFunction}"));
    assertThat(permission.path("SourceArn")).isEqualTo(yaml("{Fn::GetAtt: [ReconcileRule, Arn]}"));
    assertThat(parameter(MAIN, "ReconcileSchedule").path("Default").asText())
        .isEqualTo("rate(5 minutes)");
    assertThat(MAIN.path("Outputs").path("ReconcileFunctionName").path("Value"))
        .isEqualTo(yaml("{Ref: ReconcileFunction}"));
  }

  @Test
  void reconcileFunction_environment_isWhatReconcileSettingsReads_withinItsRanges() {
    JsonNode env = props(MAIN, "ReconcileFunction").path("Environment").path("Variables");
    JsonNode runnerEnv = props(MAIN, "RunnerFunction").path("Environment").path("Variables");
    JsonNode webhookEnv = props(MAIN, "WebhookFunction").path("Environment").path("Variables");

    assertThat(fieldNames(env))
        .containsExactlyInAnyOrder(
            "LGR_JOBS_QUEUE_URL",
            "LGR_GITHUB_CREDENTIAL_ARN",
            "GITHUB_API_URL",
            "LGR_LABELS",
            "LGR_REPOSITORIES",
            "LGR_ORGANIZATIONS",
            "LGR_RUNNER_GROUP_ID",
            "LGR_PLACEHOLDER",
            "LGR_WEBHOOK_URL",
            "LGR_GRACE_SECONDS",
            "LGR_RUNNER_AGE_LIMIT_SECONDS",
            "LGR_REDELIVERY_WINDOW_SECONDS",
            "LGR_API_BUDGET",
            "JAVA_TOOL_OPTIONS");
    // the same values the other functions get
    for (String name : List.of("LGR_JOBS_QUEUE_URL", "LGR_LABELS", "LGR_REPOSITORIES")) {
      assertThat(env.path(name)).as(name).isEqualTo(webhookEnv.path(name));
    }
    for (String name :
        List.of("LGR_GITHUB_CREDENTIAL_ARN", "GITHUB_API_URL", "LGR_RUNNER_GROUP_ID")) {
      assertThat(env.path(name)).as(name).isEqualTo(runnerEnv.path(name));
    }
    assertThat(subText(env.path("LGR_WEBHOOK_URL")))
        .isEqualTo(subText(MAIN.path("Outputs").path("WebhookUrl").path("Value")));
    assertThat(parameter(MAIN, "Placeholder").path("AllowedValues"))
        .isEqualTo(yaml("[\"true\", \"false\"]"));
    // ReconcileSettings refuses values outside these ranges, and the function would not start.
    assertRange(env.path("LGR_GRACE_SECONDS"), 60, 86_400);
    assertRange(env.path("LGR_RUNNER_AGE_LIMIT_SECONDS"), 300, 7 * 86_400);
    assertRange(env.path("LGR_REDELIVERY_WINDOW_SECONDS"), 0, 3 * 86_400);
    assertRange(env.path("LGR_API_BUDGET"), 10, 100_000);
    assertRange(env.path("LGR_RUNNER_GROUP_ID"), 1, Integer.MAX_VALUE);
  }

  @Test
  void reconcileRole_grantsWhatTheReconcilerUses_onItsResourcesOnly() {
    Map<String, JsonNode> grants = grants(MAIN, "ReconcileRole");

    assertThat(grants.keySet())
        .containsExactlyInAnyOrder(
            "sqs:SendMessage",
            "secretsmanager:GetSecretValue",
            "logs:CreateLogStream",
            "logs:PutLogEvents");
    assertThat(grants.get("sqs:SendMessage")).isEqualTo(yaml("{Fn::GetAtt: [JobsQueue, Arn]}"));
    assertThat(grants.get("secretsmanager:GetSecretValue"))
        .isEqualTo(yaml("{Ref: GitHubCredentialArn}"));
    assertThat(subText(grants.get("logs:PutLogEvents")))
        .endsWith(":log-group:${ReconcileLogGroup}:*");
  }

  @Test
  void jobRole_canDoNothing_andOnlyTheRunnerRoleMayAssumeIt() {
    // Jobs act with this role, never with the runner's (which can read the GitHub credential).
    JsonNode role = props(MAIN, "JobRole");
    assertThat(role.path("Policies").isMissingNode()).isTrue();
    assertThat(role.path("ManagedPolicyArns").isMissingNode()).isTrue();
    List<JsonNode> trust = list(role.path("AssumeRolePolicyDocument").path("Statement"));
    assertThat(trust).hasSize(1);
    assertThat(trust.get(0).path("Principal"))
        .isEqualTo(yaml("{AWS: {Fn::GetAtt: [RunnerRole, Arn]}}"));
    assertThat(trust.get(0).path("Action").asText()).isEqualTo("sts:AssumeRole");
    assertThat(MAIN.path("Resources").path("RunnerFunction").path("DependsOn").asText())
        .as("the function may assume it from its first invocation")
        .isEqualTo("RunnerAssumesJobRole");
  }

  @ParameterizedTest
  @FieldSource("TEMPLATES")
  void secrets_areNeverMadeByTheTemplate_norPassedAsValues(String name) {
    JsonNode template = TemplateFiles.parse(name);

    assertThat(idsOfType(template, "AWS::SecretsManager::Secret")).isEmpty();
    template
        .path("Parameters")
        .properties()
        .forEach(
            p -> {
              if (p.getKey().matches("(?i).*(secret|credential|token|password|key).*")
                  && !p.getKey().endsWith("CodeKey")
                  && !p.getKey().endsWith("VersionKey")) {
                assertThat(p.getKey()).endsWith("Arn");
                assertThat(p.getValue().path("AllowedPattern").asText())
                    .startsWith("^arn:aws[a-z-]*:secretsmanager:");
              }
            });
  }

  // ------------------------------------------------------------------ outputs

  @Test
  void mainOutputs_areWhatLgrDeployReports() {
    assertThat(fieldNames(MAIN.path("Outputs")))
        .contains(
            "TemplateVersion",
            "WebhookUrl",
            "JobsQueueUrl",
            "DeadLetterQueueUrl",
            "WebhookFunctionName",
            "RunnerFunctionName",
            "RunnerImageUri",
            "RunnerImageDigest");
    assertThat(MAIN.path("Outputs").path("JobsQueueUrl").path("Value"))
        .isEqualTo(yaml("{Ref: JobsQueue}"));
    assertThat(MAIN.path("Outputs").path("DeadLetterQueueUrl").path("Value"))
        .isEqualTo(yaml("{Ref: JobsDeadLetterQueue}"));
  }

  // ------------------------------------------------------------------ bootstrap

  @Test
  void bootstrapRepository_scansOnPush_keepsTagsImmutable_andKeepsTheLastImages() throws Exception {
    JsonNode repository = props(BOOTSTRAP, "RunnerImageRepository");
    JsonNode keep = parameter(BOOTSTRAP, "ImagesToKeep");

    assertThat(type(BOOTSTRAP, "RunnerImageRepository")).isEqualTo("AWS::ECR::Repository");
    assertThat(repository.path("ImageScanningConfiguration").path("ScanOnPush").asBoolean())
        .isTrue();
    assertThat(repository.path("ImageTagMutability").asText()).isEqualTo("IMMUTABLE");
    String text =
        subText(repository.path("LifecyclePolicy").path("LifecyclePolicyText"))
            .replace("${ImagesToKeep}", keep.path("Default").asText());
    JsonNode rules = new ObjectMapper().readTree(text).path("rules");
    assertThat(rules).hasSize(1);
    assertThat(rules.get(0).path("selection"))
        .isEqualTo(
            new ObjectMapper()
                .readTree(
                    "{\"tagStatus\": \"any\", \"countType\": \"imageCountMoreThan\","
                        + " \"countNumber\": "
                        + keep.path("Default").asInt()
                        + "}"));
    assertThat(rules.get(0).path("action").path("type").asText()).isEqualTo("expire");
    assertThat(smallest(BOOTSTRAP, yaml("{Ref: ImagesToKeep}"))).isGreaterThanOrEqualTo(1);
  }

  @Test
  void bootstrapBucket_isPrivate_encrypted_andTlsOnly() {
    JsonNode bucket = props(BOOTSTRAP, "CodeBucket");
    JsonNode policy = props(BOOTSTRAP, "CodeBucketPolicy");

    assertThat(bucket.path("PublicAccessBlockConfiguration"))
        .isEqualTo(
            yaml(
                "{BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true,"
                    + " RestrictPublicBuckets: true}"));
    assertThat(
            bucket
                .path("BucketEncryption")
                .path("ServerSideEncryptionConfiguration")
                .get(0)
                .path("ServerSideEncryptionByDefault")
                .path("SSEAlgorithm")
                .asText())
        .isIn("AES256", "aws:kms", "aws:kms:dsse");
    assertThat(policy.path("Bucket")).isEqualTo(yaml("{Ref: CodeBucket}"));
    JsonNode deny = policy.path("PolicyDocument").path("Statement").get(0);
    assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
    assertThat(deny.path("Condition")).isEqualTo(yaml("{Bool: {aws:SecureTransport: \"false\"}}"));
  }

  @Test
  void bootstrapOutputs_nameTheRepositoryAndTheBucket() {
    assertThat(fieldNames(BOOTSTRAP.path("Outputs")))
        .containsExactlyInAnyOrder(
            "BootstrapVersion", "RepositoryName", "RepositoryUri", "CodeBucketName");
  }

  // ------------------------------------------------------------------ helpers

  private static JsonNode yaml(String text) {
    return TemplateFiles.parse("(test)", text);
  }

  private static JsonNode resource(JsonNode template, String id) {
    JsonNode resource = template.path("Resources").path(id);
    if (resource.isMissingNode()) {
      fail("no resource " + id);
    }
    return resource;
  }

  private static String type(JsonNode template, String id) {
    return resource(template, id).path("Type").asText();
  }

  private static JsonNode props(JsonNode template, String id) {
    return resource(template, id).path("Properties");
  }

  private static JsonNode parameter(JsonNode template, String name) {
    JsonNode parameter = template.path("Parameters").path(name);
    if (parameter.isMissingNode()) {
      fail("no parameter " + name);
    }
    return parameter;
  }

  private static List<String> idsOfType(JsonNode template, String type) {
    List<String> ids = new ArrayList<>();
    template
        .path("Resources")
        .properties()
        .forEach(
            r -> {
              if (r.getValue().path("Type").asText().equals(type)) {
                ids.add(r.getKey());
              }
            });
    return ids;
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** A plain string, or the template string of a {@code Fn::Sub}. */
  private static String subText(JsonNode value) {
    if (value.isTextual()) {
      return value.asText();
    }
    JsonNode sub = value.path("Fn::Sub");
    if (sub.isTextual()) {
      return sub.asText();
    }
    if (sub.isArray() && sub.get(0).isTextual()) {
      return sub.get(0).asText();
    }
    return fail("not a string or Fn::Sub: " + value);
  }

  private static long largest(JsonNode template, JsonNode value) {
    return bound(template, value, true);
  }

  private static long smallest(JsonNode template, JsonNode value) {
    return bound(template, value, false);
  }

  /** The largest (or smallest) value a number can take, over every allowed parameter value. */
  private static long bound(JsonNode template, JsonNode value, boolean largest) {
    if (value.isNumber()) {
      return value.asLong();
    }
    if (value.isTextual() && value.asText().matches("-?[0-9]+")) {
      return Long.parseLong(value.asText());
    }
    if (value.has("Ref")) {
      String name = value.get("Ref").asText();
      JsonNode parameter = parameter(template, name);
      if (parameter.has("AllowedValues")) {
        return StreamSupport.stream(parameter.get("AllowedValues").spliterator(), false)
            .mapToLong(JsonNode::asLong)
            .reduce(largest ? Long::max : Long::min)
            .orElseThrow();
      }
      String key = largest ? "MaxValue" : "MinValue";
      if (!parameter.has(key)) {
        return fail("parameter " + name + " has no " + key + ": every value would be allowed");
      }
      return parameter.get(key).asLong();
    }
    if (value.has("Fn::If")) {
      List<Long> bounds = new ArrayList<>();
      for (int i = 1; i <= 2; i++) {
        JsonNode branch = value.get("Fn::If").get(i);
        if (!"AWS::NoValue".equals(branch.path("Ref").asText())) {
          bounds.add(bound(template, branch, largest));
        }
      }
      return largest
          ? bounds.stream().max(Long::compare).orElseThrow()
          : bounds.stream().min(Long::compare).orElseThrow();
    }
    return fail("cannot tell the range of " + value);
  }

  private static long maxLength(JsonNode template, String parameter, long regexBound) {
    JsonNode p = parameter(template, parameter);
    return p.has("MaxLength") ? p.get("MaxLength").asLong() : regexBound;
  }

  private static void assertRange(JsonNode value, long min, long max) {
    assertThat(smallest(MAIN, value)).as("smallest %s", value).isGreaterThanOrEqualTo(min);
    assertThat(largest(MAIN, value)).as("largest %s", value).isLessThanOrEqualTo(max);
  }

  /** Every action a role's inline policies allow, with the resource it is allowed on. */
  private static Map<String, JsonNode> grants(JsonNode template, String role) {
    Map<String, JsonNode> grants = new LinkedHashMap<>();
    List<JsonNode> policies = new ArrayList<>(list(props(template, role).path("Policies")));
    // Policies attached to the role as resources of their own count too.
    for (String id : idsOfType(template, "AWS::IAM::Policy")) {
      if (list(props(template, id).path("Roles")).contains(yaml("{Ref: " + role + "}"))) {
        policies.add(props(template, id));
      }
    }
    for (JsonNode policy : policies) {
      for (JsonNode statement : list(policy.path("PolicyDocument").path("Statement"))) {
        assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
        for (JsonNode action : list(statement.path("Action"))) {
          assertThat(grants)
              .as("%s granted twice", action.asText())
              .doesNotContainKey(action.asText());
          grants.put(action.asText(), statement.path("Resource"));
        }
      }
    }
    return grants;
  }

  private static List<JsonNode> list(JsonNode node) {
    List<JsonNode> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(out::add);
    } else if (!node.isMissingNode()) {
      out.add(node);
    }
    return out;
  }

  /**
   * The IAM rules: no statement anywhere has the action {@code *}; no Allow has a wildcard action;
   * every identity-policy statement names its resources, and a {@code Resource: "*"} (only where
   * AWS allows nothing narrower) has a Sid with a reason under the resource's {@code
   * Metadata.lgr.WildcardResources}.
   */
  static List<String> iamProblems(JsonNode template) {
    List<String> problems = new ArrayList<>();
    template
        .path("Resources")
        .properties()
        .forEach(
            entry -> {
              String id = entry.getKey();
              JsonNode resource = entry.getValue();
              JsonNode props = resource.path("Properties");
              JsonNode reasons = resource.path("Metadata").path("lgr").path("WildcardResources");
              switch (resource.path("Type").asText()) {
                case "AWS::IAM::Role" -> {
                  checkStatements(
                      id + " trust",
                      props.path("AssumeRolePolicyDocument"),
                      false,
                      reasons,
                      problems);
                  for (JsonNode policy : props.path("Policies")) {
                    checkStatements(id, policy.path("PolicyDocument"), true, reasons, problems);
                  }
                }
                case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy" ->
                    checkStatements(id, props.path("PolicyDocument"), true, reasons, problems);
                case "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy" ->
                    checkStatements(id, props.path("PolicyDocument"), false, reasons, problems);
                case "AWS::ECR::Repository" ->
                    checkStatements(
                        id, props.path("RepositoryPolicyText"), false, reasons, problems);
                default -> {}
              }
            });
    return problems;
  }

  private static void checkStatements(
      String owner, JsonNode document, boolean identity, JsonNode reasons, List<String> problems) {
    List<JsonNode> statements = list(document.path("Statement"));
    for (int i = 0; i < statements.size(); i++) {
      JsonNode statement = statements.get(i);
      String sid = statement.path("Sid").asText("");
      String where = owner + " statement " + (sid.isEmpty() ? String.valueOf(i + 1) : sid);
      boolean allow = "Allow".equals(statement.path("Effect").asText());
      List<JsonNode> actions = list(statement.path("Action"));
      actions.addAll(list(statement.path("NotAction")));
      for (JsonNode action : actions) {
        if (action.asText().equals("*")) {
          problems.add(where + ": action *");
        } else if (allow && action.asText().contains("*")) {
          problems.add(where + ": wildcard action " + action.asText());
        }
      }
      if (allow && statement.has("NotAction")) {
        problems.add(where + ": Allow with NotAction");
      }
      if (!identity) {
        continue;
      }
      if (!statement.has("Resource")) {
        problems.add(where + ": names no Resource");
      }
      for (JsonNode resource : list(statement.path("Resource"))) {
        if (resource.asText().equals("*")
            && (sid.isEmpty() || reasons.path(sid).asText("").isBlank())) {
          problems.add(
              where
                  + ": Resource \"*\" without a reason in Metadata.lgr.WildcardResources."
                  + (sid.isEmpty() ? "<Sid>" : sid));
        }
      }
    }
  }
}
