package dev.lgr.deploy.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import dev.lgr.deploy.github.GitHubSetupException.Kind;
import dev.lgr.deploy.github.TokenAccess.TokenKind;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.RunnerScope;
import dev.lgr.serve.WebhookServer;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.webhook.RoutingRules;
import dev.lgr.webhook.WebhookSecret;
import dev.lgr.webhook.WebhookService;
import dev.lgr.webhook.WebhookSignature;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GitHubService} against the GitHub stand-in (every request checked against GitHub's OpenAPI
 * description) and, for pings, against lgr's own webhook service on loopback.
 */
class GitHubServiceTest {
  private static final String TOKEN = "fake-gh-token-serviceAdminToken000000000000000000";
  private static final String READER = "fake-gh-token-serviceReaderToken00000000000000000";
  private static final String REPO = "octo/app";
  private static final String ORG = "octo-org";
  private static final RunnerScope REPO_SCOPE = RunnerScope.repository(REPO);
  private static final RunnerScope ORG_SCOPE = RunnerScope.organization(ORG);
  private static final String SECRET = "whsec-3f9a61c0-the-webhook-secret";
  private static final URI HOOK_URL =
      URI.create("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/webhook");
  private static final List<String> LABELS = List.of("self-hosted", "lambda");

  private GitHubStandIn github;
  private final Recorder events = new Recorder();
  private final List<String> tokensUsed = new ArrayList<>();
  private final List<String> messages = new ArrayList<>();

  @BeforeEach
  void start() {
    github = GitHubStandIn.start().repo(REPO).org(ORG).token(TOKEN).token(READER, false);
  }

  @AfterEach
  void stop() {
    try {
      assertThat(github.violations()).isEmpty();
      assertThat(github.responseMismatches()).isEmpty();
      for (String text : concat(events.all(), messages)) {
        assertThat(text).doesNotContain(SECRET).doesNotContain("the-webhook-secret");
        for (String token : tokensUsed) {
          assertThat(text).doesNotContain(token);
        }
      }
    } finally {
      github.close();
    }
  }

  // ---- 1. the token's rights ---------------------------------------------------------------

  @Test
  void access_adminToken_onRepository_isGranted() {
    TokenAccess access = service(TOKEN).checkAccess(REPO_SCOPE, events);

    assertThat(access.scope()).isEqualTo(REPO_SCOPE);
    assertThat(access.kind()).isEqualTo(TokenKind.FINE_GRAINED_OR_APP);
    assertThat(access.oauthScopes()).isEmpty();
    assertThat(events.steps()).contains("The GitHub token can administer octo/app");
    assertThat(github.requests())
        .extracting(r -> r.method() + " " + r.path())
        .containsExactly(
            "GET /repos/octo/app",
            "GET /repos/octo/app/actions/runners",
            "GET /repos/octo/app/hooks");
  }

  @Test
  void access_tokenWithoutAdminRole_saysTheAdminRoleIsMissing() {
    GitHubSetupException e = failure(() -> service(READER).checkAccess(REPO_SCOPE, events));

    assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(e.getMessage())
        .isEqualTo(
            "The GitHub token's account is not an administrator of octo/app (GitHub reports"
                + " permissions.admin: false). Registering runners and managing webhooks needs"
                + " the Admin role on the repository: use a token of an account that has it.");
  }

  @Test
  void access_unknownRepository_saysNotFoundOrInvisible() {
    GitHubSetupException e =
        failure(() -> service(TOKEN).checkAccess(RunnerScope.repository("octo/missing"), events));

    assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
    assertThat(e.getMessage())
        .isEqualTo(
            "Repository octo/missing was not found, or the GitHub token cannot see it. Check the"
                + " name; a fine-grained token must list the repository under \"Repository"
                + " access\".");
  }

  @Test
  void access_badToken_saysTheTokenIsRejected_afterReadingItOnceMore() {
    int[] reads = {0};
    GitHubService service =
        new GitHubService(
            new GitHubClient(
                github.baseUrl(),
                () -> {
                  reads[0]++;
                  return "fake-gh-token-revokedToken0000000000000000000000";
                },
                () -> 60_000,
                10));
    tokensUsed.add("fake-gh-token-revokedToken0000000000000000000000");

    GitHubSetupException e = failure(() -> service.checkAccess(REPO_SCOPE, events));

    assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION);
    assertThat(e.getMessage())
        .isEqualTo(
            "GitHub rejected the token (HTTP 401: Bad credentials): it is wrong, expired or"
                + " revoked. Give lgr a valid token.");
    assertThat(reads[0]).isEqualTo(2);
  }

  @Test
  void access_classicTokenWithoutRepoScope_namesTheMissingScope() {
    github.classicToken(
        "fake-gh-token-classicNoRepo000000000000000000000", true, "workflow", "gist");

    GitHubSetupException e =
        failure(
            () ->
                service("fake-gh-token-classicNoRepo000000000000000000000")
                    .checkAccess(REPO_SCOPE, events));

    assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(e.getMessage())
        .isEqualTo(
            "The GitHub token (a classic personal access token) lacks the repo scope, which lgr"
                + " needs to register runners and manage the webhook of octo/app; its scopes:"
                + " workflow, gist. Add the repo scope, or use a fine-grained token with the"
                + " repository permissions \"Administration\" and \"Webhooks\" set to \"Read and"
                + " write\".");
  }

  @Test
  void access_classicTokenWithRepoScope_isGranted_withItsScopes() {
    github.classicToken(
        "fake-gh-token-classicRepo0000000000000000000000", true, "repo", "workflow");

    TokenAccess access =
        service("fake-gh-token-classicRepo0000000000000000000000").checkAccess(REPO_SCOPE, events);

    assertThat(access.kind()).isEqualTo(TokenKind.CLASSIC);
    assertThat(access.oauthScopes()).containsExactly("repo", "workflow");
    assertThat(events.steps())
        .contains(
            "The GitHub token can administer octo/app (classic token, scopes: repo, workflow)");
  }

  @Test
  void access_organization_ownerToken_isGranted() {
    TokenAccess access = service(TOKEN).checkAccess(ORG_SCOPE, events);

    assertThat(access.scope()).isEqualTo(ORG_SCOPE);
    assertThat(github.requests())
        .extracting(r -> r.method() + " " + r.path())
        .containsExactly("GET /orgs/octo-org/actions/runners", "GET /orgs/octo-org/hooks");
  }

  @Test
  void access_organization_notOwner_namesRunnersAndWebhooksPermissions() {
    GitHubSetupException e = failure(() -> service(READER).checkAccess(ORG_SCOPE, events));

    assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(e.getMessage())
        .isEqualTo(
            "The GitHub token cannot set lgr up for organization octo-org:\n"
                + "  - it cannot manage the self-hosted runners of organization octo-org (HTTP"
                + " 403: Must have admin rights to Organization.): that needs an organization"
                + " owner's token with the organization permission \"Self-hosted runners: Read"
                + " and write\"\n"
                + "  - it cannot manage the webhooks of organization octo-org (HTTP 403: Must have"
                + " admin rights to Organization.): that needs an organization owner's token with"
                + " the organization permission \"Webhooks: Read and write\"");
  }

  @Test
  void access_organization_classicTokenWithoutHookScope_namesIt() {
    github.classicToken(
        "fake-gh-token-classicOrg000000000000000000000000", true, "admin:org", "repo");

    GitHubSetupException e =
        failure(
            () ->
                service("fake-gh-token-classicOrg000000000000000000000000")
                    .checkAccess(ORG_SCOPE, events));

    assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(e.getMessage())
        .startsWith(
            "The GitHub token (a classic personal access token) lacks the admin:org_hook scope,"
                + " which lgr needs to register runners and manage the webhook of organization"
                + " octo-org; its scopes: admin:org, repo.");
  }

  @Test
  void access_unknownOrganization_saysNotFound() {
    GitHubSetupException e =
        failure(() -> service(TOKEN).checkAccess(RunnerScope.organization("nobody"), events));

    assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
    assertThat(e.getMessage()).startsWith("Organization nobody was not found, or the GitHub token");
  }

  @Test
  void access_severalScopes_namesEachOneThatFails() {
    github.repo("octo/other");
    List<RunnerScope> scopes =
        List.of(
            REPO_SCOPE,
            RunnerScope.repository("octo/gone"),
            RunnerScope.repository("octo/other"),
            ORG_SCOPE);

    GitHubSetupException e = failure(() -> service(READER).checkAccess(scopes, events));

    assertThat(e.getMessage().lines())
        .anyMatch(
            l -> l.startsWith("The GitHub token's account is not an administrator of octo/app"))
        .anyMatch(l -> l.startsWith("Repository octo/gone was not found"))
        .anyMatch(
            l -> l.startsWith("The GitHub token's account is not an administrator of octo/other"))
        .anyMatch(l -> l.equals("The GitHub token cannot set lgr up for organization octo-org:"));
    assertThat(service(TOKEN).checkAccess(List.of(REPO_SCOPE, ORG_SCOPE), events)).hasSize(2);
  }

  @Test
  void access_malformedRepository_isAnInputError_withoutAsking() {
    GitHubSetupException e =
        failure(() -> service(TOKEN).checkAccess(RunnerScope.repository("octo"), events));

    assertThat(e.kind()).isEqualTo(Kind.INPUT);
    assertThat(e.getMessage()).isEqualTo("Invalid repository 'octo': expected owner/name.");
    assertThat(github.requests()).isEmpty();
  }

  // ---- 2. the webhook ----------------------------------------------------------------------

  @Test
  void webhook_none_isCreatedWithJsonWorkflowJobAndTheSecret() {
    Webhook hook = service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);

    assertThat(hook.created()).isTrue();
    assertThat(hook.url()).isEqualTo(HOOK_URL);
    GitHubStandIn.Hook made = onlyHook(REPO);
    assertThat(made.id()).isEqualTo(hook.id());
    assertThat(made.name()).isEqualTo("web");
    assertThat(made.active()).isTrue();
    assertThat(made.events()).containsExactly("workflow_job");
    assertThat(made.config())
        .containsEntry("url", HOOK_URL.toString())
        .containsEntry("content_type", "json")
        .containsEntry("insecure_ssl", "0")
        .containsEntry("secret", SECRET);
    assertThat(events.steps())
        .contains(
            "Created webhook "
                + hook.id()
                + " on octo/app: workflow_job events as JSON to "
                + HOOK_URL);
  }

  @Test
  void webhook_existingHookOfLgr_isUpdatedNotDuplicated() throws Exception {
    GitHubService service = service(TOKEN);
    Webhook first = service.ensureWebhook(REPO_SCOPE, HOOK_URL, "old-secret-value", events);
    // someone edits it by hand in between
    client(TOKEN)
        .call(
            "PATCH",
            "/repos/octo/app/hooks/" + first.id(),
            Map.of(
                "active",
                false,
                "events",
                List.of("push"),
                "config",
                Map.of("url", HOOK_URL.toString(), "content_type", "form")));

    Webhook second = service.ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);

    assertThat(second.created()).isFalse();
    assertThat(second.id()).isEqualTo(first.id());
    GitHubStandIn.Hook hook = onlyHook(REPO);
    assertThat(hook.active()).isTrue();
    assertThat(hook.events()).containsExactly("workflow_job");
    assertThat(hook.config())
        .containsEntry("content_type", "json")
        .containsEntry("secret", SECRET)
        .containsEntry("insecure_ssl", "0");
    assertThat(events.steps())
        .contains(
            "Updated webhook "
                + first.id()
                + " on octo/app: workflow_job events as JSON to "
                + HOOK_URL);
  }

  @Test
  void webhook_foreignHookWithAnotherUrl_isLeftAlone() {
    client(TOKEN)
        .call(
            "POST",
            "/repos/octo/app/hooks",
            Map.of(
                "name",
                "web",
                "events",
                List.of("push"),
                "config",
                Map.of("url", "https://ci.example.com/hook", "secret", "theirs")));

    Webhook ours = service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);
    service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);

    List<GitHubStandIn.Hook> hooks = github.hooks(REPO);
    assertThat(hooks).hasSize(2);
    GitHubStandIn.Hook foreign =
        hooks.stream().filter(h -> h.id() != ours.id()).findFirst().orElseThrow();
    assertThat(foreign.url()).isEqualTo("https://ci.example.com/hook");
    assertThat(foreign.events()).containsExactly("push");
    assertThat(foreign.secret()).isEqualTo("theirs");
  }

  @Test
  void webhook_oursBeyondTheFirstPage_isFound() {
    GitHubClient client = client(TOKEN);
    github.checkAnswers(false); // only while filling the first page
    for (int i = 0; i < 105; i++) {
      client.call(
          "POST",
          "/repos/octo/app/hooks",
          Map.of("name", "web", "config", Map.of("url", "https://other.example.com/" + i)));
    }
    github.checkAnswers(true);
    Webhook first = service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);
    github.clearRecords();

    Webhook again = service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);

    assertThat(again.id()).isEqualTo(first.id());
    assertThat(again.created()).isFalse();
    assertThat(github.hooks(REPO)).hasSize(106);
    assertThat(github.requests())
        .extracting(r -> r.method() + " " + r.path())
        .containsExactly(
            "GET /repos/octo/app/hooks",
            "GET /repos/octo/app/hooks",
            "PATCH /repos/octo/app/hooks/" + first.id());
  }

  @Test
  void webhook_duplicatesOfLgrsUrl_areRemovedButOne() {
    Webhook ours = service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);
    // a second hook pointed at the same URL by hand (GitHub allows it for other events)
    GitHubClient client = client(TOKEN);
    client.call(
        "POST",
        "/repos/octo/app/hooks",
        Map.of("name", "web", "config", Map.of("url", "https://elsewhere.example.com/")));
    long copy =
        github.hooks(REPO).stream().filter(h -> h.id() != ours.id()).findFirst().orElseThrow().id();
    client.call(
        "PATCH",
        "/repos/octo/app/hooks/" + copy,
        Map.of("events", List.of("push"), "config", Map.of("url", HOOK_URL.toString())));

    Webhook again = service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);

    assertThat(again.id()).isEqualTo(ours.id());
    assertThat(onlyHook(REPO).id()).isEqualTo(ours.id());
    assertThat(events.steps())
        .contains("Removed webhook " + copy + " from octo/app: a duplicate of " + ours.id());
  }

  @Test
  void webhook_organization_isCreatedOnTheOrganization() {
    Webhook hook = service(TOKEN).ensureWebhook(ORG_SCOPE, HOOK_URL, SECRET, events);

    assertThat(onlyHook(ORG).id()).isEqualTo(hook.id());
    assertThat(onlyHook(ORG).events()).containsExactly("workflow_job");
    assertThat(github.hooks(REPO)).isEmpty();
  }

  @Test
  void webhook_refusedByGitHub_saysWhat_withoutTheSecret() {
    github.on("POST", "/repos/octo/app/hooks").failNext(1, 422);

    GitHubSetupException e =
        failure(() -> service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events));

    assertThat(e.kind()).isEqualTo(Kind.REMOTE);
    assertThat(e.getMessage())
        .isEqualTo(
            "GitHub refused to create the webhook on octo/app (HTTP 422: Validation Failed).");
    assertThat(github.hooks(REPO)).isEmpty();
  }

  @Test
  void webhook_badUrlOrEmptySecret_isAnInputError() {
    assertThat(
            failure(
                    () ->
                        service(TOKEN)
                            .ensureWebhook(REPO_SCOPE, URI.create("/webhook"), SECRET, events))
                .kind())
        .isEqualTo(Kind.INPUT);
    assertThat(failure(() -> service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, " ", events)))
        .hasMessage("The webhook secret is empty.");
    assertThat(github.requests()).isEmpty();
  }

  // ---- 3. the placeholder runner -----------------------------------------------------------

  @Test
  void placeholder_isRegisteredOnce_secondRunCreatesNothing() {
    GitHubService service = service(TOKEN);

    Placeholder first = service.ensurePlaceholder(REPO_SCOPE, LABELS, 1, events);
    Placeholder second = service.ensurePlaceholder(REPO_SCOPE, LABELS, 1, events);

    assertThat(first.created()).isTrue();
    assertThat(first.name()).isEqualTo("DEFAULT-LAMBDA-DO-NOT-REMOVE");
    assertThat(second.created()).isFalse();
    assertThat(second.runnerId()).isEqualTo(first.runnerId());
    assertThat(github.runners(REPO))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.name()).isEqualTo(GitHubService.PLACEHOLDER_NAME);
              assertThat(r.labels()).containsExactly("self-hosted", "lambda");
              assertThat(r.runnerGroupId()).isEqualTo(1);
              assertThat(r.workFolder()).isEqualTo("_work");
            });
    assertThat(
            github.requests().stream()
                .filter(r -> r.path().endsWith("/generate-jitconfig"))
                .count())
        .isEqualTo(1);
    assertThat(events.steps())
        .contains(
            "Registered the placeholder runner DEFAULT-LAMBDA-DO-NOT-REMOVE on octo/app with"
                + " labels [self-hosted, lambda]",
            "The placeholder runner DEFAULT-LAMBDA-DO-NOT-REMOVE is already on octo/app");
    // the runner's JIT configuration is a credential: it goes nowhere
    String jit = github.runners(REPO).get(0).jitConfig();
    assertThat(events.all()).noneMatch(text -> text.contains(jit));
  }

  @Test
  void placeholder_existingWithOtherLabels_isKept_andWarned() {
    GitHubStandIn.RegisteredRunner old =
        github.addRunner(REPO, GitHubService.PLACEHOLDER_NAME, List.of("self-hosted", "old"));

    Placeholder found = service(TOKEN).ensurePlaceholder(REPO_SCOPE, LABELS, 1, events);

    assertThat(found.created()).isFalse();
    assertThat(found.runnerId()).isEqualTo(old.id());
    assertThat(found.labels()).containsExactly("self-hosted", "old");
    assertThat(github.runners(REPO)).hasSize(1);
    assertThat(events.warnings())
        .containsExactly(
            "The placeholder runner DEFAULT-LAMBDA-DO-NOT-REMOVE on octo/app has the labels"
                + " [self-hosted, old], not [lambda]; lgr leaves it as it is. To change them,"
                + " remove it in the runner settings and run lgr deploy again.");
  }

  @Test
  void placeholder_organization_isRegisteredOnTheOrganization() {
    Placeholder placeholder = service(TOKEN).ensurePlaceholder(ORG_SCOPE, LABELS, 1, events);

    assertThat(github.runners(ORG)).extracting(r -> r.id()).containsExactly(placeholder.runnerId());
    assertThat(github.runners(REPO)).isEmpty();
  }

  @Test
  void placeholder_tokenWithoutAdminRights_namesThePermission() {
    GitHubSetupException e =
        failure(() -> service(READER).ensurePlaceholder(REPO_SCOPE, LABELS, 1, events));

    assertThat(e.kind()).isEqualTo(Kind.PERMISSION);
    assertThat(e.getMessage()).contains("\"Administration: Read and write\"");
    assertThat(github.runners(REPO)).isEmpty();
  }

  // ---- 4. the ping -------------------------------------------------------------------------

  @Test
  void ping_delivery_isReadBack_withStatusAndDuration() {
    GitHubService service = service(TOKEN);
    Webhook hook = service.ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);

    PingDelivery ping = service.ping(REPO_SCOPE, hook, Duration.ofSeconds(5), events);

    assertThat(ping.statusCode()).isEqualTo(200);
    assertThat(ping.status()).isEqualTo("OK");
    assertThat(ping.duration()).isEqualTo(Duration.ofMillis(10));
    assertThat(onlyHook(REPO).deliveries()).containsExactly("ping", "ping");
  }

  @Test
  void ping_realDeliveryToLgrsWebhookService_isAnsweredWith200() throws Exception {
    github.deliverPings(true);
    try (WebhookServer endpoint = webhookEndpoint(SECRET)) {
      GitHubService service = service(TOKEN);
      Webhook hook = service.ensureWebhook(REPO_SCOPE, endpoint.url(), SECRET, events);

      PingDelivery ping = service.ping(REPO_SCOPE, hook, Duration.ofSeconds(10), events);

      assertThat(ping.statusCode()).isEqualTo(200);
      assertThat(ping.status()).isEqualTo("OK");
      assertThat(ping.duration()).isPositive().isLessThan(Duration.ofSeconds(10));
      assertThat(events.steps())
          .anyMatch(
              s ->
                  s.startsWith(
                      "GitHub delivered the ping to " + endpoint.url() + ": HTTP 200 in "));
    }
  }

  @Test
  void ping_endpointWithAnotherSecret_failsWithGitHubsStatusAndTheEndpointsAnswer()
      throws Exception {
    github.deliverPings(true);
    try (WebhookServer endpoint = webhookEndpoint("a-different-secret")) {
      GitHubService service = service(TOKEN);
      Webhook hook = service.ensureWebhook(REPO_SCOPE, endpoint.url(), SECRET, events);

      GitHubSetupException e =
          failure(() -> service.ping(REPO_SCOPE, hook, Duration.ofSeconds(10), events));

      assertThat(e.kind()).isEqualTo(Kind.DELIVERY);
      assertThat(e.getMessage())
          .startsWith(
              "GitHub could not deliver the ping to "
                  + endpoint.url()
                  + ": Invalid HTTP Response: 401, after ")
          .contains("The endpoint answered: ")
          .contains("signature does not match the webhook secret");
    }
  }

  @Test
  void ping_unreachableEndpoint_failsWithFailedToConnect() {
    github.deliverPings(true);
    GitHubService service = service(TOKEN);
    Webhook hook =
        service.ensureWebhook(REPO_SCOPE, URI.create("http://127.0.0.1:1/webhook"), SECRET, events);

    GitHubSetupException e =
        failure(() -> service.ping(REPO_SCOPE, hook, Duration.ofSeconds(10), events));

    assertThat(e.kind()).isEqualTo(Kind.DELIVERY);
    assertThat(e.getMessage())
        .startsWith(
            "GitHub could not deliver the ping to http://127.0.0.1:1/webhook: failed to connect"
                + " (status code 502), after ");
  }

  @Test
  void ping_notReportedInTime_saysWhereToLook() throws Exception {
    github.deliverPings(true);
    HttpServer slow =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    slow.createContext(
        "/",
        exchange -> {
          try {
            Thread.sleep(1500);
          } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    slow.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + slow.getAddress().getPort() + "/webhook");
      GitHubService service = service(TOKEN);
      Webhook hook = service.ensureWebhook(REPO_SCOPE, url, SECRET, events);

      GitHubSetupException e =
          failure(() -> service.ping(REPO_SCOPE, hook, Duration.ofMillis(300), events));

      assertThat(e.kind()).isEqualTo(Kind.DELIVERY);
      assertThat(e.getMessage())
          .isEqualTo(
              "GitHub has not reported the ping's delivery to "
                  + url
                  + " within 0.3 s; see \"Recent Deliveries\" in the settings of webhook "
                  + hook.id()
                  + " on octo/app.");
    } finally {
      slow.stop(0);
    }
  }

  // ---- all of it, retries, secrets -----------------------------------------------------------

  @Test
  void setUp_twice_leavesOneHookAndOnePlaceholder_andPingsEachTime() {
    GitHubSetupRequest request =
        new GitHubSetupRequest(
            REPO_SCOPE, HOOK_URL, SECRET, LABELS, 1, true, Duration.ofSeconds(5));

    GitHubSetupResult first = service(TOKEN).setUp(request, events);
    GitHubSetupResult second = service(TOKEN).setUp(request, events);

    assertThat(first.webhook().created()).isTrue();
    assertThat(second.webhook().created()).isFalse();
    assertThat(second.webhook().id()).isEqualTo(first.webhook().id());
    assertThat(first.placeholder()).get().extracting(Placeholder::created).isEqualTo(true);
    assertThat(second.placeholder()).get().extracting(Placeholder::created).isEqualTo(false);
    assertThat(second.ping().deliveryId()).isNotEqualTo(first.ping().deliveryId());
    assertThat(github.hooks(REPO)).hasSize(1);
    assertThat(github.runners(REPO)).hasSize(1);
    assertThat(request.toString()).doesNotContain(SECRET);
  }

  @Test
  void setUp_withoutPlaceholder_registersNoRunner() {
    GitHubSetupRequest request =
        new GitHubSetupRequest(
            REPO_SCOPE, HOOK_URL, SECRET, LABELS, 1, false, Duration.ofSeconds(5));

    GitHubSetupResult result = service(TOKEN).setUp(request, events);

    assertThat(result.placeholder()).isEmpty();
    assertThat(result.ping().statusCode()).isEqualTo(200);
    assertThat(github.runners(REPO)).isEmpty();
    assertThat(github.requests()).noneMatch(r -> r.path().contains("/actions/runners"));
    assertThat(events.steps())
        .contains("Placeholder runner not wanted on octo/app: none registered");
  }

  @Test
  void burstOf5xx_isRetried_andTheStepSucceeds() {
    github.failNext(3, 502);

    Webhook hook = service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);

    assertThat(onlyHook(REPO).id()).isEqualTo(hook.id());
    assertThat(github.requests())
        .extracting(GitHubStandIn.Request::status)
        .startsWith(502, 502, 502, 200);
  }

  @Test
  void secondaryRateLimit_isWaitedOut_asRetryAfterSays() {
    github.rateLimitNext(1, 1);
    long start = System.nanoTime();

    service(TOKEN).checkAccess(REPO_SCOPE, events);

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(github.requests()).extracting(GitHubStandIn.Request::status).startsWith(403, 200);
  }

  @Test
  void persistentServerErrors_endInAMessageNamingTheCall() {
    github.failNext(50, 503);

    GitHubSetupException e =
        failure(() -> service(TOKEN).ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events));

    assertThat(e.kind()).isEqualTo(Kind.REMOTE);
    assertThat(e.getMessage())
        .isEqualTo("GitHub failed to list the webhooks of octo/app (HTTP 503).");
  }

  @Test
  void secrets_neverReachMessagesOrEvents_evenWhenGitHubRefuses() {
    GitHubService service = service(TOKEN);
    Webhook hook = service.ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events);
    github.on("PATCH", "/repos/octo/app/hooks/\\d+").failNext(1, 422);
    failure(() -> service.ensureWebhook(REPO_SCOPE, HOOK_URL, SECRET, events));
    github.on("POST", ".*/pings").failNext(1, 422);
    failure(() -> service(TOKEN).ping(REPO_SCOPE, hook, Duration.ofSeconds(1), events));
    failure(
        () ->
            service(READER)
                .setUp(
                    new GitHubSetupRequest(
                        REPO_SCOPE, HOOK_URL, SECRET, LABELS, 1, true, Duration.ofSeconds(1)),
                    events));
    service.setUp(
        new GitHubSetupRequest(
            REPO_SCOPE, HOOK_URL, SECRET, LABELS, 1, true, Duration.ofSeconds(5)),
        events);

    assertThat(messages).hasSize(3);
    assertThat(events.all()).isNotEmpty();
    // @AfterEach checks every message and event for the secret and the tokens
  }

  // ---- helpers -----------------------------------------------------------------------------

  private GitHubService service(String token) {
    tokensUsed.add(token);
    return new GitHubService(client(token), Duration.ofMillis(20));
  }

  private GitHubClient client(String token) {
    return new GitHubClient(github.baseUrl(), () -> token, () -> 60_000, 10);
  }

  private GitHubSetupException failure(Runnable call) {
    GitHubSetupException e = catchThrowableOfType(GitHubSetupException.class, call::run);
    assertThat(e).as("a GitHubSetupException").isNotNull();
    messages.add(e.getMessage());
    return e;
  }

  private GitHubStandIn.Hook onlyHook(String scope) {
    List<GitHubStandIn.Hook> hooks = github.hooks(scope);
    assertThat(hooks).hasSize(1);
    return hooks.get(0);
  }

  private static WebhookServer webhookEndpoint(String secret) throws Exception {
    WebhookSecret key =
        new WebhookSecret() {
          @Override
          public byte[] current() {
            return WebhookSignature.key(secret);
          }

          @Override
          public Optional<byte[]> refresh() {
            return Optional.empty();
          }
        };
    WebhookService service =
        new WebhookService(
            new RoutingRules(LABELS, List.of(REPO), List.of()), key, request -> {}, line -> {});
    return WebhookServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), service);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** Keeps what the service reports. */
  private static final class Recorder implements GitHubListener {
    private final List<String> steps = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void step(String message) {
      steps.add(message);
    }

    @Override
    public void warning(String message) {
      warnings.add(message);
    }

    List<String> steps() {
      return List.copyOf(steps);
    }

    List<String> warnings() {
      return List.copyOf(warnings);
    }

    List<String> all() {
      return concat(steps(), warnings());
    }
  }
}
