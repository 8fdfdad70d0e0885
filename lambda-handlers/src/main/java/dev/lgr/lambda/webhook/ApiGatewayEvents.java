package dev.lgr.lambda.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.lgr.webhook.BadRequestException;
import dev.lgr.webhook.HttpRequest;
import dev.lgr.webhook.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads API Gateway REST (payload 1.0), HTTP API (2.0) and function URL events, and writes the
 * response shape all three accept. Streaming, so the handler needs no data-binding library.
 */
final class ApiGatewayEvents {
  private static final JsonFactory JSON = new JsonFactory();

  private ApiGatewayEvents() {}

  /**
   * @throws BadRequestException when the event is not an HTTP event
   */
  static HttpRequest read(InputStream event) throws IOException {
    String method = null;
    Map<String, String> headers = new HashMap<>();
    Map<String, String> multiValueHeaders = new HashMap<>();
    String body = null;
    boolean base64 = false;
    try (JsonParser p = JSON.createParser(event)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRequestException("not an API Gateway event");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "httpMethod" -> method = p.getValueAsString();
          case "requestContext" -> {
            String v2Method = requestContextMethod(p, value);
            if (v2Method != null) {
              method = v2Method;
            }
          }
          case "headers" -> readHeaders(p, value, headers, false);
          case "multiValueHeaders" -> readHeaders(p, value, multiValueHeaders, true);
          case "body" -> body = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "isBase64Encoded" -> base64 = value == JsonToken.VALUE_TRUE;
          default -> p.skipChildren();
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadRequestException("not an API Gateway event: malformed JSON");
    }
    multiValueHeaders.forEach(headers::putIfAbsent);
    byte[] bytes;
    if (body == null) {
      bytes = new byte[0];
    } else if (base64) {
      try {
        bytes = Base64.getDecoder().decode(body);
      } catch (IllegalArgumentException e) {
        throw new BadRequestException("body marked base64 is not valid base64");
      }
    } else {
      bytes = body.getBytes(StandardCharsets.UTF_8);
    }
    return new HttpRequest(method, headers, bytes);
  }

  /** {@code requestContext.http.method} of a 2.0 event; null for 1.0 (which has httpMethod). */
  private static String requestContextMethod(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    String method = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken inner = p.nextToken();
      if (field.equals("http") && inner == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String httpField = p.currentName();
          p.nextToken();
          if (httpField.equals("method")) {
            method = p.getValueAsString();
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return method;
  }

  private static void readHeaders(
      JsonParser p, JsonToken value, Map<String, String> into, boolean multiValue)
      throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken inner = p.nextToken();
      if (multiValue && inner == JsonToken.START_ARRAY) {
        String first = null;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (first == null && p.currentToken() == JsonToken.VALUE_STRING) {
            first = p.getText();
          } else {
            p.skipChildren();
          }
        }
        if (first != null) {
          into.put(name, first);
        }
      } else if (inner == JsonToken.VALUE_STRING) {
        into.put(name, p.getText());
      } else {
        p.skipChildren();
      }
    }
  }

  /** Writes the response as a proxy-integration result (valid for 1.0, 2.0 and function URLs). */
  static void write(HttpResponse response, OutputStream out) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("statusCode", response.status());
      g.writeObjectFieldStart("headers");
      g.writeStringField("content-type", "application/json");
      g.writeEndObject();
      g.writeStringField("body", response.body());
      g.writeBooleanField("isBase64Encoded", false);
      g.writeEndObject();
    }
  }
}
