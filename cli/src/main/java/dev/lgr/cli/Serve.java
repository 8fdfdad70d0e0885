package dev.lgr.cli;

import dev.lgr.aws.AwsClients;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.serve.FileSecret;
import dev.lgr.serve.WebhookServer;
import dev.lgr.webhook.CachedSecret;
import dev.lgr.webhook.RoutingRules;
import dev.lgr.webhook.WebhookSecret;
import dev.lgr.webhook.WebhookService;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** {@code lgr serve}: the webhook function's code as a local HTTP server. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run the webhook receiver locally: POST /webhook, the same code as the Lambda function.",
      "",
      "Deliveries are verified with the webhook secret, and each queued job whose labels all"
          + " match (and whose repository is allowed) becomes one message on the jobs queue"
          + " (SQS FIFO). Use it to try a repository's webhook through a tunnel, or in tests."
          + " AWS settings come from the SDK's defaults: AWS_REGION, AWS_PROFILE,"
          + " AWS_ENDPOINT_URL. Logs one JSON line per delivery on stderr; Ctrl-C stops.",
    },
    footer = {
      "",
      "Example:",
      "  lgr serve --port 8080 --repo octo/app --jobs-queue-url"
          + " https://sqs.eu-west-1.amazonaws.com/123456789012/lgr-jobs.fifo"
          + " --webhook-secret-file ~/.config/lgr/webhook-secret"
    })
public final class Serve implements java.util.concurrent.Callable<Integer> {
  /** How often a failed signature may send lgr back to the secret file. */
  static final Duration SECRET_REFRESH_INTERVAL = Duration.ofSeconds(1);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "8080",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}; a tunnel reaches it there).")
  String bind;

  @Option(
      names = "--labels",
      paramLabel = "LABEL",
      split = ",",
      description =
          "The runners' labels; a job is taken when all its runs-on labels are among them,"
              + " in any case (default: self-hosted,lambda).")
  List<String> labels = new ArrayList<>(RoutingRules.DEFAULT_LABELS);

  @Option(
      names = "--repo",
      paramLabel = "OWNER/NAME",
      description = "A repository whose jobs may use the runners (repeatable).")
  List<String> repositories = new ArrayList<>();

  @Option(
      names = "--org",
      paramLabel = "NAME",
      description = "An organization whose repositories may use the runners (repeatable).")
  List<String> organizations = new ArrayList<>();

  @Option(
      names = "--jobs-queue-url",
      paramLabel = "URL",
      required = true,
      description = "The jobs queue (an SQS FIFO queue, its URL ends in .fifo).")
  String queueUrl;

  @Option(
      names = "--webhook-secret-file",
      paramLabel = "FILE",
      description =
          "File holding the webhook secret (default: the LGR_WEBHOOK_SECRET environment value)."
              + " Re-read when a signature fails, so the secret can be rotated without a restart.")
  Path secretFile;

  @Mixin AwsOptions aws;

  @Option(
      names = {"-v", "--verbose"},
      description = "Print stack traces on errors.")
  boolean verbose;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    RoutingRules rules;
    try {
      rules = new RoutingRules(labels, repositories, organizations);
    } catch (IllegalArgumentException e) {
      throw new LgrException(
          ExitCode.USAGE,
          e.getMessage().startsWith("no repository")
              ? "name the repositories (--repo OWNER/NAME) or organization (--org NAME) to serve"
              : e.getMessage());
    }
    if (!queueUrl.endsWith(".fifo")) {
      throw new LgrException(
          ExitCode.USAGE, "--jobs-queue-url must name an SQS FIFO queue (ending in .fifo)");
    }
    WebhookSecret secret = secret();
    secret.current();

    SqsClient sqs = new AwsClients(aws.region(), aws.credentials(), null).sqs();
    checkQueue(sqs);
    WebhookService service =
        new WebhookService(rules, secret, new SqsJobQueue(sqs, queueUrl), line -> log(err, line));

    WebhookServer server;
    try {
      server = WebhookServer.start(new InetSocketAddress(bind, port), service);
    } catch (IOException e) {
      throw new LgrException(
          ExitCode.WRONG_STATE, "cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  sqs.close();
                  log(err, "lgr serve: stopped");
                  stopped.countDown();
                },
                "lgr-serve-stop"));
    log(
        err,
        "lgr serve: listening on "
            + server.url()
            + " (labels "
            + String.join(",", rules.labels())
            + "; repositories "
            + (repositories.isEmpty() ? "-" : String.join(",", repositories))
            + "; organizations "
            + (organizations.isEmpty() ? "-" : String.join(",", organizations))
            + "); Ctrl-C stops");
    stopped.await();
    return ExitCode.OK;
  }

  private WebhookSecret secret() {
    if (secretFile != null) {
      if (!Files.isReadable(secretFile)) {
        throw new LgrException(ExitCode.USAGE, "cannot read the webhook secret file " + secretFile);
      }
      FileSecret secret = new FileSecret(secretFile, SECRET_REFRESH_INTERVAL);
      try {
        secret.current();
      } catch (WebhookSecret.SecretUnavailableException e) {
        throw new LgrException(ExitCode.USAGE, e.getMessage() + " (--webhook-secret-file)");
      }
      return secret;
    }
    String value = System.getenv("LGR_WEBHOOK_SECRET");
    if (value == null || value.isBlank()) {
      throw new LgrException(
          ExitCode.USAGE,
          "no webhook secret: pass --webhook-secret-file FILE or set LGR_WEBHOOK_SECRET");
    }
    // The value cannot change: never read again (a longer interval would overflow in nanoseconds).
    return new CachedSecret(Duration.ofDays(365), System::nanoTime) {
      @Override
      protected String load() {
        return value.strip();
      }
    };
  }

  private void checkQueue(SqsClient sqs) {
    try {
      String fifo =
          sqs.getQueueAttributes(
                  b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.FIFO_QUEUE))
              .attributes()
              .get(QueueAttributeName.FIFO_QUEUE);
      if (!"true".equals(fifo)) {
        throw new LgrException(ExitCode.WRONG_STATE, "the jobs queue " + queueUrl + " is not FIFO");
      }
    } catch (SdkException e) {
      throw new LgrException(ExitCode.REMOTE_FAILURE, "cannot reach the jobs queue " + queueUrl, e);
    }
  }

  private static void log(PrintWriter err, String line) {
    synchronized (err) {
      err.println(line);
      err.flush();
    }
  }
}
