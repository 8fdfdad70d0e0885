package dev.lgr.deploy.github;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lgr.deploy.github.GitHubSetupException.Kind;
import dev.lgr.deploy.github.TokenAccess.TokenKind;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.GitHubClient.Response;
import dev.lgr.github.GitHubCredential;
import dev.lgr.github.GitHubException;
import dev.lgr.github.JitConfig;
import dev.lgr.github.RunnerScope;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The GitHub side of {@code lgr deploy}: checks that the token can administer a repository or an
 * organization, creates or updates lgr's webhook, registers the placeholder runner, and pings the
 * webhook to see GitHub reach the endpoint. Every step is idempotent: running it again changes
 * nothing that is already right and never duplicates a hook or a runner.
 *
 * <p>Talks to GitHub's REST API through {@link GitHubClient} (retries on 5xx, 429 and secondary
 * rate limits, {@code Retry-After}, one re-read of the credential on 401). Never prints; reports to
 * a {@link GitHubListener}, and fails with a {@link GitHubSetupException} whose message is written
 * for users and never holds the token or the webhook secret.
 */
public final class GitHubService {
  /** The placeholder runner's name (the original project's convention). */
  public static final String PLACEHOLDER_NAME = "DEFAULT-LAMBDA-DO-NOT-REMOVE";

  /** The only event lgr's webhook asks for. */
  public static final List<String> HOOK_EVENTS = List.of("workflow_job");

  /** How long one call and its retries may take, at most, when built by {@link #connect}. */
  static final long CALL_BUDGET_MILLIS = 120_000;

  private static final Duration DEFAULT_POLL = Duration.ofSeconds(1);
  private static final String WORK_FOLDER = "_work";
  private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*/[\\w.-]+");
  private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");
  private static final int MAX_ANSWER_SHOWN = 300;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GitHubClient client;
  private final Duration pollInterval;

  /** A service on {@code client}, polling deliveries every second. */
  public GitHubService(GitHubClient client) {
    this(client, DEFAULT_POLL);
  }

  /**
   * @param client the GitHub client (its API base, credential and retry budget)
   * @param pollInterval how often to ask GitHub for the ping's delivery
   */
  public GitHubService(GitHubClient client, Duration pollInterval) {
    this.client = client;
    this.pollInterval = pollInterval;
  }

  /**
   * A service on GitHub's API at {@code api} ({@link GitHubClient#DEFAULT_API} when null; GitHub
   * Enterprise Server: {@code https://HOST/api/v3}), retrying each call for up to two minutes.
   */
  public static GitHubService connect(URI api, GitHubCredential credential) {
    return new GitHubService(
        new GitHubClient(
            api == null ? GitHubClient.DEFAULT_API : api,
            credential,
            () -> CALL_BUDGET_MILLIS,
            1000));
  }

  // ---- 1. the token's rights ---------------------------------------------------------------

  /**
   * Checks, before anything touches AWS, that the token can do what lgr will do on each scope:
   * register runners and manage webhooks. Only reads.
   *
   * <p>A repository needs: to be visible to the token ({@code GET /repos/{owner}/{repo}}), admin
   * rights for the token's account ({@code permissions.admin}), a classic token's {@code repo}
   * scope, and, for a fine-grained token, the repository permissions "Administration" and
   * "Webhooks" (checked by listing runners and hooks; reading cannot prove the "write" half). An
   * organization needs an owner's token: a classic token's {@code admin:org} and {@code
   * admin:org_hook} scopes, or a fine-grained token's organization permissions "Self-hosted
   * runners" and "Webhooks".
   *
   * @return what was found, one per scope, in order
   * @throws GitHubSetupException naming, for every scope that fails, what is missing; {@code
   *     AUTHENTICATION} at once when GitHub rejects the token itself
   */
  public List<TokenAccess> checkAccess(List<RunnerScope> scopes, GitHubListener listener) {
    List<TokenAccess> granted = new ArrayList<>();
    List<GitHubSetupException> problems = new ArrayList<>();
    for (RunnerScope scope : scopes) {
      try {
        granted.add(checkAccess(scope, listener));
      } catch (GitHubSetupException e) {
        if (e.kind() == Kind.AUTHENTICATION || e.kind() == Kind.REMOTE) {
          throw e;
        }
        problems.add(e);
      }
    }
    if (problems.size() == 1) {
      throw problems.get(0);
    }
    if (!problems.isEmpty()) {
      throw new GitHubSetupException(
          problems.get(0).kind(),
          problems.stream().map(Throwable::getMessage).collect(Collectors.joining("\n")));
    }
    return granted;
  }

  /** {@link #checkAccess(List, GitHubListener)} for one scope. */
  public TokenAccess checkAccess(RunnerScope scope, GitHubListener listener) {
    validate(scope);
    listener.step("Checking that the GitHub token can administer " + scope);
    TokenAccess access =
        scope.repository() != null ? checkRepository(scope) : checkOrganization(scope);
    listener.step(
        "The GitHub token can administer "
            + scope
            + (access.kind() == TokenKind.CLASSIC
                ? " (classic token, scopes: " + String.join(", ", access.oauthScopes()) + ")"
                : ""));
    return access;
  }

  private TokenAccess checkRepository(RunnerScope scope) {
    String name = scope.repository();
    Response repo = call("GET", scope.path(), null);
    switch (repo.status()) {
      case 200 -> {}
      case 401 -> throw badCredentials(repo);
      case 404 ->
          throw new GitHubSetupException(
              Kind.NOT_FOUND,
              "Repository "
                  + name
                  + " was not found, or the GitHub token cannot see it. Check the name; a"
                  + " fine-grained token must list the repository under \"Repository access\".");
      case 301, 302, 307 ->
          throw new GitHubSetupException(
              Kind.NOT_FOUND,
              "Repository "
                  + name
                  + " has moved (renamed or transferred): give lgr its new owner/name.");
      case 403 ->
          throw new GitHubSetupException(
              Kind.PERMISSION,
              "GitHub refuses the token access to " + name + " (" + answer(repo) + ").");
      default -> throw unexpected("read repository " + name, repo, null);
    }
    List<String> oauthScopes = oauthScopes(repo);
    if (oauthScopes != null && !oauthScopes.contains("repo")) {
      throw new GitHubSetupException(
          Kind.PERMISSION,
          "The GitHub token (a classic personal access token) lacks the repo scope, which lgr"
              + " needs to register runners and manage the webhook of "
              + name
              + "; its scopes: "
              + describe(oauthScopes)
              + ". Add the repo scope, or use a fine-grained token with the repository"
              + " permissions \"Administration\" and \"Webhooks\" set to \"Read and write\".");
    }
    JsonNode admin = json(repo).at("/permissions/admin");
    if (admin.isBoolean() && !admin.asBoolean()) {
      throw new GitHubSetupException(
          Kind.PERMISSION,
          "The GitHub token's account is not an administrator of "
              + name
              + " (GitHub reports permissions.admin: false). Registering runners and managing"
              + " webhooks needs the Admin role on the repository: use a token of an account"
              + " that has it.");
    }
    TokenKind kind = oauthScopes == null ? TokenKind.FINE_GRAINED_OR_APP : TokenKind.CLASSIC;
    List<String> missing = new ArrayList<>();
    probe(
        scope,
        "/actions/runners?per_page=1",
        "manage the self-hosted runners of " + name,
        kind == TokenKind.CLASSIC
            ? "the repo scope"
            : "the repository permission \"Administration: Read and write\"",
        missing);
    probe(
        scope,
        "/hooks?per_page=1",
        "manage the webhooks of " + name,
        kind == TokenKind.CLASSIC
            ? "the repo scope"
            : "the repository permission \"Webhooks: Read and write\"",
        missing);
    if (!missing.isEmpty()) {
      throw permissions(name, missing);
    }
    return new TokenAccess(scope, kind, oauthScopes == null ? List.of() : oauthScopes);
  }

  private TokenAccess checkOrganization(RunnerScope scope) {
    String org = scope.organization();
    Response runners = call("GET", scope.path() + "/actions/runners?per_page=1", null);
    if (runners.status() == 401) {
      throw badCredentials(runners);
    }
    if (runners.status() == 404) {
      throw new GitHubSetupException(
          Kind.NOT_FOUND,
          "Organization "
              + org
              + " was not found, or the GitHub token cannot see it. Check the name; a"
              + " fine-grained token must have the organization as its resource owner.");
    }
    List<String> oauthScopes = oauthScopes(runners);
    if (oauthScopes != null) {
      List<String> lacking = new ArrayList<>();
      for (String needed : List.of("admin:org", "admin:org_hook")) {
        if (!oauthScopes.contains(needed)) {
          lacking.add(needed);
        }
      }
      if (!lacking.isEmpty()) {
        throw new GitHubSetupException(
            Kind.PERMISSION,
            "The GitHub token (a classic personal access token) lacks the "
                + String.join(" and ", lacking)
                + " scope"
                + (lacking.size() > 1 ? "s" : "")
                + ", which lgr needs to register runners and manage the webhook of organization "
                + org
                + "; its scopes: "
                + describe(oauthScopes)
                + ". Add "
                + (lacking.size() > 1 ? "them" : "it")
                + ", or use a fine-grained token with the organization permissions"
                + " \"Self-hosted runners\" and \"Webhooks\" set to \"Read and write\".");
      }
    }
    TokenKind kind = oauthScopes == null ? TokenKind.FINE_GRAINED_OR_APP : TokenKind.CLASSIC;
    List<String> missing = new ArrayList<>();
    String owner = "an organization owner's token";
    if (runners.status() == 403) {
      missing.add(
          refused(
              "manage the self-hosted runners of organization " + org,
              runners,
              owner
                  + (kind == TokenKind.CLASSIC
                      ? " with the admin:org scope"
                      : " with the organization permission \"Self-hosted runners: Read and"
                          + " write\"")));
    } else if (runners.status() != 200) {
      throw unexpected("list the runners of organization " + org, runners, null);
    }
    probe(
        scope,
        "/hooks?per_page=1",
        "manage the webhooks of organization " + org,
        owner
            + (kind == TokenKind.CLASSIC
                ? " with the admin:org_hook scope"
                : " with the organization permission \"Webhooks: Read and write\""),
        missing);
    if (!missing.isEmpty()) {
      throw permissions("organization " + org, missing);
    }
    return new TokenAccess(scope, kind, oauthScopes == null ? List.of() : oauthScopes);
  }

  /** Reads one page of one item; a refusal adds a line saying what it needs. */
  private void probe(
      RunnerScope scope, String path, String what, String needs, List<String> missing) {
    Response response = call("GET", scope.path() + path, null);
    switch (response.status()) {
      case 200 -> {}
      case 401 -> throw badCredentials(response);
      case 403, 404 -> missing.add(refused(what, response, needs));
      default -> throw unexpected(what, response, null);
    }
  }

  private static String refused(String what, Response response, String needs) {
    String asked = response.header("x-accepted-github-permissions");
    String askedScopes = response.header("x-accepted-oauth-scopes");
    StringBuilder line = new StringBuilder();
    line.append("it cannot ").append(what).append(" (").append(answer(response)).append(")");
    line.append(": that needs ").append(needs);
    if (asked != null && !asked.isBlank()) {
      line.append(" (GitHub asks for: ").append(asked.trim()).append(")");
    } else if (askedScopes != null && !askedScopes.isBlank()) {
      line.append(" (GitHub accepts the scopes: ").append(askedScopes.trim()).append(")");
    }
    return line.toString();
  }

  private static GitHubSetupException permissions(String target, List<String> missing) {
    return new GitHubSetupException(
        Kind.PERMISSION,
        "The GitHub token cannot set lgr up for "
            + target
            + ":\n"
            + missing.stream().map(line -> "  - " + line).collect(Collectors.joining("\n")));
  }

  private static GitHubSetupException badCredentials(Response response) {
    return new GitHubSetupException(
        Kind.AUTHENTICATION,
        "GitHub rejected the token ("
            + answer(response)
            + "): it is wrong, expired or revoked. Give lgr a valid token.");
  }

  // ---- 2. the webhook ----------------------------------------------------------------------

  /**
   * Creates lgr's webhook on the scope, or updates the one lgr made before (the hook whose {@code
   * config.url} is {@code url}, looked for among all the scope's hooks): {@code workflow_job}
   * events, JSON, signed with {@code secret}, TLS checked, active. Hooks with other URLs are left
   * alone; further hooks with the same URL (duplicates) are removed.
   *
   * @return the hook
   * @throws GitHubSetupException when GitHub refuses; the message never holds the secret
   */
  public Webhook ensureWebhook(RunnerScope scope, URI url, String secret, GitHubListener listener) {
    validate(scope);
    if (url == null
        || !url.isAbsolute()
        || url.getHost() == null
        || !(url.getScheme().equals("https") || url.getScheme().equals("http"))) {
      throw new GitHubSetupException(
          Kind.INPUT, "The webhook URL must be an absolute http(s) URL, not " + url);
    }
    if (secret == null || secret.isBlank()) {
      throw new GitHubSetupException(Kind.INPUT, "The webhook secret is empty.");
    }
    String target = url.toString();
    List<JsonNode> ours = hooksTo(scope, url);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("url", target);
    config.put("content_type", "json");
    config.put("insecure_ssl", "0");
    config.put("secret", secret);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("active", true);
    body.put("events", HOOK_EVENTS);
    body.put("config", config);

    if (ours.isEmpty()) {
      Map<String, Object> create = new LinkedHashMap<>();
      create.put("name", "web");
      create.putAll(body);
      Response created = call("POST", scope.path() + "/hooks", create);
      if (created.status() != 201) {
        throw failed("create the webhook on " + scope, created, secret);
      }
      long id = json(created).path("id").asLong(-1);
      listener.step(
          "Created webhook " + id + " on " + scope + ": workflow_job events as JSON to " + target);
      return new Webhook(id, url, true);
    }

    long id = ours.get(0).path("id").asLong();
    Response updated = call("PATCH", scope.path() + "/hooks/" + id, body);
    if (updated.status() != 200) {
      throw failed("update webhook " + id + " on " + scope, updated, secret);
    }
    listener.step(
        "Updated webhook " + id + " on " + scope + ": workflow_job events as JSON to " + target);
    for (JsonNode duplicate : ours.subList(1, ours.size())) {
      long other = duplicate.path("id").asLong();
      Response removed = call("DELETE", scope.path() + "/hooks/" + other, null);
      if (removed.status() != 204 && removed.status() != 404) {
        throw failed("remove duplicate webhook " + other + " from " + scope, removed, secret);
      }
      listener.step("Removed webhook " + other + " from " + scope + ": a duplicate of " + id);
    }
    return new Webhook(id, url, false);
  }

  // ---- removal (lgr destroy) ---------------------------------------------------------------

  /**
   * Removes lgr's webhooks (those delivering to {@code url}) from a repository or organization;
   * others are left alone.
   *
   * @return how many were removed (0 when they were already gone)
   */
  public int removeWebhooks(RunnerScope scope, URI url, GitHubListener listener) {
    validate(scope);
    List<JsonNode> ours = hooksTo(scope, url);
    for (JsonNode hook : ours) {
      long id = hook.path("id").asLong();
      Response answer = call("DELETE", scope.path() + "/hooks/" + id, null);
      if (answer.status() != 204 && answer.status() != 404) {
        throw failed("remove webhook " + id + " from " + scope, answer, null);
      }
      listener.step("Removed webhook " + id + " from " + scope);
    }
    return ours.size();
  }

  /** lgr's webhook on a scope (the first delivering to {@code url}, all pages), if any. */
  public Optional<JsonNode> findWebhook(RunnerScope scope, URI url) {
    validate(scope);
    return hooksTo(scope, url).stream().findFirst();
  }

  /** A hook's newest deliveries, newest first, at most {@code count} (at most 100). */
  public List<JsonNode> recentDeliveries(RunnerScope scope, long hookId, int count) {
    Response page =
        call(
            "GET",
            scope.path() + "/hooks/" + hookId + "/deliveries?per_page=" + Math.min(count, 100),
            null);
    if (page.status() != 200) {
      throw failed("read the deliveries of webhook " + hookId + " on " + scope, page, null);
    }
    List<JsonNode> deliveries = new ArrayList<>();
    json(page).forEach(deliveries::add);
    return deliveries;
  }

  /** The scope's hooks that deliver to {@code url}. */
  private List<JsonNode> hooksTo(RunnerScope scope, URI url) {
    List<JsonNode> ours = new ArrayList<>();
    for (JsonNode hook : list(scope, scope.path() + "/hooks?per_page=100", null, "webhooks")) {
      if (url != null && url.toString().equals(hook.at("/config/url").asText(null))) {
        ours.add(hook);
      }
    }
    return ours;
  }

  /**
   * Removes the runners lgr made on a repository or organization: the placeholder and every {@code
   * lgr-} runner that is not busy (a busy one is running a job: it is named in a warning and left,
   * and it goes by itself when its job ends).
   *
   * @return the names removed
   */
  public List<String> removeLgrRunners(RunnerScope scope, GitHubListener listener) {
    validate(scope);
    List<String> removed = new ArrayList<>();
    for (JsonNode runner :
        list(scope, scope.path() + "/actions/runners?per_page=100", "runners", "runners")) {
      String name = runner.path("name").asText("");
      if (!name.startsWith("lgr-") && !name.equals(PLACEHOLDER_NAME)) {
        continue;
      }
      if (runner.path("busy").asBoolean(false)) {
        listener.warning("Left runner " + name + " on " + scope + ": it is running a job");
        continue;
      }
      long id = runner.path("id").asLong();
      Response answer = call("DELETE", scope.path() + "/actions/runners/" + id, null);
      if (answer.status() != 204 && answer.status() != 404) {
        throw failed("remove runner " + name + " from " + scope, answer, null);
      }
      listener.step("Removed runner " + name + " from " + scope);
      removed.add(name);
    }
    return removed;
  }

  // ---- 3. the placeholder runner -----------------------------------------------------------

  /**
   * Registers the placeholder runner {@value #PLACEHOLDER_NAME} with {@code labels}, through the
   * just-in-time API ({@code generate-jitconfig}), unless a runner of that name exists. Its
   * configuration is dropped: the placeholder never runs. lgr never removes it; GitHub itself
   * removes an ephemeral (JIT) runner that has not connected for a day, so running this again
   * registers it again.
   *
   * @param runnerGroupId the group it joins (1: the default group)
   * @return the placeholder, new or found
   * @throws GitHubSetupException when GitHub refuses
   */
  public Placeholder ensurePlaceholder(
      RunnerScope scope, List<String> labels, long runnerGroupId, GitHubListener listener) {
    validate(scope);
    if (labels == null || labels.isEmpty()) {
      throw new GitHubSetupException(
          Kind.INPUT, "The placeholder runner needs at least one label.");
    }
    Optional<Placeholder> existing = findPlaceholder(scope);
    if (existing.isEmpty()) {
      try {
        JitConfig jit =
            client.generateJitConfig(scope, PLACEHOLDER_NAME, runnerGroupId, labels, WORK_FOLDER);
        listener.step(
            "Registered the placeholder runner "
                + PLACEHOLDER_NAME
                + " on "
                + scope
                + " with labels "
                + jit.runner().labels());
        return new Placeholder(jit.runner().id(), PLACEHOLDER_NAME, jit.runner().labels(), true);
      } catch (GitHubException e) {
        if (e.status() != 409) {
          throw placeholderFailed(scope, e);
        }
        // registered meanwhile (another lgr deploy): take that one
        existing = findPlaceholder(scope);
        if (existing.isEmpty()) {
          throw placeholderFailed(scope, e);
        }
      }
    }
    Placeholder found = existing.get();
    Set<String> have = lower(found.labels());
    List<String> lacking = labels.stream().filter(l -> !have.contains(lower(l))).toList();
    if (lacking.isEmpty()) {
      listener.step("The placeholder runner " + PLACEHOLDER_NAME + " is already on " + scope);
    } else {
      listener.warning(
          "The placeholder runner "
              + PLACEHOLDER_NAME
              + " on "
              + scope
              + " has the labels "
              + found.labels()
              + ", not "
              + lacking
              + "; lgr leaves it as it is. To change them, remove it in the runner settings and"
              + " run lgr deploy again.");
    }
    return found;
  }

  private Optional<Placeholder> findPlaceholder(RunnerScope scope) {
    String path =
        scope.path()
            + "/actions/runners?name="
            + URLEncoder.encode(PLACEHOLDER_NAME, StandardCharsets.UTF_8)
            + "&per_page=100";
    Response response = call("GET", path, null);
    if (response.status() == 403 || response.status() == 404) {
      throw cannotRegisterRunners(scope, answer(response), null);
    }
    if (response.status() != 200) {
      throw failed("look for the placeholder runner on " + scope, response, null);
    }
    for (JsonNode runner : json(response).path("runners")) {
      if (PLACEHOLDER_NAME.equals(runner.path("name").asText())) {
        List<String> labels = new ArrayList<>();
        runner.path("labels").forEach(label -> labels.add(label.path("name").asText()));
        return Optional.of(
            new Placeholder(
                runner.path("id").asLong(), PLACEHOLDER_NAME, List.copyOf(labels), false));
      }
    }
    return Optional.empty();
  }

  private static GitHubSetupException placeholderFailed(RunnerScope scope, GitHubException e) {
    if (e.status() == 401) {
      return new GitHubSetupException(
          Kind.AUTHENTICATION,
          "GitHub rejected the token (" + e.getMessage() + "): it is wrong, expired or revoked.",
          e);
    }
    if (e.status() == 403 || e.status() == 404) {
      return cannotRegisterRunners(scope, e.getMessage(), e);
    }
    return new GitHubSetupException(
        Kind.REMOTE,
        "GitHub could not register the placeholder runner on " + scope + ": " + e.getMessage(),
        e);
  }

  private static GitHubSetupException cannotRegisterRunners(
      RunnerScope scope, String answer, Throwable cause) {
    return new GitHubSetupException(
        Kind.PERMISSION,
        "The GitHub token cannot register runners on "
            + scope
            + " ("
            + answer
            + "): it needs admin rights and, for a fine-grained token, "
            + (scope.repository() != null
                ? "the repository permission \"Administration: Read and write\"."
                : "the organization permission \"Self-hosted runners: Read and write\"."),
        cause);
  }

  // ---- 4. the ping -------------------------------------------------------------------------

  /**
   * Asks GitHub to ping the webhook ({@code POST …/hooks/{id}/pings}) and reads the ping's delivery
   * back from the deliveries API, polling for up to {@code wait}.
   *
   * @return the delivery, when the endpoint answered with a success (2xx or 3xx, as GitHub counts
   *     it)
   * @throws GitHubSetupException {@code DELIVERY} when the delivery failed (with GitHub's status
   *     text and, when there is one, the start of the endpoint's answer) or was not reported in
   *     time
   */
  public PingDelivery ping(
      RunnerScope scope, Webhook hook, Duration wait, GitHubListener listener) {
    validate(scope);
    String hookPath = scope.path() + "/hooks/" + hook.id();
    Set<Long> before = new HashSet<>();
    Response earlier = call("GET", hookPath + "/deliveries?per_page=100", null);
    if (earlier.status() != 200) {
      throw failed("read the deliveries of webhook " + hook.id() + " on " + scope, earlier, null);
    }
    json(earlier).forEach(delivery -> before.add(delivery.path("id").asLong()));

    listener.step("Pinging webhook " + hook.id() + " on " + scope);
    Response pinged = call("POST", hookPath + "/pings", null);
    if (pinged.status() == 404) {
      throw new GitHubSetupException(
          Kind.NOT_FOUND, "Webhook " + hook.id() + " is no longer on " + scope + ".");
    }
    if (pinged.status() != 204) {
      throw failed("ping webhook " + hook.id() + " on " + scope, pinged, null);
    }

    long deadline = System.nanoTime() + wait.toNanos();
    JsonNode delivery = null;
    while (delivery == null) {
      Response deliveries = call("GET", hookPath + "/deliveries?per_page=30", null);
      if (deliveries.status() != 200) {
        throw failed(
            "read the deliveries of webhook " + hook.id() + " on " + scope, deliveries, null);
      }
      for (JsonNode candidate : json(deliveries)) {
        if ("ping".equals(candidate.path("event").asText())
            && !candidate.path("redelivery").asBoolean(false)
            && !before.contains(candidate.path("id").asLong())) {
          delivery = candidate;
          break;
        }
      }
      if (delivery == null) {
        if (System.nanoTime() >= deadline) {
          throw new GitHubSetupException(
              Kind.DELIVERY,
              "GitHub has not reported the ping's delivery to "
                  + hook.url()
                  + " within "
                  + seconds(wait)
                  + " s; see \"Recent Deliveries\" in the settings of webhook "
                  + hook.id()
                  + " on "
                  + scope
                  + ".");
        }
        sleep(pollInterval);
      }
    }

    long id = delivery.path("id").asLong();
    int code = delivery.path("status_code").asInt();
    String status = delivery.path("status").asText("");
    Duration took = Duration.ofMillis(Math.round(delivery.path("duration").asDouble() * 1000));
    if (code >= 200 && code < 400) {
      listener.step(
          "GitHub delivered the ping to "
              + hook.url()
              + ": HTTP "
              + code
              + " in "
              + seconds(took)
              + " s");
      return new PingDelivery(id, code, status, took);
    }
    StringBuilder message = new StringBuilder();
    message
        .append("GitHub could not deliver the ping to ")
        .append(hook.url())
        .append(": ")
        .append(status.isEmpty() ? "no status" : status);
    if (!status.contains(Integer.toString(code))) {
      message.append(" (status code ").append(code).append(")");
    }
    message.append(", after ").append(seconds(took)).append(" s.");
    endpointAnswer(hookPath + "/deliveries/" + id)
        .ifPresent(text -> message.append(" The endpoint answered: ").append(text));
    throw new GitHubSetupException(Kind.DELIVERY, message.toString());
  }

  /** The start of what the endpoint answered, from the single delivery; empty if unknown. */
  private Optional<String> endpointAnswer(String deliveryPath) {
    try {
      Response detail = call("GET", deliveryPath, null);
      if (detail.status() != 200) {
        return Optional.empty();
      }
      JsonNode payload = json(detail).at("/response/payload");
      String text =
          payload.isTextual()
              ? payload.asText()
              : payload.isMissingNode() ? "" : payload.toString();
      text = text.replaceAll("\\s+", " ").strip();
      if (text.isEmpty() || payload.isNull()) {
        return Optional.empty();
      }
      return Optional.of(
          text.length() > MAX_ANSWER_SHOWN ? text.substring(0, MAX_ANSWER_SHOWN) + "…" : text);
    } catch (GitHubSetupException e) {
      return Optional.empty(); // the failure itself is what matters
    }
  }

  // ---- all of it ---------------------------------------------------------------------------

  /**
   * Steps 2 to 4 for one scope, in order: the webhook, the placeholder runner (unless not asked
   * for), the ping. The token's rights ({@link #checkAccess}) are checked apart, before AWS.
   *
   * @throws GitHubSetupException from the first step that fails; when the ping fails, the webhook
   *     and the placeholder are in place
   */
  public GitHubSetupResult setUp(GitHubSetupRequest request, GitHubListener listener) {
    Webhook hook =
        ensureWebhook(request.scope(), request.webhookUrl(), request.webhookSecret(), listener);
    Placeholder placeholder = null;
    if (request.placeholder()) {
      placeholder =
          ensurePlaceholder(request.scope(), request.labels(), request.runnerGroupId(), listener);
    } else {
      listener.step("Placeholder runner not wanted on " + request.scope() + ": none registered");
    }
    PingDelivery ping = ping(request.scope(), hook, request.pingWait(), listener);
    return new GitHubSetupResult(hook, Optional.ofNullable(placeholder), ping);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private Response call(String method, String path, Map<String, Object> body) {
    try {
      return client.call(method, path, body);
    } catch (GitHubException e) {
      throw new GitHubSetupException(
          Kind.REMOTE, "GitHub could not be reached: " + e.getMessage(), e);
    }
  }

  /** Every item of a paged list answer (a JSON array, or an object's {@code field}). */
  private List<JsonNode> list(RunnerScope scope, String first, String field, String what) {
    List<JsonNode> items = new ArrayList<>();
    String next = first;
    while (next != null) {
      Response page = call("GET", next, null);
      if (page.status() != 200) {
        throw failed("list the " + what + " of " + scope, page, null);
      }
      JsonNode body = json(page);
      (field == null ? body : body.path(field)).forEach(items::add);
      next = nextPage(page.header("link"));
    }
    return items;
  }

  private static String nextPage(String link) {
    if (link == null) {
      return null;
    }
    Matcher matcher = NEXT_LINK.matcher(link);
    return matcher.find() ? matcher.group(1) : null;
  }

  private static GitHubSetupException failed(String action, Response response, String secret) {
    if (response.status() == 401) {
      return badCredentials(response);
    }
    Kind kind =
        switch (response.status()) {
          case 403 -> Kind.PERMISSION;
          case 404 -> Kind.NOT_FOUND;
          default -> Kind.REMOTE;
        };
    String verb = response.status() >= 500 ? "GitHub failed to " : "GitHub refused to ";
    return new GitHubSetupException(
        kind, redact(verb + action + " (" + answer(response) + ").", secret));
  }

  private static GitHubSetupException unexpected(String action, Response response, String secret) {
    return new GitHubSetupException(
        Kind.REMOTE,
        redact(
            "GitHub answered unexpectedly when asked to " + action + " (" + answer(response) + ").",
            secret));
  }

  /** {@code HTTP 403: Must have admin rights to Repository.}, with GitHub's own message. */
  private static String answer(Response response) {
    String message = null;
    try {
      JsonNode body = JSON.readTree(response.body());
      if (body != null && body.path("message").isTextual()) {
        message = body.path("message").asText();
        JsonNode errors = body.path("errors");
        if (errors.isArray() && !errors.isEmpty()) {
          List<String> details = new ArrayList<>();
          errors.forEach(
              error ->
                  details.add(error.isTextual() ? error.asText() : error.path("message").asText()));
          message += " " + details.stream().filter(d -> !d.isBlank()).toList();
        }
      }
    } catch (JsonProcessingException | RuntimeException e) {
      // not JSON (GitHub's edge answers some errors with HTML): the status says enough
    }
    return "HTTP " + response.status() + (message == null ? "" : ": " + oneLine(message));
  }

  private static String oneLine(String text) {
    String line = text.replaceAll("\\s+", " ").strip();
    return line.length() > MAX_ANSWER_SHOWN ? line.substring(0, MAX_ANSWER_SHOWN) + "…" : line;
  }

  private static String redact(String text, String secret) {
    return secret == null || secret.isEmpty() ? text : text.replace(secret, "***");
  }

  private static JsonNode json(Response response) {
    try {
      JsonNode node = JSON.readTree(response.body());
      if (node == null) {
        throw new GitHubSetupException(Kind.REMOTE, "GitHub answered with an empty body.");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new GitHubSetupException(
          Kind.REMOTE,
          "GitHub answered with something other than JSON (HTTP " + response.status() + ").",
          e);
    }
  }

  /** A classic token's scopes, from {@code X-OAuth-Scopes}; null when the header is absent. */
  private static List<String> oauthScopes(Response response) {
    String header = response.header("x-oauth-scopes");
    if (header == null) {
      return null;
    }
    List<String> scopes = new ArrayList<>();
    for (String scope : header.split(",")) {
      if (!scope.isBlank()) {
        scopes.add(scope.strip());
      }
    }
    return List.copyOf(scopes);
  }

  private static String describe(List<String> scopes) {
    return scopes.isEmpty() ? "none" : String.join(", ", scopes);
  }

  private static void validate(RunnerScope scope) {
    if (scope == null) {
      throw new GitHubSetupException(Kind.INPUT, "No repository or organization given.");
    }
    if (scope.repository() != null && !REPOSITORY.matcher(scope.repository()).matches()) {
      throw new GitHubSetupException(
          Kind.INPUT, "Invalid repository '" + scope.repository() + "': expected owner/name.");
    }
    if (scope.organization() != null && !OWNER.matcher(scope.organization()).matches()) {
      throw new GitHubSetupException(
          Kind.INPUT, "Invalid organization '" + scope.organization() + "'.");
    }
  }

  private static Set<String> lower(List<String> labels) {
    Set<String> keys = new LinkedHashSet<>();
    labels.forEach(label -> keys.add(lower(label)));
    return keys;
  }

  private static String lower(String label) {
    return label.toLowerCase(Locale.ROOT);
  }

  /** {@code 10}, {@code 0.3}, {@code 0.27}: seconds with no more decimals than needed. */
  private static String seconds(Duration duration) {
    return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GitHubSetupException(Kind.DELIVERY, "Interrupted while waiting for the ping.", e);
    }
  }
}
