package dev.lgr.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One message on the jobs queue: a request for a runner for one queued job. It names the job and
 * never carries a credential; the runner function fetches its own.
 *
 * @param repository {@code owner/name}
 * @param scope whether the runner registers on the repository or on its organization
 * @param jobId the workflow job id
 * @param runId the workflow run id
 * @param runAttempt the run attempt
 * @param labels the job's {@code runs-on} labels
 * @param deliveryId the webhook delivery that asked for it ({@code X-GitHub-Delivery}), or "-"
 */
public record JobRequest(
    String repository,
    RoutingRules.Scope scope,
    long jobId,
    long runId,
    long runAttempt,
    List<String> labels,
    String deliveryId) {
  private static final JsonFactory JSON = new JsonFactory();

  public JobRequest {
    labels = List.copyOf(labels);
  }

  /** The owner part of {@link #repository()}: the organization for organization scope. */
  public String owner() {
    return repository.substring(0, repository.indexOf('/'));
  }

  /** FIFO message group: one per job, so jobs never wait on each other. */
  public String messageGroupId() {
    return Long.toString(jobId);
  }

  /**
   * FIFO deduplication id: the same job and attempt delivered twice (a redelivery, a duplicate)
   * within SQS's five-minute window starts one runner; a re-run (next attempt) starts another.
   */
  public String deduplicationId() {
    return jobId + "-" + runAttempt;
  }

  /** The message body. */
  public String toJson() {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("version", 1);
      g.writeStringField("repository", repository);
      g.writeStringField("scope", scope.name().toLowerCase(java.util.Locale.ROOT));
      g.writeNumberField("jobId", jobId);
      g.writeNumberField("runId", runId);
      g.writeNumberField("runAttempt", runAttempt);
      g.writeArrayFieldStart("labels");
      for (String label : labels) {
        g.writeString(label);
      }
      g.writeEndArray();
      g.writeStringField("deliveryId", deliveryId);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Reads a message body written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException when a field is missing or of the wrong type
   */
  public static JobRequest fromJson(String json) {
    String repository = null;
    String scope = null;
    Long jobId = null;
    Long runId = null;
    Long runAttempt = null;
    List<String> labels = null;
    String deliveryId = "-";
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("job request is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "repository" -> repository = p.getValueAsString();
          case "scope" -> scope = p.getValueAsString();
          case "jobId" -> jobId = value.isNumeric() ? p.getLongValue() : null;
          case "runId" -> runId = value.isNumeric() ? p.getLongValue() : null;
          case "runAttempt" -> runAttempt = value.isNumeric() ? p.getLongValue() : null;
          case "deliveryId" -> deliveryId = p.getValueAsString("-");
          case "labels" -> {
            labels = new ArrayList<>();
            while (p.nextToken() == JsonToken.VALUE_STRING) {
              labels.add(p.getText());
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("job request is not valid JSON", e);
    }
    if (repository == null
        || repository.indexOf('/') < 1
        || scope == null
        || jobId == null
        || runId == null
        || runAttempt == null
        || labels == null) {
      throw new IllegalArgumentException("job request misses a field: " + json);
    }
    return new JobRequest(
        repository,
        RoutingRules.Scope.valueOf(scope.toUpperCase(java.util.Locale.ROOT)),
        jobId,
        runId,
        runAttempt,
        labels,
        deliveryId);
  }
}
