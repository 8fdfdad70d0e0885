package dev.lgr.lambda.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgr.webhook.RoutingRules;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The webhook function's settings from its environment, and the errors a bad value gives. */
class WebhookConfigTest {
  private static final String QUEUE =
      "https://sqs.eu-west-1.amazonaws.com/123456789012/lgr-jobs.fifo";
  private static final String SECRET =
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:lgr-webhook-AbCdEf";
  private static final List<String> VARIABLES =
      List.of(
          "AWS_REGION",
          WebhookConfig.QUEUE_URL,
          WebhookConfig.SECRET_ARN,
          WebhookConfig.LABELS,
          WebhookConfig.REPOSITORIES,
          WebhookConfig.ORGANIZATIONS);

  private static Map<String, String> good() {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_REGION", "eu-west-1");
    env.put(WebhookConfig.QUEUE_URL, QUEUE);
    env.put(WebhookConfig.SECRET_ARN, SECRET);
    env.put(WebhookConfig.LABELS, "self-hosted, k8s ,,lambda");
    env.put(
        WebhookConfig.REPOSITORIES, "octo-org/hello-world , lineville/elastic-machines-testing");
    env.put(WebhookConfig.ORGANIZATIONS, "my-org");
    return env;
  }

  @Test
  void goodEnvironment_givesTheSettings() {
    WebhookConfig config = WebhookConfig.from(good());

    assertThat(config.region()).isEqualTo("eu-west-1");
    assertThat(config.queueUrl()).isEqualTo(QUEUE);
    assertThat(config.secretArn()).isEqualTo(SECRET);
    assertThat(config.rules().labels()).containsExactly("self-hosted", "k8s", "lambda");
    assertThat(config.rules().scopeOf("lineville/elastic-machines-testing", "lineville"))
        .contains(RoutingRules.Scope.REPOSITORY);
    assertThat(config.rules().scopeOf("my-org/x", "my-org"))
        .contains(RoutingRules.Scope.ORGANIZATION);
  }

  @Test
  void labelsUnsetOrBlank_areTheDefaultLabels() {
    for (String labels : new String[] {null, "", "  "}) {
      Map<String, String> env = good();
      env.put(WebhookConfig.LABELS, labels);
      assertThat(WebhookConfig.from(env).rules().labels()).isEqualTo(RoutingRules.DEFAULT_LABELS);
    }
  }

  @Test
  void repositoriesOrOrganizationsAlone_areEnough() {
    Map<String, String> reposOnly = good();
    reposOnly.remove(WebhookConfig.ORGANIZATIONS);
    assertThat(WebhookConfig.from(reposOnly).rules().scopeOf("my-org/x", "my-org")).isEmpty();

    Map<String, String> orgsOnly = good();
    orgsOnly.put(WebhookConfig.REPOSITORIES, " ");
    assertThat(WebhookConfig.from(orgsOnly).rules().scopeOf("my-org/x", "my-org")).isPresent();
  }

  @Test
  void missingQueueUrl_isNamed() {
    assertNamesOnly(without(WebhookConfig.QUEUE_URL), WebhookConfig.QUEUE_URL, "not set");
    assertNamesOnly(with(WebhookConfig.QUEUE_URL, " "), WebhookConfig.QUEUE_URL, "not set");
  }

  @Test
  void queueUrlOfAStandardQueue_isNamed() {
    assertNamesOnly(
        with(WebhookConfig.QUEUE_URL, "https://sqs.eu-west-1.amazonaws.com/123/lgr-jobs"),
        WebhookConfig.QUEUE_URL,
        "FIFO");
  }

  @Test
  void missingSecretArn_isNamed() {
    assertNamesOnly(without(WebhookConfig.SECRET_ARN), WebhookConfig.SECRET_ARN, "not set");
    assertNamesOnly(with(WebhookConfig.SECRET_ARN, ""), WebhookConfig.SECRET_ARN, "not set");
  }

  @Test
  void missingRegion_isNamed() {
    assertNamesOnly(without("AWS_REGION"), "AWS_REGION", "not set");
  }

  @Test
  void badLabel_isNamedWithItsVariable() {
    assertNamesOnly(
        with(WebhookConfig.LABELS, "self-hosted,gpu box"), WebhookConfig.LABELS, "gpu box");
    assertNamesOnly(
        with(WebhookConfig.LABELS, "x".repeat(101)), WebhookConfig.LABELS, "x".repeat(101));
    assertNamesOnly(with(WebhookConfig.LABELS, " , ,"), WebhookConfig.LABELS, "label");
  }

  @Test
  void badRepository_isNamedWithItsVariable() {
    assertNamesOnly(
        with(WebhookConfig.REPOSITORIES, "octo-org/hello-world,octo-org"),
        WebhookConfig.REPOSITORIES,
        "'octo-org'");
    assertNamesOnly(
        with(WebhookConfig.REPOSITORIES, "https://github.com/o/r"),
        WebhookConfig.REPOSITORIES,
        "https://github.com/o/r");
  }

  @Test
  void badOrganization_isNamedWithItsVariable() {
    assertNamesOnly(
        with(WebhookConfig.ORGANIZATIONS, "my org"), WebhookConfig.ORGANIZATIONS, "'my org'");
    assertNamesOnly(
        with(WebhookConfig.ORGANIZATIONS, "my-org/repo"),
        WebhookConfig.ORGANIZATIONS,
        "my-org/repo");
  }

  @Test
  void neitherRepositoriesNorOrganizations_namesBoth() {
    Map<String, String> env = good();
    env.remove(WebhookConfig.REPOSITORIES);
    env.put(WebhookConfig.ORGANIZATIONS, ",");

    assertThatThrownBy(() -> WebhookConfig.from(env))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(WebhookConfig.REPOSITORIES)
        .hasMessageContaining(WebhookConfig.ORGANIZATIONS)
        .hasMessageNotContaining(WebhookConfig.LABELS);
  }

  @Test
  void severalBadValues_areAllNamedInOneError() {
    Map<String, String> env = new HashMap<>();
    env.put(WebhookConfig.QUEUE_URL, "https://sqs.eu-west-1.amazonaws.com/123/standard");
    env.put(WebhookConfig.LABELS, "bad label");
    env.put(WebhookConfig.REPOSITORIES, "not-a-repository");
    env.put(WebhookConfig.ORGANIZATIONS, "bad org");

    assertThatThrownBy(() -> WebhookConfig.from(env))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("lgr webhook function is misconfigured: ")
        .hasMessageContainingAll(VARIABLES.toArray(String[]::new))
        .hasMessageContainingAll("bad label", "not-a-repository", "bad org", "standard");
  }

  @Test
  void split_trimsAndDropsEmptyEntries() {
    assertThat(WebhookConfig.split(" a, b ,,c ,")).containsExactly("a", "b", "c");
    assertThat(WebhookConfig.split(null)).isEmpty();
    assertThat(WebhookConfig.split("")).isEmpty();
  }

  /** The error names {@code variable}, says {@code detail}, and names no other variable. */
  private static void assertNamesOnly(Map<String, String> env, String variable, String detail) {
    assertThatThrownBy(() -> WebhookConfig.from(env))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("lgr webhook function is misconfigured: ")
        .hasMessageContaining(variable)
        .hasMessageContaining(detail)
        .satisfies(
            e -> {
              for (String other : VARIABLES) {
                if (!other.equals(variable)) {
                  assertThat(e.getMessage()).as("names only " + variable).doesNotContain(other);
                }
              }
            });
  }

  private static Map<String, String> without(String variable) {
    Map<String, String> env = good();
    env.remove(variable);
    return env;
  }

  private static Map<String, String> with(String variable, String value) {
    Map<String, String> env = good();
    env.put(variable, value);
    return env;
  }
}
