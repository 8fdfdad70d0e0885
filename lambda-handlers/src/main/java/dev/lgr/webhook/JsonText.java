package dev.lgr.webhook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes a flat JSON object (strings, numbers, booleans; nulls left out) on one line: log lines.
 */
public final class JsonText {
  private static final JsonFactory JSON = new JsonFactory();

  private JsonText() {}

  public static String object(Map<String, ?> fields) {
    StringWriter out = new StringWriter(160);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      for (Map.Entry<String, ?> field : fields.entrySet()) {
        Object value = field.getValue();
        if (value == null) {
          continue;
        }
        g.writeFieldName(field.getKey());
        if (value instanceof Long || value instanceof Integer) {
          g.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double d) {
          g.writeNumber(d);
        } else if (value instanceof Boolean b) {
          g.writeBoolean(b);
        } else {
          g.writeString(value.toString());
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
