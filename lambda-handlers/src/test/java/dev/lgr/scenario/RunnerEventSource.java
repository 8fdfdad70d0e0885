package dev.lgr.scenario;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lgr.webhook.JobRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Lambda's SQS event source for the runner function, on moto: polls the jobs queue while fewer than
 * {@code concurrency} invocations run (the template's {@code MaximumConcurrency}), hands each
 * message to the function alone (batch size 1) in an SQS event, deletes the message unless the
 * function reported it failed (partial-batch response), and otherwise leaves it to come back after
 * the queue's visibility timeout; the queue's redrive policy moves it to the dead-letter queue
 * after its second receive, on moto as on SQS.
 *
 * <p>Each of the {@code concurrency} slots is one execution environment with its own {@code /tmp};
 * the function instance is built per invocation, so that the stand-in runner's behaviour (its
 * installed folder) can be chosen per message.
 */
final class RunnerEventSource implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Builds the function for one message, given the slot's scratch folder. */
  interface Functions {
    RequestStreamHandler forMessage(JobRequest request, Path scratch);
  }

  private final SqsClient sqs;
  private final String queueUrl;
  private final String queueArn;
  private final Duration functionTimeout;
  private final Functions functions;
  private final BlockingQueue<Integer> freeSlots;
  private final Path work;
  private final ExecutorService invocations;
  private final Thread poller;
  private final AtomicInteger running = new AtomicInteger();
  private volatile boolean stopping;

  final AtomicInteger invoked = new AtomicInteger();
  final AtomicInteger reportedFailed = new AtomicInteger();
  final AtomicInteger handlerErrors = new AtomicInteger();
  final Map<Long, AtomicInteger> invocationsPerJob = new ConcurrentHashMap<>();

  /**
   * @param functionTimeout the function's timeout: each invocation's context counts down from it
   */
  RunnerEventSource(
      SqsClient sqs,
      String queueUrl,
      int concurrency,
      Duration functionTimeout,
      Path work,
      Functions functions) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.queueArn =
        sqs.getQueueAttributes(
                b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    this.functionTimeout = functionTimeout;
    this.functions = functions;
    this.work = work;
    this.freeSlots = new ArrayBlockingQueue<>(concurrency);
    for (int i = 0; i < concurrency; i++) {
      freeSlots.add(i);
    }
    this.invocations = Executors.newFixedThreadPool(concurrency);
    this.poller = new Thread(this::poll, "lambda-sqs-poller");
    poller.setDaemon(true);
  }

  RunnerEventSource start() {
    poller.start();
    return this;
  }

  private void poll() {
    while (!stopping) {
      try {
        int free = freeSlots.size();
        if (free == 0) {
          Thread.sleep(20);
          continue;
        }
        List<Message> messages =
            sqs.receiveMessage(
                    b ->
                        b.queueUrl(queueUrl)
                            .maxNumberOfMessages(Math.min(10, free))
                            .waitTimeSeconds(1)
                            .messageSystemAttributeNamesWithStrings("All"))
                .messages();
        for (Message message : messages) {
          int slot = freeSlots.take();
          running.incrementAndGet();
          invocations.execute(() -> invoke(message, slot));
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!stopping) {
          handlerErrors.incrementAndGet();
          System.err.println("[scenario] poller: " + e);
        }
      }
    }
  }

  private void invoke(Message message, int slot) {
    try {
      JobRequest request = JobRequest.fromJson(message.body());
      invoked.incrementAndGet();
      invocationsPerJob
          .computeIfAbsent(request.jobId(), k -> new AtomicInteger())
          .incrementAndGet();
      RequestStreamHandler function =
          functions.forMessage(request, work.resolve("environment-" + slot).resolve("tmp"));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      function.handleRequest(
          new ByteArrayInputStream(JSON.writeValueAsBytes(sqsEvent(message))),
          out,
          new FakeContext(functionTimeout));
      JsonNode failures = JSON.readTree(out.toByteArray()).path("batchItemFailures");
      if (failures.isEmpty()) {
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
      } else {
        reportedFailed.incrementAndGet(); // back on the queue after the visibility timeout
      }
    } catch (Exception e) {
      handlerErrors.incrementAndGet(); // as a function error: the message comes back
      System.err.println("[scenario] runner function invocation failed: " + e);
    } finally {
      running.decrementAndGet();
      freeSlots.add(slot);
    }
  }

  /** The event Lambda's SQS event source hands the function for one message. */
  private ObjectNode sqsEvent(Message message) {
    ObjectNode event = JSON.createObjectNode();
    ObjectNode record = event.putArray("Records").addObject();
    record.put("messageId", message.messageId());
    record.put("receiptHandle", message.receiptHandle());
    record.put("body", message.body());
    ObjectNode attributes = record.putObject("attributes");
    message.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
    record.putObject("messageAttributes");
    record.put("md5OfBody", message.md5OfBody());
    record.put("eventSource", "aws:sqs");
    record.put("eventSourceARN", queueArn);
    record.put("awsRegion", "us-east-1");
    return event;
  }

  /**
   * Waits until the queue holds nothing (visible or in flight) and no invocation runs, for {@code
   * quiet} in a row.
   *
   * @return false when that did not happen within {@code timeout}
   */
  boolean awaitDrained(Duration quiet, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long quietSince = -1;
    while (System.nanoTime() < deadline) {
      Map<QueueAttributeName, String> attributes =
          sqs.getQueueAttributes(
                  b ->
                      b.queueUrl(queueUrl)
                          .attributeNames(
                              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
              .attributes();
      boolean empty =
          "0".equals(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
              && "0"
                  .equals(
                      attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
              && running.get() == 0;
      if (!empty) {
        quietSince = -1;
      } else if (quietSince < 0) {
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince >= quiet.toNanos()) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  @Override
  public void close() throws InterruptedException {
    stopping = true;
    poller.interrupt();
    poller.join(5_000);
    invocations.shutdown();
    invocations.awaitTermination(60, TimeUnit.SECONDS);
  }

  /** Lambda's context: the time left counts down from the function's timeout. */
  private static final class FakeContext implements Context {
    private final long deadline;
    private final String requestId = UUID.randomUUID().toString();

    FakeContext(Duration timeout) {
      this.deadline = System.nanoTime() + timeout.toNanos();
    }

    @Override
    public int getRemainingTimeInMillis() {
      return (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
    }

    @Override
    public String getAwsRequestId() {
      return requestId;
    }

    @Override
    public String getLogGroupName() {
      return "/aws/lambda/lgr-runner";
    }

    @Override
    public String getLogStreamName() {
      return "scenario";
    }

    @Override
    public String getFunctionName() {
      return "lgr-runner";
    }

    @Override
    public String getFunctionVersion() {
      return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
      return "arn:aws:lambda:us-east-1:123456789012:function:lgr-runner";
    }

    @Override
    public CognitoIdentity getIdentity() {
      return null;
    }

    @Override
    public ClientContext getClientContext() {
      return null;
    }

    @Override
    public int getMemoryLimitInMB() {
      return 2048;
    }

    @Override
    public LambdaLogger getLogger() {
      return new LambdaLogger() {
        @Override
        public void log(String message) {
          System.out.println(message);
        }

        @Override
        public void log(byte[] message) {
          System.out.println(new String(message, StandardCharsets.UTF_8));
        }
      };
    }
  }
}
