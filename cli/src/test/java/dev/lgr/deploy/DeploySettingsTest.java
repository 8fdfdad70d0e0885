package dev.lgr.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploySettingsTest {
  @TempDir Path dir;

  private static DeploySettings settings(
      List<String> repos, String org, List<String> labels, int memory, int timeout, String image) {
    return new DeploySettings(
        "lgr",
        repos,
        org,
        labels,
        memory,
        timeout,
        10240,
        "x86_64",
        10,
        14,
        null,
        null,
        image,
        URI.create("https://api.github.com"),
        true);
  }

  @Test
  void validate_defaultsAreValid() {
    assertThat(
            settings(List.of("octo/app"), null, List.of("self-hosted", "lambda"), 2048, 900, null)
                .validate())
        .isNotNull();
  }

  @Test
  void validate_listsEveryProblem_namingFlagAndKey() {
    DeploySettings bad =
        settings(
            List.of("not-a-repo"),
            "bad org",
            List.of("self-hosted", "bad label"),
            64,
            901,
            "repo:latest");

    assertThatThrownBy(bad::validate)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--repo/repositories: 'not-a-repo' is not owner/name")
        .hasMessageContaining("--org/organization: 'bad org'")
        .hasMessageContaining("--labels/labels")
        .hasMessageContaining("--memory/runner.memory: between 512 and 10240 MB, not 64")
        .hasMessageContaining("--timeout/runner.timeout: between 360 and 900 s, not 901")
        .hasMessageContaining("--image/runner.image: an image pinned by digest");
  }

  @Test
  void validate_needsARepositoryOrAnOrganization() {
    assertThatThrownBy(
            () -> settings(List.of(), null, List.of("lambda"), 2048, 900, null).validate())
        .hasMessageContaining("name at least one repository (owner/name) or --org");
    assertThat(settings(List.of(), "octo", List.of("lambda"), 2048, 900, null).validate())
        .isNotNull();
  }

  @Test
  void lgrYaml_isRead_andUnknownKeysAreNamedWithTheirLine() throws Exception {
    Path file = dir.resolve("lgr.yaml");
    Files.writeString(
        file,
        """
        stack: runners
        aws: {profile: prod, region: eu-west-1}
        repositories: [octo/app, octo/api]
        labels: [self-hosted, lambda]
        runner: {memory: 4096, architecture: arm64}
        logRetentionDays: 30
        placeholder: false
        """);

    LgrConfig config = LgrConfig.read(file);

    assertThat(config.stack()).isEqualTo("runners");
    assertThat(config.aws().region()).isEqualTo("eu-west-1");
    assertThat(config.repositories()).containsExactly("octo/app", "octo/api");
    assertThat(config.runner().memory()).isEqualTo(4096);
    assertThat(config.runner().architecture()).isEqualTo("arm64");
    assertThat(config.placeholder()).isFalse();

    Files.writeString(file, "stack: lgr\nrepos: [octo/app]\n");
    assertThatThrownBy(() -> LgrConfig.read(file))
        .hasMessageContaining("line 2")
        .hasMessageContaining("unknown setting 'repos'")
        .hasMessageContaining("repositories");
  }

  @Test
  void lgrYaml_missing_isEmpty_andWrongTypesAreNamed() throws Exception {
    assertThat(LgrConfig.read(dir.resolve("absent.yaml"))).isEqualTo(LgrConfig.EMPTY);
    Path file = dir.resolve("lgr.yaml");
    Files.writeString(file, "runner:\n  memory: lots\n");
    assertThatThrownBy(() -> LgrConfig.read(file)).hasMessageContaining("line 2");
  }

  @Test
  void templateVersion_isReadFromTheBundledTemplates() throws Exception {
    assertThat(
            DeployService.templateVersion(
                DeployService.template("bootstrap.yaml"), "BootstrapVersion"))
        .isPositive();
    assertThat(
            DeployService.templateVersion(DeployService.template("main.yaml"), "TemplateVersion"))
        .isPositive();
  }

  @Test
  void webhookVersionKey_changesWithTheWebhookFunction_andOnlyWithIt() {
    java.util.Map<String, String> p = new java.util.HashMap<>();
    p.put("Labels", "self-hosted,lambda");
    p.put("Repositories", "octo/app");
    p.put("RunnerMemorySize", "2048");
    String key = DeployService.webhookVersionKey(p, "aa");

    p.put("RunnerMemorySize", "4096");
    assertThat(DeployService.webhookVersionKey(p, "aa"))
        .as("a runner-only change must not publish a webhook version (AWS refuses one)")
        .isEqualTo(key);
    assertThat(DeployService.webhookVersionKey(p, "bb")).as("new code").isNotEqualTo(key);
    p.put("Labels", "self-hosted,lambda,big");
    assertThat(DeployService.webhookVersionKey(p, "aa")).as("new settings").isNotEqualTo(key);
    assertThat(key).matches("[0-9a-f]{16}");
  }
}
