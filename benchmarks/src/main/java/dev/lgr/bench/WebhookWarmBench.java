package dev.lgr.bench;

import dev.lgr.webhook.HttpRequest;
import dev.lgr.webhook.HttpResponse;
import dev.lgr.webhook.JobQueue;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import dev.lgr.webhook.WebhookSecret;
import dev.lgr.webhook.WebhookService;
import dev.lgr.webhook.WebhookSignature;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Warm cost of one delivery: the CPU time the handler's thread spends on a verified, routed 25 KB
 * {@code workflow_job} delivery in a JVM that has already handled many. Runs {@link WebhookService}
 * from the deployed (shaded) jar with the function's routing settings, the secret already cached
 * (as after the first delivery) and an in-memory queue in place of SQS, so the SQS call is not in
 * the figure; the JSON log line is built but not printed.
 *
 * <p>Included: header map, signature check (HMAC-SHA256 over the body, constant-time compare),
 * streaming parse of the body, label and repository routing, the job request's JSON, the response
 * and the log line. Not included: reading the API Gateway event (the body arrives as a JSON string
 * inside it), the SQS send, printing the log line.
 *
 * <p>Usage: {@code WebhookWarmBench <folder with body.json and headers.txt> [warmup deliveries]
 * [batches] [deliveries per batch]}, with the function's {@code LGR_*} settings in the environment.
 * Prints the median, 10th and 90th percentile CPU microseconds per delivery over the batches (and
 * wall time for comparison).
 */
public final class WebhookWarmBench {
  private WebhookWarmBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: WebhookWarmBench <folder> [warmup] [batches] [batchSize]");
      System.exit(2);
    }
    Path folder = Path.of(args[0]);
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    int batches = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    int batchSize = args.length > 3 ? Integer.parseInt(args[3]) : 100;

    byte[] body = Files.readAllBytes(folder.resolve("body.json"));
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line : Files.readAllLines(folder.resolve("headers.txt"))) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        headers.put(line.substring(0, colon), line.substring(colon + 2));
      }
    }
    RoutingRules rules =
        new RoutingRules(
            split(System.getenv("LGR_LABELS")),
            split(System.getenv("LGR_REPOSITORIES")),
            split(System.getenv("LGR_ORGANIZATIONS")));
    byte[] key = WebhookSignature.key(BenchSettings.SECRET);
    WebhookSecret secret =
        new WebhookSecret() {
          @Override
          public byte[] current() {
            return key;
          }

          @Override
          public Optional<byte[]> refresh() {
            return Optional.empty();
          }
        };
    CountingQueue queue = new CountingQueue();
    LastLine log = new LastLine();
    WebhookService service = new WebhookService(rules, secret, queue, log);

    // One delivery first, checked: the figures are only worth printing for the dispatched path.
    HttpResponse first = service.handle(new HttpRequest("POST", headers, body));
    if (first.status() != 202 || queue.sent != 1) {
      System.err.println(
          "webhook-warm-bench: the delivery was not dispatched: "
              + first.status()
              + " "
              + first.body()
              + " log: "
              + log.line);
      System.exit(1);
    }

    for (int i = 0; i < warmup; i++) {
      deliver(service, headers, body);
    }

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] cpuMicros = new double[batches];
    double[] wallMicros = new double[batches];
    for (int b = 0; b < batches; b++) {
      long cpu0 = threads.getCurrentThreadCpuTime();
      long wall0 = System.nanoTime();
      for (int i = 0; i < batchSize; i++) {
        deliver(service, headers, body);
      }
      long wall1 = System.nanoTime();
      long cpu1 = threads.getCurrentThreadCpuTime();
      cpuMicros[b] = (cpu1 - cpu0) / 1_000.0 / batchSize;
      wallMicros[b] = (wall1 - wall0) / 1_000.0 / batchSize;
    }
    long expected = 1L + warmup + (long) batches * batchSize;
    if (queue.sent != expected || queue.lastJobId != BenchSettings.JOB_ID) {
      System.err.println(
          "webhook-warm-bench: expected " + expected + " dispatches, got " + queue.sent);
      System.exit(1);
    }
    Arrays.sort(cpuMicros);
    Arrays.sort(wallMicros);
    System.out.printf(
        "warm body_bytes=%d deliveries=%d batches=%d batch=%d cpu_us_median=%.1f cpu_us_p10=%.1f"
            + " cpu_us_p90=%.1f wall_us_median=%.1f jvm_flags=%s%n",
        body.length,
        expected,
        batches,
        batchSize,
        percentile(cpuMicros, 50),
        percentile(cpuMicros, 10),
        percentile(cpuMicros, 90),
        percentile(wallMicros, 50),
        String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
  }

  private static void deliver(WebhookService service, Map<String, String> headers, byte[] body) {
    HttpResponse response = service.handle(new HttpRequest("POST", headers, body));
    if (response.status() != 202) {
      throw new IllegalStateException("not dispatched: " + response.body());
    }
  }

  private static double percentile(double[] sorted, int p) {
    double rank = (sorted.length - 1) * p / 100.0;
    int low = (int) Math.floor(rank);
    int high = (int) Math.ceil(rank);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
  }

  private static List<String> split(String value) {
    List<String> out = new ArrayList<>();
    if (value != null) {
      for (String part : value.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return out;
  }

  /**
   * The jobs queue without SQS: counts what would have been sent, and serialises it as SQS would.
   */
  private static final class CountingQueue implements JobQueue {
    long sent;
    long lastJobId;
    int bytes;

    @Override
    public void send(JobRequest request) {
      bytes += request.toJson().length();
      lastJobId = request.jobId();
      sent++;
    }
  }

  /** The log without output: keeps the last line so that building it is not optimised away. */
  private static final class LastLine implements java.util.function.Consumer<String> {
    String line;

    @Override
    public void accept(String line) {
      this.line = line;
    }
  }
}
