package dev.lgr.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@link Delivery} from a webhook body with Jackson's streaming parser: no object tree and
 * no data binding, so a 25 KB delivery costs a single pass and few classes at cold start.
 */
public final class DeliveryParser {
  private static final JsonFactory JSON = new JsonFactory();

  private DeliveryParser() {}

  /**
   * Parses {@code body}.
   *
   * @throws BadRequestException when the body is not one JSON object or a known field has the wrong
   *     type
   */
  public static Delivery parse(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRequestException("the body is not a JSON object");
      }
      String action = null;
      Long hookId = null;
      String repository = null;
      String owner = null;
      String organization = null;
      Delivery.WorkflowJob job = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "action" -> action = text(p, value, "action");
          case "hook_id" -> hookId = number(p, value, "hook_id");
          case "repository" -> {
            if (value == JsonToken.START_OBJECT) {
              String[] repo = repository(p);
              repository = repo[0];
              owner = repo[1];
            } else {
              expectNull(value, "repository");
            }
          }
          case "organization" -> organization = login(p, value, "organization");
          case "workflow_job" -> job = workflowJob(p, value);
          default -> p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new BadRequestException("the body is not a single JSON object");
      }
      return new Delivery(action, hookId, repository, owner, organization, job);
    } catch (JsonProcessingException e) {
      // The location only: Jackson's message can quote the body, which is never echoed or logged.
      JsonLocation at = e.getLocation();
      throw new BadRequestException(
          at == null
              ? "malformed JSON"
              : "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr());
    } catch (IOException e) {
      throw new BadRequestException("malformed JSON");
    }
  }

  private static String[] repository(JsonParser p) throws IOException {
    String fullName = null;
    String owner = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "full_name" -> fullName = text(p, value, "repository.full_name");
        case "owner" -> owner = login(p, value, "repository.owner");
        default -> p.skipChildren();
      }
    }
    return new String[] {fullName, owner};
  }

  private static String login(JsonParser p, JsonToken value, String where) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.START_OBJECT) {
      throw new BadRequestException(where + " is not an object");
    }
    String login = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken inner = p.nextToken();
      if (field.equals("login")) {
        login = text(p, inner, where + ".login");
      } else {
        p.skipChildren();
      }
    }
    return login;
  }

  private static Delivery.WorkflowJob workflowJob(JsonParser p, JsonToken value)
      throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.START_OBJECT) {
      throw new BadRequestException("workflow_job is not an object");
    }
    Long id = null;
    Long runId = null;
    Long runAttempt = null;
    String name = null;
    List<String> labels = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken inner = p.nextToken();
      switch (field) {
        case "id" -> id = number(p, inner, "workflow_job.id");
        case "run_id" -> runId = number(p, inner, "workflow_job.run_id");
        case "run_attempt" -> runAttempt = number(p, inner, "workflow_job.run_attempt");
        case "name" -> name = text(p, inner, "workflow_job.name");
        case "labels" -> labels = labels(p, inner);
        default -> p.skipChildren();
      }
    }
    return new Delivery.WorkflowJob(id, runId, runAttempt, name, labels);
  }

  private static List<String> labels(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.START_ARRAY) {
      throw new BadRequestException("workflow_job.labels is not an array");
    }
    List<String> labels = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.VALUE_STRING) {
        throw new BadRequestException("workflow_job.labels holds something other than strings");
      }
      labels.add(p.getText());
    }
    return List.copyOf(labels);
  }

  private static String text(JsonParser p, JsonToken value, String where) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      p.skipChildren();
      throw new BadRequestException(where + " is not a string");
    }
    return p.getText();
  }

  private static Long number(JsonParser p, JsonToken value, String where) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_NUMBER_INT
        || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw new BadRequestException(where + " is not a whole number");
    }
    return p.getLongValue();
  }

  private static void expectNull(JsonToken value, String where) {
    if (value != JsonToken.VALUE_NULL) {
      throw new BadRequestException(where + " is not an object");
    }
  }
}
