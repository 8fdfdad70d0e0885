package dev.lgr.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.deploy.aws.AwsStepException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.CloudWatchLogsException;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * The deployed functions' CloudWatch logs, read with FilterLogEvents through every page, merged in
 * time order across the functions. The handlers log one JSON line per event (with {@code runner}
 * and {@code job_id} where they have them) and forward the runner's output as {@code [runner name]
 * text}; each line is read for those. Never prints.
 */
public final class FunctionLogs {
  /** The functions lgr deploys, with the main template's logical id of each one's log group. */
  public enum Function {
    WEBHOOK("webhook", "WebhookLogGroup"),
    RUNNER("runner", "RunnerLogGroup");

    private final String label;
    private final String logGroupId;

    Function(String label, String logGroupId) {
      this.label = label;
      this.logGroupId = logGroupId;
    }

    /** The name users give it ({@code webhook}, {@code runner}). */
    public String label() {
      return label;
    }

    /** The function named so, or null. */
    public static Function named(String label) {
      for (Function f : values()) {
        if (f.label.equals(label)) {
          return f;
        }
      }
      return null;
    }
  }

  /**
   * One log line.
   *
   * @param runner the runner's name, or null when the line names none
   * @param jobId the job's id, or null when the line names none
   * @param event the handler's {@code event} field for a JSON line, else null
   */
  public record Line(
      Instant time,
      Function function,
      String runner,
      Long jobId,
      String event,
      String message,
      String eventId) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RUNNER_PREFIX = Pattern.compile("^\\[(lgr-[^\\]\\s]+)\\] ");
  private static final Pattern RUNNER_NAME = Pattern.compile("^lgr-(\\d+)-");

  /** Narrows the runner function's log to error candidates; {@link #isError} decides. */
  private static final String ERROR_PATTERN =
      "?error ?failed ?errorType ?\"Task timed out\" ?\"Runtime exited\"";

  private final CloudWatchLogsClient logs;
  private final Integer pageSize;

  public FunctionLogs(CloudWatchLogsClient logs) {
    this(logs, null);
  }

  /**
   * @param pageSize events per FilterLogEvents page, or null for CloudWatch's default
   */
  public FunctionLogs(CloudWatchLogsClient logs, Integer pageSize) {
    this.logs = logs;
    this.pageSize = pageSize;
  }

  /**
   * The log group of each wanted function, from the main stack's resources (logical id to name).
   *
   * @throws IllegalStateException naming the stack's missing log group
   */
  public static Map<Function, String> groups(
      String stackName, Map<String, String> stackResources, List<Function> wanted) {
    Map<Function, String> groups = new LinkedHashMap<>();
    for (Function f : wanted) {
      String name = stackResources.get(f.logGroupId);
      if (name == null) {
        throw new IllegalStateException(
            "stack " + stackName + " has no " + f.logGroupId + ": deploy it with this lgr");
      }
      groups.put(f, name);
    }
    return groups;
  }

  /**
   * A CloudWatch filter pattern from what the user typed: a pattern ({@code {…}}, {@code […]},
   * {@code "…"}, {@code ?…}, {@code -…}, {@code %…%}) is kept; other text is matched as one exact
   * phrase.
   */
  public static String pattern(String filter) {
    if (filter == null || filter.isBlank()) {
      return null;
    }
    String f = filter.strip();
    if (f.startsWith("{")
        || f.startsWith("[")
        || f.startsWith("\"")
        || f.startsWith("?")
        || f.startsWith("-")
        || f.startsWith("%")
        || f.contains("\"")) {
      return f;
    }
    return "\"" + f + "\"";
  }

  /**
   * Every line logged from {@code from} to {@code to} (inclusive) that matches the filter, in time
   * order across the groups, through every page.
   *
   * @return the number of lines given to the sink
   */
  public long read(
      Map<Function, String> groups, Instant from, Instant to, String filter, Consumer<Line> sink) {
    List<Iterator<Line>> sources = new ArrayList<>();
    groups.forEach((f, group) -> sources.add(events(f, group, from, to, pattern(filter))));
    return merge(sources, sink);
  }

  /**
   * Reads from {@code from}, then polls every {@code interval} for new lines until {@code
   * keepGoing} says stop. Each poll reads again from a little before the newest line seen (so lines
   * CloudWatch takes in late are not missed) and skips the lines already given, by event id.
   */
  public void follow(
      Map<Function, String> groups,
      Instant from,
      String filter,
      Duration interval,
      BooleanSupplier keepGoing,
      Consumer<Line> sink)
      throws InterruptedException {
    Duration lateness = Duration.ofSeconds(30);
    Map<String, Instant> seen = new HashMap<>();
    Instant cursor = from;
    while (true) {
      Instant now = Instant.now();
      Instant[] newest = {cursor};
      read(
          groups,
          cursor.minus(lateness).isBefore(from) ? from : cursor.minus(lateness),
          now,
          filter,
          line -> {
            if (seen.putIfAbsent(line.eventId(), line.time()) == null) {
              sink.accept(line);
              if (line.time().isAfter(newest[0])) {
                newest[0] = line.time();
              }
            }
          });
      cursor = newest[0];
      Instant forget = cursor.minus(lateness).minusSeconds(1);
      seen.values().removeIf(t -> t.isBefore(forget));
      if (!keepGoing.getAsBoolean()) {
        return;
      }
      Thread.sleep(interval.toMillis());
      if (!keepGoing.getAsBoolean()) {
        return;
      }
    }
  }

  /**
   * The latest errors in a function's log since {@code since}, newest last: lines whose JSON {@code
   * event} is {@code error} or {@code failed}, uncaught exceptions ({@code errorType}), and
   * Lambda's own "Task timed out" and "Runtime exited" lines.
   *
   * @param max at most this many (the latest)
   */
  public List<Line> errors(Function function, String group, Instant since, int max) {
    Deque<Line> latest = new ArrayDeque<>();
    Iterator<Line> lines = events(function, group, since, Instant.now(), ERROR_PATTERN);
    while (lines.hasNext()) {
      Line line = lines.next();
      if (isError(line)) {
        latest.addLast(line);
        if (latest.size() > max) {
          latest.removeFirst();
        }
      }
    }
    return List.copyOf(latest);
  }

  /** Whether a line reports an error (see {@link #errors}). */
  public static boolean isError(Line line) {
    if (line.event() != null) {
      return line.event().equals("error") || line.event().equals("failed");
    }
    String m = line.message();
    return m.contains("\"errorType\"")
        || m.contains("Task timed out")
        || m.contains("Runtime exited")
        || m.contains("Runtime.ExitError");
  }

  /** Reads a raw event: its runner, job id and event from the JSON line or the runner prefix. */
  static Line line(Function function, FilteredLogEvent e) {
    String message = e.message() == null ? "" : e.message().stripTrailing();
    String runner = null;
    Long jobId = null;
    String event = null;
    if (message.startsWith("{")) {
      try {
        JsonNode json = JSON.readTree(message);
        if (json != null && json.isObject()) {
          runner = text(json.get("runner"));
          if (json.hasNonNull("job_id") && json.get("job_id").canConvertToLong()) {
            jobId = json.get("job_id").asLong();
          }
          event = text(json.get("event"));
        }
      } catch (IOException notJson) {
        // a line that only looks like JSON: shown as it is
      }
    } else {
      Matcher prefix = RUNNER_PREFIX.matcher(message);
      if (prefix.find()) {
        runner = prefix.group(1);
      }
    }
    if (jobId == null && runner != null) {
      Matcher name = RUNNER_NAME.matcher(runner);
      if (name.find()) {
        jobId = Long.parseLong(name.group(1));
      }
    }
    Instant time =
        Instant.ofEpochMilli(e.timestamp() == null ? e.ingestionTime() : e.timestamp().longValue());
    return new Line(time, function, runner, jobId, event, message, e.logStreamName() + "/" + id(e));
  }

  private static String id(FilteredLogEvent e) {
    return e.eventId() != null ? e.eventId() : e.timestamp() + ":" + e.message().hashCode();
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  /** One group's events, page after page as they are asked for. */
  @SuppressWarnings("deprecation") // interleaved, see below
  private Iterator<Line> events(
      Function function, String group, Instant from, Instant to, String pattern) {
    FilterLogEventsRequest.Builder request =
        FilterLogEventsRequest.builder()
            .logGroupName(group)
            .startTime(from.toEpochMilli())
            .endTime(to.toEpochMilli())
            // What CloudWatch always does since 2019 (the flag is ignored there); said so that a
            // stand-in sorts the streams' events by time as well.
            .interleaved(true);
    if (pattern != null) {
      request.filterPattern(pattern);
    }
    if (pageSize != null) {
      request.limit(pageSize);
    }
    Iterator<FilteredLogEvent> events;
    try {
      events = logs.filterLogEventsPaginator(request.build()).events().iterator();
    } catch (CloudWatchLogsException e) {
      throw failure(group, e);
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        try {
          return events.hasNext();
        } catch (ResourceNotFoundException e) {
          return false; // no line logged yet: Lambda makes no group until then
        } catch (CloudWatchLogsException e) {
          throw failure(group, e);
        }
      }

      @Override
      public Line next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return line(function, events.next());
      }
    };
  }

  private static AwsStepException failure(String group, CloudWatchLogsException e) {
    return AwsStepException.of("read the log group " + group, e);
  }

  /** Gives the lines of several time-ordered sources in one time order. */
  private static long merge(List<Iterator<Line>> sources, Consumer<Line> sink) {
    record Head(Line line, Iterator<Line> rest) {}
    java.util.PriorityQueue<Head> heads =
        new java.util.PriorityQueue<>(
            Comparator.comparing((Head h) -> h.line().time())
                .thenComparing(h -> h.line().function()));
    for (Iterator<Line> source : sources) {
      if (source.hasNext()) {
        heads.add(new Head(source.next(), source));
      }
    }
    long count = 0;
    while (!heads.isEmpty()) {
      Head head = heads.poll();
      sink.accept(head.line());
      count++;
      if (head.rest().hasNext()) {
        heads.add(new Head(head.rest().next(), head.rest()));
      }
    }
    return count;
  }
}
