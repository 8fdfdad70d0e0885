package dev.lgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.deploy.LgrConfig;
import dev.lgr.deploy.aws.AwsStepException;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.deploy.stack.StackFailedException;
import dev.lgr.logs.FunctionLogs;
import dev.lgr.logs.FunctionLogs.Function;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

/** {@code lgr logs}: the deployed functions' CloudWatch logs, in time order. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Show the functions' CloudWatch logs in time order: the webhook function's, the runner"
          + " function's, or both interleaved. Each line gets its time, the function, and the"
          + " runner's name and the job's id where the line names them.",
    },
    footer = {
      "",
      "Examples:",
      "  lgr logs runner --since 30m --filter 'no runner started'",
      "  lgr logs --follow                     # both functions, until Ctrl-C",
    })
public final class Logs implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      arity = "0..1",
      paramLabel = "FUNCTION",
      description = "webhook or runner (default: both, interleaved).")
  String function;

  @Option(
      names = "--since",
      paramLabel = "AGE",
      defaultValue = "1h",
      description = "From this long ago: 45s, 30m, 2h, 1d (default: ${DEFAULT-VALUE}).")
  String since;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new lines as they come (polls every 2 s) until Ctrl-C.")
  boolean follow;

  @Option(
      names = "--filter",
      paramLabel = "TEXT",
      description =
          "Only lines with this text, or matching this CloudWatch filter pattern ({ $.job_id ="
              + " 42 }, ?error ?failed).")
  String filter;

  @Option(
      names = "--stack",
      paramLabel = "NAME",
      description = "The main stack (default: lgr.yaml's stack, else lgr).")
  String stack;

  @Option(
      names = "--output",
      paramLabel = "text|json",
      defaultValue = "text",
      description = "Text, or one JSON document per line (default: ${DEFAULT-VALUE}).")
  String output;

  @Mixin ConfigOptions settingsFile;

  @Mixin AwsOptions aws;

  @Mixin VerboseOption verbose;

  /** How often --follow asks CloudWatch for new lines. */
  private static final Duration POLL_INTERVAL = Duration.ofSeconds(2);

  /** Whether --follow goes on; the JVM's shutdown (Ctrl-C) or a test stops it. */
  final AtomicBoolean following = new AtomicBoolean(true);

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!output.equals("text") && !output.equals("json")) {
      throw new LgrException(ExitCode.USAGE, "--output takes text or json, not '" + output + "'");
    }
    List<Function> wanted;
    if (function == null) {
      wanted = List.of(Function.WEBHOOK, Function.RUNNER);
    } else if (Function.named(function) != null) {
      wanted = List.of(Function.named(function));
    } else {
      throw new LgrException(
          ExitCode.USAGE,
          "FUNCTION is webhook or runner (or none for both), not '" + function + "'");
    }
    Duration age = PruneRunners.duration(since, "--since");
    LgrConfig file = settingsFile.read(aws);
    String stackName = ConfigOptions.stackName(stack, file);
    Consumer<FunctionLogs.Line> printer = printer(out, output.equals("json"));
    try (CloudFormationClient cloudFormation = aws.client(CloudFormationClient.builder());
        CloudWatchLogsClient cloudWatch = aws.client(CloudWatchLogsClient.builder())) {
      StackDeployer stacks =
          new StackDeployer(
              cloudFormation, StackDeployer.Listener.QUIET, Duration.ZERO, Duration.ZERO);
      Map<Function, String> groups;
      try {
        groups = FunctionLogs.groups(stackName, stacks.resources(stackName), wanted);
      } catch (StackFailedException | IllegalStateException e) {
        throw new LgrException(ExitCode.WRONG_STATE, e.getMessage() + " (--stack)", e);
      }
      FunctionLogs logs = new FunctionLogs(cloudWatch);
      Instant from = Instant.now().minus(age);
      if (follow) {
        Thread stopper = new Thread(() -> following.set(false), "lgr-logs-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
          logs.follow(groups, from, filter, POLL_INTERVAL, following::get, printer);
        } finally {
          try {
            Runtime.getRuntime().removeShutdownHook(stopper);
          } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook has run
          }
        }
      } else {
        logs.read(groups, from, Instant.now(), filter, printer);
      }
    } catch (AwsStepException e) {
      throw new LgrException(ExitCode.REMOTE_FAILURE, e.getMessage(), e);
    }
    out.flush();
    return ExitCode.OK;
  }

  private static Consumer<FunctionLogs.Line> printer(PrintWriter out, boolean json) {
    if (json) {
      ObjectMapper mapper = new ObjectMapper();
      return line -> {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("time", line.time().toString());
        doc.put("function", line.function().label());
        doc.put("runner", line.runner());
        doc.put("job_id", line.jobId());
        doc.put("message", line.message());
        try {
          out.println(mapper.writeValueAsString(doc));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UncheckedIOException(e);
        }
        out.flush();
      };
    }
    CommandLine.Help.Ansi ansi = CommandLine.Help.Ansi.AUTO;
    return line -> {
      out.println(render(ansi, line));
      out.flush();
    };
  }

  /** {@code TIME FUNCTION [RUNNER] [job N] MESSAGE}, coloured on a terminal without NO_COLOR. */
  static String render(CommandLine.Help.Ansi ansi, FunctionLogs.Line line) {
    String label = String.format("%-7s", line.function().label());
    StringBuilder text = new StringBuilder();
    text.append(ansi.string("@|faint " + line.time() + "|@")).append(' ');
    text.append(
        ansi.string(
            (line.function() == Function.RUNNER ? "@|cyan " : "@|magenta ") + label + "|@"));
    if (line.runner() != null) {
      text.append(' ').append(ansi.string("@|bold " + line.runner() + "|@"));
    }
    if (line.jobId() != null) {
      text.append(" job ").append(line.jobId());
    }
    String message = line.message();
    if (line.runner() != null && message.startsWith("[" + line.runner() + "] ")) {
      message = message.substring(line.runner().length() + 3);
    }
    return text.append("  ").append(message).toString();
  }
}
