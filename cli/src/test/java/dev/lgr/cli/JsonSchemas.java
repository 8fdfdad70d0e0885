package dev.lgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** The JSON documents lgr prints, checked against the schemas in the repository's schemas/. */
final class JsonSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonSchemas() {}

  /** Parses the document and checks it against {@code schemas/NAME.schema.json}. */
  static JsonNode assertValid(String name, String document) throws IOException {
    JsonNode node = JSON.readTree(document);
    Set<ValidationMessage> problems = schema(name).validate(node);
    assertThat(problems).as(name + " schema, for " + document).isEmpty();
    return node;
  }

  /** The problems the schema finds in the document (for checking that a schema can fail). */
  static Set<ValidationMessage> problems(String name, JsonNode document) throws IOException {
    return schema(name).validate(document);
  }

  private static JsonSchema schema(String name) throws IOException {
    Path file = Path.of("..", "schemas", name + ".schema.json");
    try (InputStream in = Files.newInputStream(file)) {
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    }
  }
}
