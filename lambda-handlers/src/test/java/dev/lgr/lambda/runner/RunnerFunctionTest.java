package dev.lgr.lambda.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunnerFunctionTest {
  @Test
  void childEnvironment_dropsTheFunctionsCredentials_andLgrAndGitHubValues() {
    Map<String, String> child =
        RunnerFunction.childEnvironment(
            Map.of(
                "PATH", "/usr/bin",
                "AWS_ACCESS_KEY_ID", "ASIA",
                "AWS_SESSION_TOKEN", "session",
                "AWS_SECRET_ACCESS_KEY", "secret",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds",
                "AWS_REGION", "eu-west-1",
                "LGR_GITHUB_CREDENTIAL_ARN", "arn:aws:secretsmanager:x",
                "GITHUB_TOKEN", "fake-gh-token-x",
                "AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001",
                "_HANDLER", "dev.lgr.lambda.runner.RunnerFunction::handleRequest"));

    // The function's role can read the GitHub credential: jobs get the job role's instead.
    assertThat(child).containsOnlyKeys("PATH", "AWS_REGION");
  }

  @Test
  void mask_hidesSecretsInRunnerOutput() {
    assertThat(
            RunnerProcess.mask(
                "token fake-gh-token-abcdefghij used", List.of("fake-gh-token-abcdefghij")))
        .isEqualTo("token *** used");
  }

  @Test
  void settings_defaults() {
    RunnerSettings settings =
        RunnerSettings.from(Map.of(RunnerSettings.CREDENTIAL_ARN, "arn:aws:secretsmanager:s"));

    assertThat(settings.labels()).containsExactly("self-hosted", "lambda");
    assertThat(settings.runnerGroupId()).isEqualTo(1);
    assertThat(settings.stopMargin()).isEqualTo(Duration.ofSeconds(60));
    assertThat(settings.idleLimit()).isEqualTo(Duration.ofSeconds(120));
    assertThat(settings.githubApi()).hasToString("https://api.github.com");
    assertThat(settings.runnerDir()).hasToString("/opt/actions-runner");
    assertThat(settings.scratch()).hasToString("/tmp");
  }

  @Test
  void settings_badValues_areNamedTogether() {
    assertThatThrownBy(
            () ->
                RunnerSettings.from(
                    Map.of(
                        RunnerSettings.STOP_MARGIN, "5",
                        RunnerSettings.IDLE_LIMIT, "soon",
                        RunnerSettings.LABELS, "self hosted")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(RunnerSettings.CREDENTIAL_ARN + " is not set")
        .hasMessageContaining(RunnerSettings.STOP_MARGIN + " must be between 10 and 600")
        .hasMessageContaining(RunnerSettings.IDLE_LIMIT + " is not a whole number")
        .hasMessageContaining("invalid label 'self hosted'");
  }
}
