package dev.lgr.deploy.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The CloudFormation templates, as lgr carries them (classpath) and as the repository has them. */
final class TemplateFiles {
  /** Where cli/pom.xml puts the repository's templates/ on the classpath. */
  static final String RESOURCE_DIR = "/dev/lgr/deploy/stack/templates/";

  static final List<String> NAMES = List.of("bootstrap.yaml", "main.yaml");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private TemplateFiles() {}

  /** A template's text, from the classpath. */
  static String text(String name) {
    try (InputStream in = TemplateFiles.class.getResourceAsStream(RESOURCE_DIR + name)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCE_DIR + name + " is not on the classpath (cli/pom.xml, <resources>)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A template, parsed. The templates use long-form intrinsics only, so plain YAML reads them. */
  static JsonNode parse(String name) {
    return parse(name, text(name));
  }

  static JsonNode parse(String name, String text) {
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException(name + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  /** The repository's templates/ folder (Surefire runs in the module folder and sets basedir). */
  static Path sourceDir() {
    Path dir =
        Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolveSibling("templates");
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("no templates folder at " + dir);
    }
    return dir;
  }
}
