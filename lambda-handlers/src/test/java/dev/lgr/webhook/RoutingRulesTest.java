package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which jobs lgr takes: GitHub's label rule, and the allowed repositories and organizations. */
class RoutingRulesTest {
  private final RoutingRules rules =
      new RoutingRules(
          List.of("self-hosted", "Lambda", "linux", "ARM64"),
          List.of("Octo-Org/Hello-World"),
          List.of("my-org"));

  @Test
  void job_matchesWhenEveryOneOfItsLabelsIsARunnerLabel() {
    assertThat(rules.matchesLabels(List.of("self-hosted"))).isTrue();
    assertThat(rules.matchesLabels(List.of("self-hosted", "lambda"))).isTrue();
    assertThat(rules.matchesLabels(List.of("lambda", "linux", "arm64", "self-hosted"))).isTrue();
    assertThat(rules.matchesLabels(List.of("self-hosted", "lambda", "lambda"))).isTrue();
  }

  @Test
  void labels_areComparedWithoutRegardToCase() {
    assertThat(rules.matchesLabels(List.of("SELF-HOSTED", "lambda", "Arm64"))).isTrue();
    assertThat(rules.matchesLabels(List.of("Linux"))).isTrue();
  }

  @Test
  void job_doesNotMatchWithALabelNoRunnerHas() {
    assertThat(rules.matchesLabels(List.of("self-hosted", "gpu"))).isFalse();
    assertThat(rules.matchesLabels(List.of("ubuntu-latest"))).isFalse();
    assertThat(rules.matchesLabels(List.of("self-hosted "))).isFalse();
    assertThat(rules.matchesLabels(List.of("self-hosted,lambda"))).isFalse();
    assertThat(rules.matchesLabels(Arrays.asList("self-hosted", null))).isFalse();
  }

  @Test
  void jobWithoutLabels_neverMatches() {
    assertThat(rules.matchesLabels(List.of())).isFalse();
    assertThat(rules.matchesLabels(null)).isFalse();
  }

  @Test
  void listedRepository_inAnyCase_hasRepositoryScope() {
    assertThat(rules.scopeOf("octo-org/hello-world", "octo-org"))
        .contains(RoutingRules.Scope.REPOSITORY);
    assertThat(rules.scopeOf("OCTO-ORG/HELLO-WORLD", null)).contains(RoutingRules.Scope.REPOSITORY);
  }

  @Test
  void repositoryOfAnAllowedOrganization_hasOrganizationScope() {
    assertThat(rules.scopeOf("My-Org/anything", "My-Org"))
        .contains(RoutingRules.Scope.ORGANIZATION);
    assertThat(rules.scopeOf(null, "MY-ORG")).contains(RoutingRules.Scope.ORGANIZATION);
  }

  @Test
  void otherRepositories_areNotAllowed() {
    assertThat(rules.scopeOf("octo-org/other", "octo-org")).isEmpty();
    assertThat(rules.scopeOf("my-org2/x", "my-org2")).isEmpty();
    assertThat(rules.scopeOf("octo-org/hello-world2", "octo-org")).isEmpty();
    assertThat(rules.scopeOf(null, null)).isEmpty();
  }

  @Test
  void labels_keepTheirOrderWithoutDuplicates() {
    RoutingRules withDuplicates =
        new RoutingRules(
            List.of("self-hosted", "lambda", "self-hosted"), List.of("o/r"), List.of());
    assertThat(withDuplicates.labels()).containsExactly("self-hosted", "lambda");
  }

  @Test
  void badValues_areRejectedWithMessagesNamingThem() {
    assertThatThrownBy(() -> new RoutingRules(List.of(), List.of("o/r"), List.of()))
        .hasMessageContaining("at least one runner label");
    for (String label : List.of("self hosted", "a,b", "", "x".repeat(101), "é")) {
      assertThatThrownBy(() -> new RoutingRules(List.of(label), List.of("o/r"), List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid label '" + label + "'");
    }
    for (String repository : List.of("octo-org", "/r", "o/", "o/r/x", "-o/r", "o r/x")) {
      assertThatThrownBy(() -> new RoutingRules(List.of("x"), List.of(repository), List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid repository '" + repository + "'");
    }
    for (String organization : List.of("my org", "-org", "o/r", "")) {
      assertThatThrownBy(() -> new RoutingRules(List.of("x"), List.of(), List.of(organization)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid organization '" + organization + "'");
    }
    assertThatThrownBy(() -> new RoutingRules(List.of("x"), List.of(), List.of()))
        .hasMessageContaining("no repository or organization");
  }
}
