package dev.lgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lgr.deploy.LgrConfig;
import dev.lgr.deploy.ReconcileService;
import dev.lgr.deploy.aws.AwsStepException;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.github.GitHubClient;
import dev.lgr.github.GitHubException;
import dev.lgr.github.RunnerPruner;
import dev.lgr.github.RunnerScope;
import dev.lgr.reconcile.ReconcileReport;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** {@code lgr prune-runners}: removes the offline runners lgr left behind. */
@Command(
    name = "prune-runners",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Remove offline runners that lgr made (named lgr-…) and that are older than --older-than."
          + " Never the placeholder, a busy or online runner, or a runner lgr did not make (unless"
          + " --include-foreign). Lists what it would remove, asks (or --yes), removes, and prints"
          + " what it removed.",
      "",
      "A runner's age is its job's (GitHub does not say when a runner was registered); a runner"
          + " whose job is not found is kept.",
      "",
      "--reconcile makes the reconcile function's run instead, with your credentials and the"
          + " deployed stack's settings: jobs queued past the grace period that no runner serves go"
          + " on the jobs queue, an organization hook's failed deliveries are redelivered (once),"
          + " leaked runners older than the stack's limit are removed, and a missing placeholder"
          + " is restored. It does not ask; exit 1 when a part of it failed.",
    },
    footer = {
      "",
      "Examples:",
      "  lgr prune-runners --dry-run                 # the repositories of ./lgr.yaml",
      "  lgr prune-runners --repo octo/app --older-than 2h --yes",
      "  lgr prune-runners --org octo --repo octo/app --output json --yes",
      "  lgr prune-runners --reconcile --stack lgr --output json",
    })
public final class PruneRunners implements Callable<Integer> {
  private static final Pattern DURATION = Pattern.compile("(\\d+)([smhd])");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--repo",
      paramLabel = "OWNER/NAME",
      description = "A repository to prune (repeatable; default: lgr.yaml's repositories).")
  List<String> repositories = new ArrayList<>();

  @Option(
      names = "--org",
      paramLabel = "NAME",
      description =
          "An organization to prune (its runners' jobs are looked up in the --repo ones).")
  String organization;

  @Option(
      names = "--older-than",
      paramLabel = "AGE",
      defaultValue = "30m",
      description = "Only runners older than this: 45s, 30m, 2h, 1d (default: ${DEFAULT-VALUE}).")
  String olderThan;

  @Option(
      names = "--include-foreign",
      description = "Also remove offline runners lgr did not make (whatever their age).")
  boolean includeForeign;

  @Option(names = "--dry-run", description = "Only list what would be removed.")
  boolean dryRun;

  @Option(
      names = "--reconcile",
      description =
          "Run the reconciler once against the deployed stack (its repositories, queue and"
              + " settings) instead.")
  boolean reconcile;

  @Option(
      names = "--stack",
      paramLabel = "NAME",
      description = "With --reconcile: the main stack (default: lgr.yaml's stack, else lgr).")
  String stack;

  @Option(
      names = {"-y", "--yes"},
      description = "Do not ask (needed without a terminal).")
  boolean yes;

  @Option(
      names = "--output",
      paramLabel = "text|json",
      defaultValue = "text",
      description = "Results on stdout as text or one JSON document (default: ${DEFAULT-VALUE}).")
  String output;

  @Mixin ConfigOptions settingsFile;

  @Mixin GitHubOptions github;

  @Mixin AwsOptions aws;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> env = System.getenv();
    if (!output.equals("text") && !output.equals("json")) {
      throw new LgrException(ExitCode.USAGE, "--output takes text or json, not '" + output + "'");
    }
    if (reconcile) {
      return reconcile(out, env);
    }
    if (stack != null) {
      throw new LgrException(ExitCode.USAGE, "--stack goes with --reconcile");
    }
    Duration limit = duration(olderThan);
    LgrConfig file = settingsFile.read(null);
    List<String> repos =
        !repositories.isEmpty()
            ? repositories
            : file.repositories() != null ? file.repositories() : List.of();
    String org = organization != null ? organization : file.organization();
    List<RunnerScope> scopes = new ArrayList<>();
    try {
      repos.forEach(r -> scopes.add(RunnerScope.repository(r)));
      if (org != null) {
        scopes.add(RunnerScope.organization(org));
      }
    } catch (IllegalArgumentException e) {
      throw new LgrException(ExitCode.USAGE, e.getMessage() + " (--repo/--org)");
    }
    if (scopes.isEmpty()) {
      throw new LgrException(
          ExitCode.USAGE, "name a repository (--repo OWNER/NAME) or an organization (--org)");
    }
    String token = github.token(env);
    GitHubClient client = new GitHubClient(github.api(file, env), () -> token, () -> 120_000, 1000);
    RunnerPruner pruner = new RunnerPruner(client, Clock.systemUTC());
    try {
      List<RunnerPruner.Decision> plan = new ArrayList<>();
      for (RunnerScope scope : scopes) {
        plan.addAll(pruner.plan(scope, repos, limit, includeForeign));
      }
      List<RunnerPruner.Decision> chosen =
          plan.stream().filter(RunnerPruner.Decision::remove).toList();
      for (RunnerPruner.Decision d : chosen) {
        err.printf(Locale.ROOT, "  - %-40s %-20s %s%n", d.runner().name(), d.scope(), d.reason());
      }
      err.printf(
          Locale.ROOT,
          "%d of %d runners to remove%s%n",
          chosen.size(),
          plan.size(),
          dryRun ? " (dry run: nothing removed)" : "");
      err.flush();
      List<RunnerPruner.Decision> removed = List.of();
      if (!dryRun && !chosen.isEmpty()) {
        confirm(chosen.size());
        removed = pruner.remove(plan);
      }
      report(out, plan, removed);
      return ExitCode.OK;
    } catch (GitHubException e) {
      throw new LgrException(ExitCode.REMOTE_FAILURE, "GitHub: " + e.getMessage(), e);
    }
  }

  private int reconcile(PrintWriter out, Map<String, String> env) throws Exception {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    for (String option :
        List.of("--repo", "--org", "--older-than", "--include-foreign", "--dry-run")) {
      if (parsed.hasMatchedOption(option)) {
        throw new LgrException(
            ExitCode.USAGE,
            option + " does not go with --reconcile, which takes its settings from the stack");
      }
    }
    LgrConfig file = settingsFile.read(aws);
    String stackName = ConfigOptions.stackName(stack, file);
    String token = github.token(env);
    GitHubClient client = new GitHubClient(github.api(file, env), () -> token, () -> 120_000, 1000);
    PrintWriter err = spec.commandLine().getErr();
    err.println("Reconciling stack " + stackName + " …");
    err.flush();
    ReconcileReport report;
    try (CloudFormationClient cloudFormation = aws.client(CloudFormationClient.builder());
        SqsClient sqs = aws.client(SqsClient.builder())) {
      StackDeployer stacks =
          new StackDeployer(cloudFormation, QUIET, Duration.ofSeconds(1), Duration.ZERO);
      report = new ReconcileService(stacks, sqs, client, Clock.systemUTC()).reconcile(stackName);
    } catch (ReconcileService.NotDeployed e) {
      throw new LgrException(ExitCode.WRONG_STATE, e.getMessage(), e);
    } catch (IllegalStateException e) {
      throw new LgrException(ExitCode.WRONG_STATE, "the stack's settings: " + e.getMessage(), e);
    } catch (AwsStepException | SdkException e) {
      throw new LgrException(ExitCode.REMOTE_FAILURE, "AWS: " + e.getMessage(), e);
    }
    if (output.equals("json")) {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("stack", stackName);
      document.putAll(report.fields());
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(document));
    } else {
      report.actions().forEach(out::println);
      report.errors().forEach(e -> out.println("failed: " + e));
      out.printf(
          Locale.ROOT,
          "%d queued jobs seen, %d enqueued, %d deliveries redelivered, %d runners removed,"
              + " placeholder %s; %d GitHub requests (%d not modified)%s%n",
          report.queuedJobsSeen(),
          report.jobsEnqueued(),
          report.deliveriesRedelivered(),
          report.runnersRemoved(),
          report.placeholderRestored() ? "restored" : "in place",
          report.githubCalls(),
          report.notModified(),
          report.budgetExhausted() ? "; stopped at the request budget" : "");
    }
    out.flush();
    return report.errors().isEmpty() ? ExitCode.OK : ExitCode.REMOTE_FAILURE;
  }

  private static final StackDeployer.Listener QUIET =
      new StackDeployer.Listener() {
        @Override
        public void progress(String message) {}

        @Override
        public void event(software.amazon.awssdk.services.cloudformation.model.StackEvent event) {}
      };

  private void confirm(int count) {
    if (yes) {
      return;
    }
    if (!Prompt.yes("removing runners", "Remove these %d runners? [y/N] ", count)) {
      throw new LgrException(ExitCode.WRONG_STATE, "not confirmed: nothing was removed");
    }
  }

  private void report(
      PrintWriter out, List<RunnerPruner.Decision> plan, List<RunnerPruner.Decision> removed)
      throws Exception {
    if (output.equals("json")) {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("dry_run", dryRun);
      document.put("older_than_seconds", duration(olderThan).toSeconds());
      document.put("removed", removed.stream().map(PruneRunners::json).toList());
      document.put(
          "kept", plan.stream().filter(d -> !removed.contains(d)).map(PruneRunners::json).toList());
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(document));
    } else {
      for (RunnerPruner.Decision d : removed) {
        out.println("removed " + d.runner().name() + " from " + d.scope());
      }
    }
    out.flush();
  }

  private static Map<String, Object> json(RunnerPruner.Decision d) {
    Map<String, Object> runner = new LinkedHashMap<>();
    runner.put("name", d.runner().name());
    runner.put("id", d.runner().id());
    runner.put("scope", d.scope().toString());
    runner.put("status", d.runner().status());
    runner.put("busy", d.runner().busy());
    runner.put("age_seconds", d.age() == null ? null : d.age().toSeconds());
    runner.put("reason", d.reason());
    return runner;
  }

  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new LgrException(
          ExitCode.USAGE,
          "--older-than takes a number and s, m, h or d (30m, 2h), not '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
