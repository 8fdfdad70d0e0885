package dev.lgr.testing;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GitHub's REST description, cut to the operations {@link GitHubStandIn} answers (see {@code
 * github-openapi/NOTICE.md} and {@code subset.py} beside it), loaded once per test JVM.
 */
final class GitHubContract {
  static final String RESOURCE = "/github-openapi/api.github.com.subset.json";

  /**
   * The validator rule that would flag {@code Accept: application/vnd.github+json}: the description
   * lists only {@code application/json} answers, yet GitHub asks clients to send its own type.
   */
  static final String ACCEPT_RULE = "validation.request.accept.notAllowed";

  /**
   * Unknown query parameters: GitHub ignores them, so they are warnings here, not refusals (a typo
   * such as {@code perpage} still shows in {@link GitHubStandIn#warnings()}).
   */
  static final String UNKNOWN_QUERY_RULE = "validation.request.parameter.query.unexpected";

  private static GitHubContract instance;

  private final JsonNode description;
  private final OpenApiInteractionValidator validator;

  private GitHubContract(String text) {
    try {
      this.description = new ObjectMapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    this.validator =
        OpenApiInteractionValidator.createForInlineApiSpecification(text)
            .withLevelResolver(
                LevelResolver.create()
                    .withLevel(ACCEPT_RULE, ValidationReport.Level.IGNORE)
                    .withLevel(UNKNOWN_QUERY_RULE, ValidationReport.Level.WARN)
                    .build())
            .build();
  }

  /** The shared instance; the first call parses the description (about a second). */
  static synchronized GitHubContract get() {
    if (instance == null) {
      try (InputStream in = GitHubContract.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE + " is not on the test classpath");
        }
        instance = new GitHubContract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + RESOURCE, e);
      }
    }
    return instance;
  }

  /** A copy of {@code components/examples/NAME/value}. */
  JsonNode example(String name) {
    JsonNode value = description.path("components").path("examples").path(name).path("value");
    if (value.isMissingNode()) {
      throw new IllegalStateException("the description has no example " + name);
    }
    return value.deepCopy();
  }

  /** The operation's documentation page, as GitHub puts it in {@code documentation_url}. */
  String documentationUrl(String template, String method) {
    String url =
        description
            .path("paths")
            .path(template)
            .path(method.toLowerCase(Locale.ROOT))
            .path("externalDocs")
            .path("url")
            .asText("");
    return url.isEmpty() ? "https://docs.github.com/rest" : url;
  }

  /**
   * Checks a request. GitHub reads any request body as JSON whatever its {@code Content-Type}, so
   * the body is checked as {@code application/json}.
   */
  ValidationReport validateRequest(
      String method,
      String path,
      Map<String, List<String>> query,
      Map<String, List<String>> headers,
      String body) {
    SimpleRequest.Builder request = new SimpleRequest.Builder(method, path);
    query.forEach(request::withQueryParam);
    headers.forEach(
        (name, values) -> {
          if (!name.equalsIgnoreCase("content-type")) {
            request.withHeader(name, values);
          }
        });
    if (body != null) {
      request.withContentType("application/json").withBody(body);
    }
    return validator.validateRequest(request.build());
  }

  /** Checks one of the stand-in's own answers against the description. */
  ValidationReport validateResponse(String method, String path, int status, String body) {
    SimpleResponse.Builder response =
        new SimpleResponse.Builder(status).withContentType("application/json; charset=utf-8");
    if (body != null) {
      response.withBody(body);
    }
    return validator.validateResponse(
        path, Request.Method.valueOf(method.toUpperCase(Locale.ROOT)), response.build());
  }
}
