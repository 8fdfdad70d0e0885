package dev.lgr.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.cli.ExitCode;
import dev.lgr.cli.Lgr;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code lgr build-image} through the real command line: help and bad usage, no network. */
class BuildImageCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Lgr.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void rootHelp_listsBuildImage() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("build-image");
  }

  @Test
  void help_teachesWhereTheImageGoesAndWhatIsInIt() {
    assertThat(run("build-image", "--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: lgr build-image")
        .contains("--push")
        .contains("--to=REF")
        .contains("--tar=FILE")
        .contains("--arch=amd64|arm64")
        .contains("--runner-version=V|latest")
        .contains("lgr-dev/lgr-runner-base:1")
        .contains("/opt/actions-runner")
        .contains("dev.lgr.lambda.runner.RunnerFunction::handleRequest")
        .contains("GetAuthorizationToken")
        .contains("SHA-256")
        .contains("Examples:");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void noDestination_isBadUsage_namingTheChoices() {
    assertThat(run("build-image")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString())
        .isEqualTo(
            "Error: say where the image goes: --push (this account's ECR), --to REF (any"
                + " registry), or --tar FILE"
                + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void pushAndTar_excludeEachOther() {
    assertThat(run("build-image", "--push", "--tar", "x.tar")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("Error: --push and --tar exclude each other");
  }

  @Test
  void toAndTar_excludeEachOther() {
    assertThat(run("build-image", "--to", "r/x", "--tar", "x.tar")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).startsWith("Error: ").contains("mutually exclusive");
  }

  @Test
  void anUnknownArchitecture_isBadUsage() {
    assertThat(run("build-image", "--tar", "x.tar", "--arch", "riscv64")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString())
        .contains("Error: unknown architecture 'riscv64': use amd64 (x86_64) or arm64 (Graviton)");
  }

  @Test
  void anUnknownRegistryAuth_isBadUsage() {
    assertThat(run("build-image", "--tar", "x.tar", "--registry-auth", "basic"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString())
        .contains("--registry-auth takes auto, ecr, docker or none, not 'basic'");
  }

  @Test
  void aMalformedTarget_isBadUsage() {
    assertThat(run("build-image", "--to", "Not A Reference")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("'Not A Reference' is not an image reference (--to)");
  }
}
