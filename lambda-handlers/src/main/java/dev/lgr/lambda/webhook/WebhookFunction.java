package dev.lgr.lambda.webhook;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.lgr.aws.AwsClients;
import dev.lgr.aws.SecretsManagerSecret;
import dev.lgr.aws.SqsJobQueue;
import dev.lgr.webhook.BadRequestException;
import dev.lgr.webhook.CachedSecret;
import dev.lgr.webhook.HttpRequest;
import dev.lgr.webhook.HttpResponse;
import dev.lgr.webhook.JobQueue;
import dev.lgr.webhook.JobRequest;
import dev.lgr.webhook.WebhookSecret;
import dev.lgr.webhook.WebhookService;
import dev.lgr.webhook.WebhookSignature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The webhook Lambda function behind API Gateway: adapts the event to {@link WebhookService}.
 *
 * <p>Built once per execution environment. With SnapStart, {@link #beforeCheckpoint} primes the
 * delivery path (event parsing, HMAC, JSON, routing) and the two AWS calls up to the point of
 * sending ({@link AwsCallPriming}; nothing is sent) so that restored environments start warm; the
 * secret is read on the first real delivery, never stored in the snapshot.
 */
public final class WebhookFunction implements RequestStreamHandler, Resource {
  /** How often a failed signature may send the function back to Secrets Manager. */
  static final Duration SECRET_REFRESH_INTERVAL = Duration.ofSeconds(1);

  private final WebhookService service;
  private final WebhookConfig config;
  private final SecretsManagerClient secretsManager;
  private final SqsClient sqs;

  /** The constructor Lambda calls: configuration and credentials from the environment. */
  public WebhookFunction() {
    this(WebhookConfig.from(System.getenv()), null);
    Core.getGlobalContext().register(this);
  }

  /**
   * @param config the settings
   * @param aws the clients to use, or null for the function's own (its region, its role's
   *     credentials: {@link #roleCredentials})
   */
  WebhookFunction(WebhookConfig config, AwsClients aws) {
    this.config = config;
    if (aws == null) {
      aws = new AwsClients(Region.of(config.region()), roleCredentials(System.getenv()), null);
    }
    this.secretsManager = aws.secretsManager();
    this.sqs = aws.sqs();
    this.service =
        new WebhookService(
            config.rules(),
            new SecretsManagerSecret(secretsManager, config.secretArn(), SECRET_REFRESH_INTERVAL),
            new SqsJobQueue(sqs, config.queueUrl()),
            System.out::println);
  }

  /**
   * The function role's credentials. Lambda puts them in the environment, except with SnapStart,
   * where the Java runtime serves them from the container credentials endpoint instead (so that
   * restored environments get fresh ones) and the environment has no access keys. The same order as
   * the SDK's default chain, without searching the rest of it.
   */
  static AwsCredentialsProvider roleCredentials(Map<String, String> env) {
    boolean keys = !isBlank(env.get("AWS_ACCESS_KEY_ID"));
    boolean container = !isBlank(env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    return !keys && container
        ? ContainerCredentialsProvider.builder().build()
        : EnvironmentVariableCredentialsProvider.create();
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    ApiGatewayEvents.write(handle(service, input), output);
  }

  private static HttpResponse handle(WebhookService service, InputStream input) throws IOException {
    HttpRequest request;
    try {
      request = ApiGatewayEvents.read(input);
    } catch (BadRequestException e) {
      return new HttpResponse(
          e.status(), "{\"decision\":\"rejected\",\"reason\":\"not an HTTP event\"}");
    }
    return service.handle(request);
  }

  @Override
  public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
    prime(config, 200);
    AwsCallPriming.prime(secretsManager, sqs, config.queueUrl(), 50);
  }

  @Override
  public void afterRestore(org.crac.Context<? extends Resource> context) {}

  /**
   * Runs signed deliveries through the same path as real ones, with a throw-away secret and a queue
   * that keeps nothing, so the JIT and class loading happen before the snapshot.
   */
  static void prime(WebhookConfig config, int deliveries) {
    String primingSecret = "lgr-priming-" + System.nanoTime();
    WebhookSecret secret =
        new CachedSecret(Duration.ZERO, System::nanoTime) {
          @Override
          protected String load() {
            return primingSecret;
          }
        };
    JobQueue discard = (JobRequest request) -> request.toJson();
    WebhookService priming = new WebhookService(config.rules(), secret, discard, line -> {});
    String label = config.rules().labels().get(0);
    byte[] body =
        ("{\"action\":\"queued\",\"workflow_job\":{\"id\":1,\"run_id\":2,\"run_attempt\":1,"
                + "\"labels\":[\""
                + label
                + "\"]},\"repository\":{\"full_name\":\"lgr-priming/priming\","
                + "\"owner\":{\"login\":\"lgr-priming\"}}}")
            .getBytes(StandardCharsets.UTF_8);
    String signature = WebhookSignature.sign(WebhookSignature.key(primingSecret), body);
    String event =
        "{\"version\":\"1.0\",\"httpMethod\":\"POST\",\"headers\":{"
            + "\"Content-Type\":\"application/json\",\"X-GitHub-Event\":\"workflow_job\","
            + "\"X-GitHub-Delivery\":\"priming\",\"X-Hub-Signature-256\":\""
            + signature
            + "\"},\"isBase64Encoded\":false,\"body\":"
            + quote(new String(body, StandardCharsets.UTF_8))
            + "}";
    byte[] eventBytes = event.getBytes(StandardCharsets.UTF_8);
    try {
      for (int i = 0; i < deliveries; i++) {
        ApiGatewayEvents.write(
            handle(priming, new ByteArrayInputStream(eventBytes)), new ByteArrayOutputStream());
      }
    } catch (IOException e) {
      throw new IllegalStateException("priming failed", e);
    }
  }

  private static String quote(String json) {
    return "\"" + json.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
