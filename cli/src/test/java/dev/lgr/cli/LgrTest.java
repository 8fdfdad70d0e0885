package dev.lgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The real command line, with captured output, for what needs no AWS. */
class LgrTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  @TempDir Path dir;

  private int run(String... args) {
    CommandLine cli = Lgr.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void version_printsTheProjectVersion() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("lgr ").doesNotContain("unknown").contains("Java ");
  }

  @Test
  void help_listsTheCommandsAndExitCodes() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: lgr")
        .contains("serve")
        .contains("Exit codes: 0 ok, 1 a remote operation failed, 2 bad usage or input");
  }

  @Test
  void serveHelp_teachesTheOptions() {
    assertThat(run("serve", "--help")).isZero();
    assertThat(out.toString())
        .contains("--jobs-queue-url")
        .contains("--webhook-secret-file")
        .contains("LGR_WEBHOOK_SECRET")
        .contains("--labels")
        .contains("--repo")
        .contains("--org")
        .contains("Example:");
  }

  @Test
  void noCommand_isBadUsage() {
    assertThat(run()).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("Error: Missing a command").contains("lgr --help");
  }

  @Test
  void unknownOption_isBadUsageWithASuggestion() {
    assertThat(run("serve", "--jobs-queue-ur", "x")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).startsWith("Error: ").contains("--jobs-queue-url");
  }

  @Test
  void serve_withoutRepositoryOrOrganization_namesTheFlags() {
    assertThat(run("serve", "--jobs-queue-url", "https://sqs/q.fifo")).isEqualTo(ExitCode.USAGE);
    assertThat(err.toString())
        .isEqualTo(
            "Error: name the repositories (--repo OWNER/NAME) or organization (--org NAME) to"
                + " serve"
                + System.lineSeparator());
  }

  @Test
  void serve_withANonFifoQueue_isBadUsage() {
    assertThat(run("serve", "--repo", "octo/app", "--jobs-queue-url", "https://sqs/q"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("must name an SQS FIFO queue (ending in .fifo)");
  }

  @Test
  void serve_withABadRepositoryName_saysWhatIsExpected() {
    assertThat(run("serve", "--repo", "not a repo", "--jobs-queue-url", "https://sqs/q.fifo"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("invalid repository 'not a repo': expected owner/name");
  }

  @Test
  void serve_withABadLabel_saysWhichCharactersAreAllowed() {
    assertThat(
            run(
                "serve",
                "--labels",
                "self hosted",
                "--repo",
                "octo/app",
                "--jobs-queue-url",
                "https://sqs/q.fifo"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("invalid label 'self hosted'");
  }

  @Test
  void serve_withAnUnreadableSecretFile_isBadUsage() {
    Path missing = dir.resolve("missing");
    assertThat(
            run(
                "serve",
                "--repo",
                "octo/app",
                "--jobs-queue-url",
                "https://sqs/q.fifo",
                "--webhook-secret-file",
                missing.toString()))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("cannot read the webhook secret file " + missing);
  }

  @Test
  void serve_withAnEmptySecretFile_isBadUsageAndPrintsNoSecret() throws Exception {
    Path empty = Files.writeString(dir.resolve("secret"), "  \n");
    assertThat(
            run(
                "serve",
                "--repo",
                "octo/app",
                "--jobs-queue-url",
                "https://sqs/q.fifo",
                "--webhook-secret-file",
                empty.toString()))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("the webhook secret is empty");
  }
}
