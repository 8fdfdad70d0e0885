package dev.lgr.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code lgr.yaml}: the settings {@code lgr init} writes and {@code lgr deploy} reads (flags win).
 * Holds no secret: the GitHub token goes to Secrets Manager only.
 *
 * <pre>
 * stack: lgr
 * aws: {profile: default, region: eu-west-1}
 * github: {apiUrl: https://api.github.com, credential: gh}   # env | gh | secret
 * repositories: [owner/name]
 * organization: my-org            # instead of, or with, repositories
 * labels: [self-hosted, lambda]
 * runner: {memory: 2048, timeout: 900, ephemeralStorage: 10240, architecture: x86_64,
 *          concurrency: 10, version: 2.338.0, baseImage: REF, image: REF@sha256:…}
 * logRetentionDays: 14
 * placeholder: true
 * </pre>
 */
public record LgrConfig(
    String stack,
    Aws aws,
    GitHub github,
    List<String> repositories,
    String organization,
    List<String> labels,
    Runner runner,
    Integer logRetentionDays,
    Boolean placeholder) {
  /** The file's name, looked for in the current folder. */
  public static final String FILE_NAME = "lgr.yaml";

  /** AWS profile and region. */
  public record Aws(String profile, String region) {}

  /**
   * GitHub's API base, and where lgr finds the token.
   *
   * @param credential {@value #CREDENTIAL_ENV} ({@code GH_TOKEN} or {@code GITHUB_TOKEN}), {@value
   *     #CREDENTIAL_GH} ({@code gh auth token}) or {@value #CREDENTIAL_SECRET} (already in the
   *     stack's Secrets Manager secret, put there by {@code lgr init}); null: the first that has
   *     one
   */
  public record GitHub(String apiUrl, String credential) {}

  /** The token is in {@code GH_TOKEN} or {@code GITHUB_TOKEN}. */
  public static final String CREDENTIAL_ENV = "env";

  /** The token is the GitHub CLI's: {@code gh auth token}. */
  public static final String CREDENTIAL_GH = "gh";

  /** The token is in the stack's Secrets Manager secret only. */
  public static final String CREDENTIAL_SECRET = "secret";

  /** Where a token can come from, in the order lgr prefers them. */
  public static final List<String> CREDENTIALS =
      List.of(CREDENTIAL_ENV, CREDENTIAL_GH, CREDENTIAL_SECRET);

  /** The runner function and image. */
  public record Runner(
      Integer memory,
      Integer timeout,
      Integer ephemeralStorage,
      String architecture,
      Integer concurrency,
      String version,
      String baseImage,
      String image) {}

  private static final ObjectMapper YAML =
      new ObjectMapper(
              YAMLFactory.builder()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                  .build())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private static final String HEADER =
      "# lgr's settings, written by `lgr init` and read by `lgr deploy` (flags win).\n"
          + "# No secret here: the GitHub token stays where github.credential says.\n";

  /** Nothing set: every value falls back to flags and defaults. */
  public static final LgrConfig EMPTY =
      new LgrConfig(null, null, null, null, null, null, null, null, null);

  /**
   * Reads the file, or gives {@link #EMPTY} when it does not exist.
   *
   * @throws IllegalArgumentException naming the file, the line and the key when it is malformed
   */
  public static LgrConfig read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      return EMPTY;
    }
    if (text.isBlank()) {
      return EMPTY;
    }
    try {
      return YAML.readValue(text, LgrConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(
          file
              + keyLine(text, e.getPropertyName())
              + ": unknown setting '"
              + e.getPropertyName()
              + "' (known here: "
              + e.getKnownPropertyIds().stream()
                  .map(String::valueOf)
                  .sorted()
                  .collect(Collectors.joining(", "))
              + ")");
    } catch (JsonMappingException e) {
      throw new IllegalArgumentException(
          file
              + (e.getLocation() == null ? "" : ", line " + e.getLocation().getLineNr())
              + ": "
              + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not valid YAML: " + e.getMessage());
    }
  }

  /** ", line N" of the first line that has {@code key} as a key, or "" (Jackson's is after it). */
  private static String keyLine(String text, String key) {
    String[] lines = text.split("\n", -1);
    java.util.regex.Pattern pattern =
        java.util.regex.Pattern.compile(
            "^(\\s*-?\\s*|.*[{,]\\s*)" + java.util.regex.Pattern.quote(key) + "\\s*:.*");
    for (int i = 0; i < lines.length; i++) {
      if (pattern.matcher(lines[i]).matches()) {
        return ", line " + (i + 1);
      }
    }
    return "";
  }

  /**
   * Writes the file atomically: the text goes to a temporary file beside it, which then replaces
   * the file in one rename. An interruption at any point leaves the old file (or none), never part
   * of one, and the temporary file is removed.
   */
  public void write(Path file) throws IOException {
    Path target = file.toAbsolutePath();
    Path folder = target.getParent();
    Files.createDirectories(folder);
    Path temporary = Files.createTempFile(folder, "." + target.getFileName() + ".", ".tmp");
    // Also on Ctrl-C between here and the rename: the JVM's shutdown removes it.
    temporary.toFile().deleteOnExit();
    try {
      Files.writeString(temporary, HEADER + YAML.writeValueAsString(this));
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      try {
        Files.move(
            temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /** The runner section, never null. */
  public Runner runnerOrEmpty() {
    return runner != null ? runner : new Runner(null, null, null, null, null, null, null, null);
  }
}
