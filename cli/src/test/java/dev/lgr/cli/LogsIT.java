package dev.lgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lgr.logs.FunctionLogs;
import dev.lgr.logs.FunctionLogs.Function;
import dev.lgr.testing.MotoServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.StackResource;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;

/**
 * {@code lgr logs} against CloudWatch Logs on moto server: the log groups are found through a
 * stack's resources (named as in templates/main.yaml), and lines are put into them as the functions
 * log them.
 */
class LogsIT {
  private static final CloudFormationClient CLOUD_FORMATION =
      CloudFormationClient.builder()
          .region(MotoServer.REGION)
          .credentialsProvider(MotoServer.credentials())
          .endpointOverride(MotoServer.endpoint())
          .build();
  private static final CloudWatchLogsClient LOGS =
      CloudWatchLogsClient.builder()
          .region(MotoServer.REGION)
          .credentialsProvider(MotoServer.credentials())
          .endpointOverride(MotoServer.endpoint())
          .build();
  private static final String TEMPLATE =
      """
      Resources:
        WebhookLogGroup:
          Type: AWS::Logs::LogGroup
          Properties: {RetentionInDays: 1}
        RunnerLogGroup:
          Type: AWS::Logs::LogGroup
          Properties: {RetentionInDays: 1}
      """;

  private static String stack;
  private static String webhookGroup;
  private static String runnerGroup;
  private static Instant base;

  @TempDir Path home;

  @BeforeAll
  static void stackWithLines() {
    stack = MotoServer.unique("lgr-logs");
    Map<String, String> groups = newStack(stack);
    webhookGroup = groups.get("WebhookLogGroup");
    runnerGroup = groups.get("RunnerLogGroup");
    base = Instant.now().minusSeconds(600);
    put(
        webhookGroup,
        "2026/11/29/[$LATEST]a",
        0,
        "{\"delivery\":\"d-1\",\"event\":\"workflow_job\",\"action\":\"queued\","
            + "\"repository\":\"octo/app\",\"job_id\":42,\"decision\":\"dispatched\",\"status\":202}");
    put(
        runnerGroup,
        "2026/11/29/[$LATEST]b",
        1,
        "{\"event\":\"registered\",\"runner\":\"lgr-42-ab12cd\",\"repository\":\"octo/app\","
            + "\"job_id\":42,\"message\":\"runner id 7 on octo/app\"}");
    put(runnerGroup, "2026/11/29/[$LATEST]b", 2, "[lgr-42-ab12cd] √ Connected to GitHub");
    put(
        webhookGroup,
        "2026/11/29/[$LATEST]a",
        3,
        "{\"delivery\":\"d-2\",\"event\":\"ping\",\"decision\":\"ping\",\"status\":200}");
    put(
        runnerGroup,
        "2026/11/29/[$LATEST]c",
        4,
        "{\"event\":\"failed\",\"message_id\":\"m-1\",\"message\":\"no runner started: GitHub"
            + " answered 403\"}");
    put(runnerGroup, "2026/11/29/[$LATEST]c", 5, "START RequestId: r-1 Version: $LATEST");
    put(
        runnerGroup,
        "2026/11/29/[$LATEST]b",
        6,
        "{\"event\":\"exited\",\"runner\":\"lgr-42-ab12cd\",\"job_id\":42,"
            + "\"message\":\"runner exited with code 0\"}");
  }

  /** A stack with the two log groups: logical id to group name. */
  private static Map<String, String> newStack(String name) {
    CLOUD_FORMATION.createStack(b -> b.stackName(name).templateBody(TEMPLATE));
    Map<String, String> groups = new java.util.HashMap<>();
    for (StackResource r :
        CLOUD_FORMATION.describeStackResources(b -> b.stackName(name)).stackResources()) {
      groups.put(r.logicalResourceId(), r.physicalResourceId());
    }
    return groups;
  }

  private static void put(String group, String stream, int second, String message) {
    put(group, stream, base.plusSeconds(second), message);
  }

  private static void put(String group, String stream, Instant time, String message) {
    try {
      LOGS.createLogStream(b -> b.logGroupName(group).logStreamName(stream));
    } catch (
        software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException e) {
      // the stream has earlier lines
    }
    LOGS.putLogEvents(
        b ->
            b.logGroupName(group)
                .logStreamName(stream)
                .logEvents(
                    InputLogEvent.builder()
                        .timestamp(time.toEpochMilli())
                        .message(message)
                        .build()));
  }

  @Test
  void read_interleavesBothGroupsInTimeOrder_throughEveryPage() {
    FunctionLogs logs = new FunctionLogs(LOGS, 2); // 2 lines a page: 4 pages for the runner
    Map<Function, String> groups =
        FunctionLogs.groups(
            stack,
            Map.of("WebhookLogGroup", webhookGroup, "RunnerLogGroup", runnerGroup),
            List.of(Function.WEBHOOK, Function.RUNNER));
    List<FunctionLogs.Line> lines = new ArrayList<>();

    long count = logs.read(groups, base.minusSeconds(1), Instant.now(), null, lines::add);

    assertThat(count).isEqualTo(7);
    assertThat(lines)
        .extracting(l -> l.time().getEpochSecond() - base.getEpochSecond())
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(lines)
        .extracting(l -> l.function().label())
        .containsExactly("webhook", "runner", "runner", "webhook", "runner", "runner", "runner");
    assertThat(lines.get(0).jobId()).isEqualTo(42L);
    assertThat(lines.get(0).runner()).isNull();
    assertThat(lines.get(2).runner()).isEqualTo("lgr-42-ab12cd");
    assertThat(lines.get(2).jobId()).as("from the runner's name").isEqualTo(42L);
    assertThat(lines.get(5).runner()).isNull();
    assertThat(lines.stream().filter(FunctionLogs::isError))
        .extracting(FunctionLogs.Line::message)
        .containsExactly(lines.get(4).message());
  }

  @Test
  void errors_areTheFailedAndErrorLinesOfTheRunnerFunction() {
    List<FunctionLogs.Line> errors =
        new FunctionLogs(LOGS).errors(Function.RUNNER, runnerGroup, base.minusSeconds(1), 5);

    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).message()).contains("no runner started: GitHub answered 403");
  }

  @Test
  void logs_printsBothFunctionsWithRunnerAndJob_andFiltersAndNamesOne() throws Exception {
    LgrProcess lgr = new LgrProcess(home, null, null);

    LgrProcess.Run both = lgr.run("logs", "--stack", stack, "--since", "1h");

    assertThat(both.exit()).as(both.err()).isZero();
    List<String> lines = both.out().lines().toList();
    assertThat(lines).hasSize(7);
    assertThat(lines.get(0)).contains(" webhook job 42  {\"delivery\":\"d-1\"");
    assertThat(lines.get(2))
        .endsWith(" runner  lgr-42-ab12cd job 42  √ Connected to GitHub")
        .doesNotContain("\u001b[");
    assertThat(lines.get(5)).contains(" runner   START RequestId: r-1");

    LgrProcess.Run filtered =
        lgr.run("logs", "runner", "--stack", stack, "--filter", "no runner started");
    assertThat(filtered.exit()).as(filtered.err()).isZero();
    assertThat(filtered.out().lines().toList())
        .singleElement()
        .asString()
        .contains("GitHub answered 403");

    LgrProcess.Run json = lgr.run("logs", "webhook", "--stack", stack, "--output", "json");
    assertThat(json.exit()).as(json.err()).isZero();
    List<String> documents = json.out().lines().toList();
    assertThat(documents).hasSize(2);
    for (String document : documents) {
      JsonNode line = JsonSchemas.assertValid("logs-line", document);
      assertThat(line.path("function").asText()).isEqualTo("webhook");
    }
  }

  @Test
  void logs_badInput_isBadUsage_andAMissingStackIsTheWrongState() throws Exception {
    LgrProcess lgr = new LgrProcess(home, null, null);

    LgrProcess.Run badFunction = lgr.run("logs", "reconcile", "--stack", stack);
    assertThat(badFunction.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(badFunction.err()).contains("FUNCTION is webhook or runner");

    LgrProcess.Run badAge = lgr.run("logs", "--stack", stack, "--since", "yesterday");
    assertThat(badAge.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(badAge.err()).contains("--since takes a number and s, m, h or d");

    LgrProcess.Run noStack = lgr.run("logs", "--stack", "lgr-nothing-here");
    assertThat(noStack.exit()).isEqualTo(ExitCode.WRONG_STATE);
    assertThat(noStack.err()).contains("stack lgr-nothing-here does not exist");
  }

  @Test
  void follow_printsNewLinesOnce_andStopsWhenInterrupted() throws Exception {
    String followed = MotoServer.unique("lgr-follow");
    String group = newStack(followed).get("RunnerLogGroup");
    Instant start = Instant.now().minusSeconds(60);
    put(group, "s/1", start, "[lgr-43-ef34] Listening for Jobs");
    put(group, "s/1", start.plusSeconds(1), "[lgr-43-ef34] Waiting");
    Path out = home.resolve("follow.out");
    Path err = home.resolve("follow.err");
    Process follow =
        new LgrProcess(home, null, null)
            .start(out, err, "logs", "runner", "--stack", followed, "--follow");
    try {
      waitForLines(out, 2, follow, err);
      Instant now = Instant.now();
      put(
          group,
          "s/2",
          now.minusSeconds(1),
          "{\"event\":\"registered\",\"runner\":\"lgr-44-ab56\",\"job_id\":44,"
              + "\"message\":\"runner id 8\"}");
      put(group, "s/1", now, "[lgr-43-ef34] Running job: build");

      waitForLines(out, 4, follow, err);
      Thread.sleep(4_500); // two more polls: nothing may come twice

      List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
      assertThat(lines).hasSize(4).doesNotHaveDuplicates();
      assertThat(lines.get(2)).contains("lgr-44-ab56 job 44  {");
      assertThat(lines.get(3)).contains("lgr-43-ef34 job 43  Running job: build");
    } finally {
      follow.destroy(); // SIGTERM, as Ctrl-C ends it: the shutdown hook stops the loop
    }
    assertThat(follow.waitFor(20, TimeUnit.SECONDS)).as("stopped").isTrue();
  }

  private static List<String> waitForLines(Path out, int count, Process process, Path err)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
      if (lines.size() >= count) {
        return lines;
      }
      assertThat(process.isAlive()).as(Files.readString(err)).isTrue();
      Thread.sleep(200);
    }
    throw new AssertionError(
        "fewer than " + count + " lines in 30 s: " + Files.readString(out) + Files.readString(err));
  }
}
