package dev.lgr.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.aws.AwsClients;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.RoutingRules;
import dev.lgr.webhook.WebhookFixtures;
import dev.lgr.webhook.WebhookSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Throughput of {@code lgr serve} (the webhook function's code behind HTTP) into an SQS FIFO queue
 * on moto server: {@code clients} concurrent senders post {@code deliveries} signed {@code
 * workflow_job} {@code queued} deliveries, each for another job (GitHub's own queued example,
 * re-targeted), so that every one is verified, routed and sent to the queue. Prints one line per
 * run: deliveries per second and the latency percentiles of the answers, after checking that every
 * delivery was answered 202 and that the queue holds one message per delivery (then emptied).
 *
 * <p>{@code create-queue NAME} makes the queue and prints its URL; {@code run URL QUEUE_URL
 * DELIVERIES CLIENTS RUN} runs once. AWS settings come from {@code AWS_ENDPOINT_URL} (moto) with
 * moto's fixed credentials.
 */
public final class ServeThroughputBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ServeThroughputBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("create-queue")) {
      try (SqsClient sqs = sqs()) {
        System.out.println(
            sqs.createQueue(
                    b ->
                        b.queueName(args[1])
                            .attributes(
                                Map.of(
                                    QueueAttributeName.FIFO_QUEUE, "true",
                                    QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false")))
                .queueUrl());
      }
    } else if (args.length == 5 && args[0].equals("direct")) {
      direct(
          args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
    } else if (args.length == 6 && args[0].equals("run")) {
      run(
          URI.create(args[1]),
          args[2],
          Integer.parseInt(args[3]),
          Integer.parseInt(args[4]),
          Integer.parseInt(args[5]));
    } else {
      System.err.println(
          "usage: ServeThroughputBench create-queue NAME\n"
              + "       ServeThroughputBench run WEBHOOK_URL QUEUE_URL DELIVERIES CLIENTS RUN\n"
              + "       ServeThroughputBench direct QUEUE_URL DELIVERIES CLIENTS RUN");
      System.exit(2);
    }
  }

  private static SqsClient sqs() {
    String endpoint = System.getenv("AWS_ENDPOINT_URL");
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalStateException("AWS_ENDPOINT_URL must point at moto server");
    }
    return new AwsClients(
            Region.US_EAST_1,
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")),
            URI.create(endpoint))
        .sqs();
  }

  private static void run(URI webhook, String queueUrl, int deliveries, int clients, int run)
      throws Exception {
    String secret = System.getenv("LGR_WEBHOOK_SECRET");
    if (secret == null || secret.isBlank()) {
      throw new IllegalStateException("LGR_WEBHOOK_SECRET must hold the webhook secret");
    }
    // Everything is made before the clock starts: bodies, signatures, requests.
    ObjectNode example =
        (ObjectNode)
            WebhookFixtures.of("workflow_job").stream()
                .filter(e -> "queued".equals(e.action()))
                .map(WebhookFixtures.Example::json)
                .filter(
                    j -> BenchSettings.REPOSITORY.equals(j.at("/repository/full_name").asText()))
                .findFirst()
                .orElseThrow();
    byte[] key = WebhookSignature.key(secret);
    List<HttpRequest> requests = new ArrayList<>(deliveries);
    for (int i = 0; i < deliveries; i++) {
      ObjectNode body = example.deepCopy();
      ObjectNode job = (ObjectNode) body.get("workflow_job");
      long jobId = 50_000_000_000L + run * 10_000_000L + i;
      job.put("id", jobId);
      job.put("run_id", jobId / 4);
      byte[] bytes = JSON.writeValueAsBytes(body);
      requests.add(
          HttpRequest.newBuilder(webhook)
              .timeout(Duration.ofSeconds(30))
              .header("Content-Type", "application/json")
              .header("User-Agent", "GitHub-Hookshot/ab12cd3")
              .header("X-GitHub-Event", "workflow_job")
              .header("X-GitHub-Delivery", UUID.randomUUID().toString())
              .header("X-Hub-Signature-256", WebhookSignature.sign(key, bytes))
              .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
              .build());
    }
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    timed(
        "serve",
        queueUrl,
        deliveries,
        clients,
        run,
        i -> http.send(requests.get(i), HttpResponse.BodyHandlers.discarding()).statusCode());
  }

  /**
   * The baseline: the same number of job requests sent straight to the queue by the same number of
   * clients (SqsJobQueue, as the webhook sends them), without HTTP, signature or parsing.
   */
  private static void direct(String queueUrl, int deliveries, int clients, int run)
      throws Exception {
    try (SqsClient sqs = sqs()) {
      SqsJobQueue queue = new SqsJobQueue(sqs, queueUrl);
      timed(
          "direct",
          queueUrl,
          deliveries,
          clients,
          run,
          i -> {
            long jobId = 60_000_000_000L + run * 10_000_000L + i;
            queue.send(
                new JobRequest(
                    BenchSettings.REPOSITORY,
                    RoutingRules.Scope.REPOSITORY,
                    jobId,
                    jobId / 4,
                    1,
                    List.of("self-hosted", "k8s"),
                    UUID.randomUUID().toString()));
            return 202;
          });
    }
  }

  /** One timed send of delivery {@code i}; answers the HTTP status (202 when queued). */
  private interface Send {
    int send(int i) throws Exception;
  }

  private static void timed(
      String mode, String queueUrl, int deliveries, int clients, int run, Send send)
      throws Exception {
    long[] latencies = new long[deliveries];
    int[] statuses = new int[deliveries];
    AtomicInteger next = new AtomicInteger();
    List<Thread> senders = new ArrayList<>();
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      Thread sender =
          new Thread(
              () -> {
                for (int i = next.getAndIncrement(); i < deliveries; i = next.getAndIncrement()) {
                  long sent = System.nanoTime();
                  try {
                    statuses[i] = send.send(i);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  } catch (Exception e) {
                    statuses[i] = -1;
                  }
                  latencies[i] = System.nanoTime() - sent;
                }
              },
              "sender-" + c);
      sender.start();
      senders.add(sender);
    }
    for (Thread sender : senders) {
      sender.join();
    }
    long elapsed = System.nanoTime() - start;

    long accepted = Arrays.stream(statuses).filter(s -> s == 202).count();
    if (accepted != deliveries) {
      System.err.printf(
          "serve-bench: only %d of %d deliveries were answered 202 (others: %s)%n",
          accepted,
          deliveries,
          Arrays.stream(statuses).filter(s -> s != 202).distinct().boxed().toList());
      System.exit(1);
    }
    try (SqsClient sqs = sqs()) {
      String queued =
          sqs.getQueueAttributes(
                  b ->
                      b.queueUrl(queueUrl)
                          .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
              .attributes()
              .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
      if (Integer.parseInt(queued) != deliveries) {
        System.err.printf(
            "serve-bench: the queue holds %s messages after %d deliveries%n", queued, deliveries);
        System.exit(1);
      }
      sqs.purgeQueue(b -> b.queueUrl(queueUrl));
    }
    Arrays.sort(latencies);
    System.out.printf(
        Locale.ROOT,
        "%s run %d: deliveries %d clients %d seconds %.3f per_second %.1f p50_ms %.2f p90_ms %.2f"
            + " p99_ms %.2f max_ms %.2f%n",
        mode,
        run,
        deliveries,
        clients,
        elapsed / 1e9,
        deliveries / (elapsed / 1e9),
        percentile(latencies, 0.50),
        percentile(latencies, 0.90),
        percentile(latencies, 0.99),
        latencies[deliveries - 1] / 1e6);
  }

  /** The nearest-rank percentile of sorted nanoseconds, in milliseconds. */
  static double percentile(long[] sortedNanos, double p) {
    int rank = (int) Math.ceil(p * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
  }
}
