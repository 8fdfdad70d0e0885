package dev.lgr.github;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GitHub REST calls lgr's functions make (runners, jobs), on the JDK's HTTP client, and {@link
 * #call} for any other.
 *
 * <p>Calls retry with backoff on 5xx, 429, secondary rate limits and network failures, honouring
 * {@code Retry-After} and {@code x-ratelimit-reset}, but only within the time left: a retry that
 * could not finish before the deadline is not started.
 */
public final class GitHubClient {
  /** GitHub.com's API; GitHub Enterprise Server uses {@code https://HOST/api/v3}. */
  public static final URI DEFAULT_API = URI.create("https://api.github.com");

  /**
   * The API base URL a function's {@code GITHUB_API_URL} names, else {@link #DEFAULT_API}; a bad
   * value is added to {@code problems} (the functions report every misconfiguration at once).
   */
  public static URI apiUrl(java.util.Map<String, String> env, java.util.List<String> problems) {
    String apiUrl = env.get("GITHUB_API_URL");
    if (apiUrl == null || apiUrl.isBlank()) {
      return DEFAULT_API;
    }
    try {
      URI api = URI.create(apiUrl.trim());
      if (!"https".equals(api.getScheme()) && !"http".equals(api.getScheme())) {
        problems.add("GITHUB_API_URL must be an http(s) URL: " + apiUrl);
      }
      return api;
    } catch (IllegalArgumentException e) {
      problems.add("GITHUB_API_URL is not a URL: " + apiUrl);
      return DEFAULT_API;
    }
  }

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  private static final int MAX_ATTEMPTS = 6;
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");

  private final URI api;
  private final GitHubCredential credential;
  private final HttpClient http;
  private final LongSupplier remainingMillis;
  private final long baseBackoffMillis;
  private final AtomicLong requestsSent = new AtomicLong();
  private final AtomicLong notModified = new AtomicLong();
  private final AtomicLong rateLimitRemaining = new AtomicLong(-1);

  /**
   * @param api the API base URL (see {@link #DEFAULT_API})
   * @param credential the token source
   * @param remainingMillis the time left for this piece of work (in Lambda: until the deadline)
   * @param baseBackoffMillis the first retry's wait when GitHub does not say (doubles each time)
   */
  public GitHubClient(
      URI api, GitHubCredential credential, LongSupplier remainingMillis, long baseBackoffMillis) {
    String base = api.toString();
    this.api = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    this.credential = credential;
    this.remainingMillis = remainingMillis;
    this.baseBackoffMillis = baseBackoffMillis;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * Registers a just-in-time runner ({@code POST …/actions/runners/generate-jitconfig}).
   *
   * @param workFolder the runner's work folder, relative to its home
   */
  public JitConfig generateJitConfig(
      RunnerScope scope, String name, long runnerGroupId, List<String> labels, String workFolder) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("runner_group_id", runnerGroupId);
    body.put("labels", labels);
    body.put("work_folder", workFolder);
    Map<String, Object> answer =
        object(send("POST", scope.path() + "/actions/runners/generate-jitconfig", body, 201));
    Object jit = answer.get("encoded_jit_config");
    if (!(jit instanceof String) || !(answer.get("runner") instanceof Map)) {
      throw new GitHubException(201, "generate-jitconfig answered without a runner or config");
    }
    return new JitConfig(runner(asMap(answer.get("runner"))), (String) jit);
  }

  /**
   * Removes a runner ({@code DELETE …/actions/runners/{id}}).
   *
   * @return true when it was removed, false when GitHub no longer had it (404)
   */
  public boolean deleteRunner(RunnerScope scope, long runnerId) {
    Response response = exchange("DELETE", scope.path() + "/actions/runners/" + runnerId, null);
    if (response.status == 404) {
      return false;
    }
    expect(response, "DELETE runner " + runnerId, 204);
    return true;
  }

  /** A runner by id; empty when GitHub does not know it (404). */
  public Optional<Runner> runner(RunnerScope scope, long runnerId) {
    Response response = exchange("GET", scope.path() + "/actions/runners/" + runnerId, null);
    if (response.status == 404) {
      return Optional.empty();
    }
    expect(response, "GET runner " + runnerId, 200);
    return Optional.of(runner(object(response.body)));
  }

  /** Every runner of the scope, all pages. */
  public List<Runner> runners(RunnerScope scope) {
    List<Runner> runners = new ArrayList<>();
    String next = scope.path() + "/actions/runners?per_page=100";
    while (next != null) {
      Response response = exchange("GET", next, null);
      expect(response, "GET runners of " + scope, 200);
      for (Object runner : asList(object(response.body).get("runners"))) {
        runners.add(runner(asMap(runner)));
      }
      next = nextPage(response.header("link"));
    }
    return runners;
  }

  /** A workflow job's state ({@code GET /repos/{owner}/{repo}/actions/jobs/{job_id}}). */
  public WorkflowJob job(String repository, long jobId) {
    Map<String, Object> job =
        object(send("GET", "/repos/" + repository + "/actions/jobs/" + jobId, null, 200));
    return new WorkflowJob(
        jobId,
        (String) job.get("status"),
        (String) job.get("conclusion"),
        (String) job.get("runner_name"),
        instant(job.get("created_at")));
  }

  /**
   * Any other REST call, with the same retries, re-authentication and deadline as the calls above.
   * The caller reads the answer, whatever its status.
   *
   * @param method {@code GET}, {@code POST}, {@code PATCH}, {@code DELETE}...
   * @param path a path under the API base, query included ({@code /repos/o/r/hooks?per_page=100}),
   *     or an absolute URL on the API's host (a {@code Link} header's next page)
   * @param body a JSON object to send (maps, lists, strings, numbers, booleans), or null
   * @return GitHub's last answer once retrying is over
   * @throws GitHubException when no answer came (network failure, no time left) or the URL is off
   *     the API host
   */
  public Response call(String method, String path, Map<String, Object> body) {
    return exchange(method, path, body, Map.of());
  }

  /**
   * A conditional {@code GET}: with the {@code ETag} of an earlier answer, GitHub answers 304 Not
   * Modified when nothing changed, and such an answer does not count against the rate limit.
   *
   * @param etag the earlier answer's {@code ETag}, or null for a plain {@code GET}
   */
  public Response getIfChanged(String path, String etag) {
    return exchange("GET", path, null, etag == null ? Map.of() : Map.of("If-None-Match", etag));
  }

  /** How many HTTP requests this client has sent (retries included). */
  public long requestsSent() {
    return requestsSent.get();
  }

  /** How many of them GitHub answered 304 Not Modified (free of the rate limit). */
  public long notModifiedAnswers() {
    return notModified.get();
  }

  /** The {@code x-ratelimit-remaining} of the latest answer, or -1 when none said. */
  public long rateLimitRemaining() {
    return rateLimitRemaining.get();
  }

  private String send(String method, String path, Map<String, Object> body, int expected) {
    Response response = exchange(method, path, body);
    expect(response, method + " " + pathOnly(path), expected);
    return response.body;
  }

  private static void expect(Response response, String call, int expected) {
    if (response.status != expected) {
      throw new GitHubException(
          response.status,
          call
              + " failed: HTTP "
              + response.status
              + message(response.body).map(m -> ": " + m).orElse(""));
    }
  }

  /** One call with retries; answers with the last response when retrying is over. */
  private Response exchange(String method, String path, Map<String, Object> body) {
    return exchange(method, path, body, Map.of());
  }

  private Response exchange(
      String method, String path, Map<String, Object> body, Map<String, String> headers) {
    URI uri = resolve(path);
    String json = null;
    if (body != null) {
      try {
        json = JSON.std.asString(body);
      } catch (IOException e) {
        throw new GitHubException("cannot write the request for " + method + " " + path, e);
      }
    }
    boolean reauthenticated = false;
    for (int attempt = 1; ; attempt++) {
      long left = remainingMillis.getAsLong();
      if (left <= 0) {
        throw new GitHubException(
            method + " " + pathOnly(path) + ": no time left to call GitHub", null);
      }
      Response response;
      try {
        response =
            once(
                method,
                uri,
                json,
                headers,
                Duration.ofMillis(Math.min(left, REQUEST_TIMEOUT.toMillis())));
      } catch (IOException e) {
        if (!waitBeforeRetry(attempt, backoff(attempt))) {
          throw new GitHubException(
              method + " " + pathOnly(path) + ": GitHub unreachable: " + e.getMessage(), e);
        }
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GitHubException(method + " " + pathOnly(path) + ": interrupted", e);
      }
      if (response.status == 401 && !reauthenticated) {
        credential.invalidate();
        reauthenticated = true;
        continue;
      }
      long wait = retryWait(response, attempt);
      if (wait < 0 || !waitBeforeRetry(attempt, wait)) {
        return response;
      }
    }
  }

  private Response once(
      String method, URI uri, String json, Map<String, String> extraHeaders, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("User-Agent", "lgr")
            .header("Authorization", "Bearer " + credential.token());
    extraHeaders.forEach(request::header);
    if (json != null) {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(json));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    requestsSent.incrementAndGet();
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 304) {
      notModified.incrementAndGet();
    }
    response
        .headers()
        .firstValue("x-ratelimit-remaining")
        .ifPresent(
            remaining -> {
              try {
                rateLimitRemaining.set(Long.parseLong(remaining.trim()));
              } catch (NumberFormatException ignored) {
                // keep the last figure
              }
            });
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.putAll(response.headers().map());
    return new Response(
        response.statusCode(), response.body(), Collections.unmodifiableMap(headers));
  }

  /** How long to wait before retrying this answer; negative when it must not be retried. */
  private long retryWait(Response response, int attempt) {
    int status = response.status;
    String retryAfter = response.header("retry-after");
    String rateLimitRemaining = response.header("x-ratelimit-remaining");
    String rateLimitReset = response.header("x-ratelimit-reset");
    boolean rateLimited =
        status == 429
            || (status == 403
                && (retryAfter != null
                    || "0".equals(rateLimitRemaining)
                    || response.body.toLowerCase(Locale.ROOT).contains("rate limit")));
    if (!rateLimited && status < 500) {
      return -1;
    }
    if (retryAfter != null) {
      try {
        return Math.max(0, Long.parseLong(retryAfter.trim())) * 1000;
      } catch (NumberFormatException ignored) {
        // an HTTP date: fall through to the other hints
      }
    }
    if ("0".equals(rateLimitRemaining) && rateLimitReset != null) {
      try {
        long reset = Long.parseLong(rateLimitReset.trim()) * 1000;
        return Math.max(1000, reset - Instant.now().toEpochMilli());
      } catch (NumberFormatException ignored) {
        // fall through
      }
    }
    if (rateLimited && status == 403) {
      return Math.max(60_000, backoff(attempt)); // GitHub: wait at least a minute
    }
    return backoff(attempt);
  }

  private long backoff(int attempt) {
    long exponential = Math.min(MAX_BACKOFF_MILLIS, baseBackoffMillis << Math.min(attempt - 1, 20));
    return exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1);
  }

  /** Sleeps {@code millis} if another attempt is allowed and fits in the time left. */
  private boolean waitBeforeRetry(int attempt, long millis) {
    if (attempt >= MAX_ATTEMPTS || millis + 1000 >= remainingMillis.getAsLong()) {
      return false;
    }
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private URI resolve(String pathOrUrl) {
    if (pathOrUrl.startsWith("/")) {
      return URI.create(api + pathOrUrl);
    }
    URI next = URI.create(pathOrUrl);
    // The token goes only to the configured API host, whatever a Link header says.
    if (!api.getScheme().equals(next.getScheme())
        || !api.getAuthority().equals(next.getAuthority())) {
      throw new GitHubException(0, "refusing to follow a link off the API host: " + next.getHost());
    }
    return next;
  }

  /** The next page's URL in a {@code Link} header, or null on the last page. */
  public static String nextPage(String link) {
    if (link == null) {
      return null;
    }
    Matcher matcher = NEXT_LINK.matcher(link);
    return matcher.find() ? matcher.group(1) : null;
  }

  private static String pathOnly(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  private static Optional<String> message(String body) {
    try {
      Object message = JSON.std.mapFrom(body).get("message");
      return Optional.ofNullable(message == null ? null : message.toString());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static java.time.Instant instant(Object value) {
    if (!(value instanceof String text)) {
      return null;
    }
    try {
      return java.time.OffsetDateTime.parse(text).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** A runner from its JSON object in one of GitHub's answers. */
  public static Runner runner(Map<String, Object> runner) {
    List<String> labels = new ArrayList<>();
    for (Object label : asList(runner.get("labels"))) {
      Object name = label instanceof Map<?, ?> map ? map.get("name") : label;
      if (name != null) {
        labels.add(name.toString());
      }
    }
    Object id = runner.get("id");
    return new Runner(
        id instanceof Number n ? n.longValue() : -1,
        (String) runner.get("name"),
        (String) runner.get("status"),
        Boolean.TRUE.equals(runner.get("busy")),
        List.copyOf(labels));
  }

  private static Map<String, Object> object(String body) {
    try {
      return JSON.std.mapFrom(body);
    } catch (IOException e) {
      throw new GitHubException("GitHub answered with something other than JSON", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return value instanceof Map<?, ?> ? (Map<String, Object>) value : Map.of();
  }

  private static List<?> asList(Object value) {
    return value instanceof List<?> list ? list : List.of();
  }

  /**
   * One answer from GitHub.
   *
   * @param status the HTTP status
   * @param body the body as text (empty when there is none)
   * @param headers the headers, looked up case-insensitively
   */
  public record Response(int status, String body, Map<String, List<String>> headers) {
    /** The first value of a header, or null. */
    public String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }
}
