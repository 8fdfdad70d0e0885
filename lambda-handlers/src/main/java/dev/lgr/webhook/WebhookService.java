package dev.lgr.webhook;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns one GitHub webhook delivery into a decision: verify the signature, read the event, and put
 * one runner request on the jobs queue for a queued job that lgr's runners should take. Front ends
 * (the Lambda function, {@code lgr serve}) only adapt requests and responses to it.
 *
 * <p>Bad input always gets a 4xx and never a dispatch; only a failure on lgr's side (the secret or
 * the queue unavailable) gets a 5xx, so that GitHub marks the delivery failed and it can be
 * redelivered. Each delivery is logged as one JSON line, without the body or any secret.
 */
public final class WebhookService {
  /** GitHub caps webhook payloads at 25 MB. */
  public static final int MAX_BODY_BYTES = 25 * 1024 * 1024;

  private static final int MAX_LOGGED_HEADER = 100;

  private final RoutingRules rules;
  private final WebhookSecret secret;
  private final JobQueue queue;
  private final Consumer<String> log;

  /**
   * @param rules the labels and the allowed repositories and organizations
   * @param secret the webhook secret
   * @param queue where runner requests go
   * @param log receives one JSON line per delivery
   */
  public WebhookService(
      RoutingRules rules, WebhookSecret secret, JobQueue queue, Consumer<String> log) {
    this.rules = rules;
    this.secret = secret;
    this.queue = queue;
    this.log = log;
  }

  /** Handles one delivery; never throws for anything the request contains. */
  public HttpResponse handle(HttpRequest request) {
    long start = System.nanoTime();
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("delivery", clip(request.header("x-github-delivery")));
    entry.put("event", clip(request.header("x-github-event")));
    Result result;
    try {
      result = decide(request, entry);
    } catch (BadRequestException e) {
      result = Result.of(e.status(), "rejected", e.getMessage());
    } catch (WebhookSecret.SecretUnavailableException e) {
      // Before the signature is checked: the caller learns nothing about the secret; the log does.
      entry.put("detail", e.getMessage());
      result = Result.of(503, "failed", "webhook secret unavailable");
    } catch (JobQueue.QueueException e) {
      result = Result.of(502, "failed", "jobs queue unavailable: " + e.getMessage());
    }
    entry.put("decision", result.decision);
    entry.put("status", result.status);
    entry.put("reason", result.reason);
    entry.put("ms", Math.round((System.nanoTime() - start) / 10_000.0) / 100.0);
    log.accept(JsonText.object(entry));
    return new HttpResponse(result.status, result.body());
  }

  private Result decide(HttpRequest request, Map<String, Object> entry) {
    if (request.method() != null && !request.method().equalsIgnoreCase("POST")) {
      return Result.of(405, "rejected", "only POST is accepted");
    }
    byte[] body = request.body();
    if (body.length > MAX_BODY_BYTES) {
      return Result.of(413, "rejected", "body over GitHub's 25 MB cap");
    }
    String signature = request.header("x-hub-signature-256");
    if (signature == null || signature.isEmpty()) {
      return Result.of(401, "rejected", "missing X-Hub-Signature-256");
    }
    if (!WebhookSignature.isWellFormed(signature)) {
      return Result.of(401, "rejected", "malformed X-Hub-Signature-256: expected sha256=<64 hex>");
    }
    if (!verified(body, signature)) {
      return Result.of(401, "rejected", "signature does not match the webhook secret");
    }

    String event = request.header("x-github-event");
    if (event == null || event.isEmpty()) {
      return Result.of(400, "rejected", "missing X-GitHub-Event");
    }
    Delivery delivery = DeliveryParser.parse(json(request, body));
    entry.put("action", clip(delivery.action()));
    entry.put("repository", clip(delivery.repository()));

    switch (event) {
      case "ping":
        return new Result(
            200,
            "ping",
            "pong",
            JsonText.object(mapOf("decision", "ping", "hook_id", delivery.hookId())));
      case "workflow_job":
        return workflowJob(request, delivery, entry);
      case "check_run":
        return Result.of(
            200,
            "ignored",
            "check_run is not used: set the webhook to send workflow_job events (lgr deploy does)");
      default:
        return Result.of(200, "ignored", "event " + clip(event) + " is not used by lgr");
    }
  }

  private Result workflowJob(HttpRequest request, Delivery delivery, Map<String, Object> entry) {
    Delivery.WorkflowJob job = delivery.job();
    if (job == null) {
      throw new BadRequestException("workflow_job event without a workflow_job object");
    }
    entry.put("job_id", job.id());
    if (!"queued".equals(delivery.action())) {
      return Result.of(
          200,
          "ignored",
          delivery.action() == null
              ? "workflow_job without an action"
              : "action " + clip(delivery.action()) + " needs no runner");
    }
    if (job.id() == null || job.runId() == null || job.labels() == null) {
      throw new BadRequestException("queued workflow_job misses id, run_id or labels");
    }
    if (delivery.repository() == null || delivery.repository().indexOf('/') < 1) {
      throw new BadRequestException("queued workflow_job misses repository.full_name");
    }
    if (!rules.matchesLabels(job.labels())) {
      return Result.of(
          200,
          "ignored",
          "labels " + job.labels() + " are not all among the runners' labels " + rules.labels());
    }
    // The owner in full_name, not repository.owner.login: an organization-scoped runner registers
    // on this owner (JobRequest.owner()), so the allow rule must be checked against the same one.
    String owner = delivery.repository().substring(0, delivery.repository().indexOf('/'));
    Optional<RoutingRules.Scope> scope = rules.scopeOf(delivery.repository(), owner);
    if (scope.isEmpty()) {
      return Result.of(
          200,
          "ignored",
          "repository " + delivery.repository() + " is not allowed to use these runners");
    }
    String deliveryId = request.header("x-github-delivery");
    JobRequest jobRequest =
        new JobRequest(
            delivery.repository(),
            scope.get(),
            job.id(),
            job.runId(),
            job.runAttempt() == null ? 1 : job.runAttempt(),
            job.labels(),
            deliveryId == null || deliveryId.isEmpty() ? "-" : clip(deliveryId));
    queue.send(jobRequest);
    return new Result(
        202,
        "dispatched",
        null,
        JsonText.object(
            mapOf(
                "decision",
                "dispatched",
                "job_id",
                job.id(),
                "run_attempt",
                jobRequest.runAttempt())));
  }

  private boolean verified(byte[] body, String signature) {
    if (WebhookSignature.verify(secret.current(), body, signature)) {
      return true;
    }
    Optional<byte[]> rotated = secret.refresh();
    return rotated.isPresent() && WebhookSignature.verify(rotated.get(), body, signature);
  }

  /** The JSON document of the delivery: the body itself, or the {@code payload} form field. */
  private static byte[] json(HttpRequest request, byte[] body) {
    String mediaType = request.mediaType();
    if (mediaType == null) {
      throw new BadRequestException(415, "missing Content-Type");
    }
    switch (mediaType) {
      case "application/json":
        return body;
      case "application/x-www-form-urlencoded":
        return formPayload(body);
      default:
        throw new BadRequestException(415, "unsupported Content-Type " + clip(mediaType));
    }
  }

  private static byte[] formPayload(byte[] body) {
    String form = new String(body, StandardCharsets.UTF_8);
    for (String pair : form.split("&", -1)) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      if (name.equals("payload")) {
        try {
          return URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8)
              .getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          throw new BadRequestException("malformed form encoding in payload");
        }
      }
    }
    throw new BadRequestException("form-encoded delivery without a payload field");
  }

  private static String clip(String value) {
    if (value == null || value.length() <= MAX_LOGGED_HEADER) {
      return value;
    }
    return value.substring(0, MAX_LOGGED_HEADER) + "…";
  }

  private static Map<String, Object> mapOf(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private record Result(int status, String decision, String reason, String body) {
    static Result of(int status, String decision, String reason) {
      return new Result(
          status, decision, reason, JsonText.object(mapOf("decision", decision, "reason", reason)));
    }
  }
}
