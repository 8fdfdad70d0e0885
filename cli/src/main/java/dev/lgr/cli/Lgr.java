package dev.lgr.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lgr} command: parses, dispatches to one subcommand, reports errors once. */
@Command(
    name = "lgr",
    mixinStandardHelpOptions = true,
    versionProvider = Lgr.Version.class,
    description = {
      "Serverless, ephemeral GitHub Actions runners in your own AWS account.",
      "",
      "Jobs that ask for `runs-on: [self-hosted, lambda]` get a fresh runner inside an AWS Lambda"
          + " function, which exits when the job is done.",
    },
    subcommands = {
      Init.class,
      Deploy.class,
      Destroy.class,
      Status.class,
      Logs.class,
      PruneRunners.class,
      Serve.class,
      BuildImage.class,
      Completion.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 a remote operation failed, 2 bad usage or input,"
          + " 3 the world is not in the state needed, 4 a bug in lgr, 130 cancelled (Ctrl-C).",
      "Run `lgr help COMMAND` for a command's options."
    })
public final class Lgr implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, for {@link #main} and for tests. */
  public static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  /** The command line with the commands made by {@code factory} (tests give theirs). */
  static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine cli = new CommandLine(new Lgr(), factory);
    cli.setExecutionExceptionHandler(Lgr::onException);
    cli.setParameterExceptionHandler(Lgr::onBadUsage);
    return cli;
  }

  private static int onBadUsage(CommandLine.ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    err.println("Error: " + e.getMessage());
    if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
      err.println(
          "Run `" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help` for usage.");
    }
    return ExitCode.USAGE;
  }

  private static int onException(
      Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
    PrintWriter err = cli.getErr();
    // The failing subcommand's own options hold --verbose, not the root's.
    boolean verbose =
        parseResult.hasMatchedOption("--verbose")
            || (cli.getParseResult() != null && cli.getParseResult().hasMatchedOption("--verbose"));
    int code;
    if (e instanceof LgrException lgr) {
      err.println("Error: " + lgr.getMessage());
      for (Throwable cause = lgr.getCause(); cause != null; cause = cause.getCause()) {
        if (cause.getMessage() != null && !cause.getMessage().equals(lgr.getMessage())) {
          err.println("  caused by: " + cause.getMessage());
        }
      }
      code = lgr.exitCode();
    } else if (remoteFailure(e) != null) {
      err.println("Error: " + remoteFailure(e));
      code = ExitCode.REMOTE_FAILURE;
    } else {
      err.println("Error: unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
      err.println("This is a bug in lgr; please report it with the output of --verbose.");
      code = ExitCode.BUG;
    }
    if (verbose) {
      e.printStackTrace(err);
    } else if (code != ExitCode.USAGE && cli.getCommandSpec().findOption("--verbose") != null) {
      err.println("Re-run with --verbose for details.");
    }
    err.flush();
    return code;
  }

  /**
   * What to tell the user when AWS or GitHub failed in a way no command turned into an {@link
   * LgrException} (no credentials, an endpoint out of reach, a refused call), or null when the
   * failure is not one of those. Walks the causes, since parallel work wraps them.
   */
  static String remoteFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof software.amazon.awssdk.awscore.exception.AwsServiceException aws) {
        return "AWS refused a call: "
            + (aws.awsErrorDetails() != null && aws.awsErrorDetails().errorMessage() != null
                ? aws.awsErrorDetails().errorMessage()
                    + " ("
                    + aws.awsErrorDetails().serviceName()
                    + " "
                    + aws.awsErrorDetails().errorCode()
                    + ")"
                : aws.getMessage());
      }
      if (t instanceof software.amazon.awssdk.core.exception.SdkClientException client) {
        String message = String.valueOf(client.getMessage());
        if (message.startsWith("Unable to load credentials")
            || message.contains("Profile file contained no credentials")) {
          return "no AWS credentials found: pass --profile NAME or set AWS_PROFILE, or run `aws"
              + " configure` (or `aws sso login`) first. (--verbose shows where the SDK looked.)";
        }
        if (message.contains("Unable to load region")) {
          return "no AWS region: pass --region or set AWS_REGION";
        }
        return "AWS could not be reached: " + message;
      }
      if (t instanceof dev.lgr.github.GitHubException github) {
        return "GitHub: " + github.getMessage();
      }
    }
    return null;
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties properties = new Properties();
      try (InputStream in = Lgr.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      }
      return new String[] {
        "lgr " + properties.getProperty("version", "unknown"),
        "Java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")"
      };
    }
  }
}
