package dev.lgr.cli;

import dev.lgr.deploy.DeploySettings;
import dev.lgr.deploy.LgrConfig;
import dev.lgr.deploy.aws.AwsStepException;
import dev.lgr.deploy.aws.DeploySecrets;
import dev.lgr.deploy.github.GitHubListener;
import dev.lgr.deploy.github.GitHubService;
import dev.lgr.deploy.github.GitHubSetupException;
import dev.lgr.github.RunnerScope;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileProperty;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code lgr init}: asks for the settings on the terminal, checks each answer when it is given, and
 * writes {@code lgr.yaml} atomically. Every question is also a flag, so that {@code --yes} (or no
 * terminal) asks nothing.
 */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Write lgr.yaml, the settings `lgr deploy` reads, by asking on the terminal: the AWS profile"
          + " and region, where the GitHub token comes from, the repositories or organization, the"
          + " runners' labels, memory, timeout, /tmp size, architecture and log retention.",
      "",
      "Each answer is checked when given (a repository must exist and be administrable with the"
          + " token) and asked again with the reason. Defaults are shown in brackets (the current"
          + " lgr.yaml's values when there is one); Tab completes where there is a list. Ctrl-C"
          + " leaves the old file as it was.",
      "A typed token is stored in Secrets Manager (lgr/STACK/github-credential) right away, never"
          + " in lgr.yaml; lgr.yaml only says where the token comes from (github.credential).",
      "Every question is also a flag: with --yes, or without a terminal, nothing is asked and a"
          + " missing answer that has no default is an error naming its flag (exit 3).",
    },
    footer = {
      "",
      "Examples:",
      "  lgr init                                            # asks, then: lgr deploy",
      "  lgr init --yes --repo octo/app --region eu-west-1 --github-credential gh --arch arm64",
    })
public final class Init implements Callable<Integer> {
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");
  private static final Pattern SPLIT = Pattern.compile("[,\\s]+");

  /** Opens the terminal to ask on, or gives null when there is none. */
  @FunctionalInterface
  interface Terminals {
    Terminal open() throws IOException;
  }

  private final Terminals terminals;
  private final Map<String, String> env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--repo",
      paramLabel = "OWNER/NAME",
      description = "A repository whose jobs the runners take (repeatable).")
  List<String> repositories = new ArrayList<>();

  @Option(
      names = "--org",
      paramLabel = "NAME",
      description = "An organization, instead of (or with) repositories.")
  String organization;

  @Option(
      names = "--github-credential",
      paramLabel = "env|gh|secret",
      description =
          "Where lgr gets the GitHub token: env (GH_TOKEN or GITHUB_TOKEN), gh (`gh auth token`)"
              + " or secret (typed, or --github-token-file, and stored in Secrets Manager only)."
              + " Default: the first of these that has a token.")
  String credential;

  @Option(
      names = "--stack",
      paramLabel = "NAME",
      description = "The main stack's name (default: lgr.yaml's stack, else lgr).")
  String stack;

  @Option(
      names = {"-y", "--yes"},
      description = "Ask nothing: take the flags, the current lgr.yaml and the defaults.")
  boolean yes;

  @Mixin RunnerOptions runnerOptions;

  @Mixin ConfigOptions settingsFile;

  @Mixin AwsOptions aws;

  @Mixin GitHubOptions github;

  @Option(
      names = {"-v", "--verbose"},
      description = "More detail and, on errors, stack traces.")
  boolean verbose;

  /** Asks on the process's terminal, when it has one. */
  public Init() {
    this(Init::systemTerminal, System.getenv());
  }

  /**
   * @param terminals the terminal to ask on (null: none)
   * @param env the environment (GH_TOKEN, AWS_PROFILE, AWS_REGION, NO_COLOR, GITHUB_API_URL)
   */
  Init(Terminals terminals, Map<String, String> env) {
    this.terminals = terminals;
    this.env = env;
  }

  private static Terminal systemTerminal() throws IOException {
    if (System.console() == null) {
      return null;
    }
    // Questions go to stderr, like every prompt of lgr; stdout stays for results.
    return TerminalBuilder.builder()
        .system(true)
        .systemOutput(TerminalBuilder.SystemOutput.SysErr)
        .build();
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    LgrConfig old = settingsFile.read(null);
    Terminal terminal = yes ? null : terminals.open();
    if (terminal == null) {
      return run(old, null, err);
    }
    try (terminal;
        Asker asker = new Asker(terminal, env.get("NO_COLOR") == null)) {
      return run(old, asker, err);
    } catch (UserInterruptException | EndOfFileException e) {
      err.println(
          "Cancelled: "
              + settingsFile.config
              + (Files.exists(settingsFile.config) ? " is unchanged." : " was not written."));
      err.flush();
      return ExitCode.INTERRUPTED;
    }
  }

  private int run(LgrConfig old, Asker asker, PrintWriter err) throws IOException {
    String stackName = ConfigOptions.stackName(stack, old);
    if (stack != null) {
      check("--stack", stack, DeploySettings::stackProblem);
    }
    LgrConfig.Runner oldRunner = old.runnerOrEmpty();
    LgrConfig.Aws oldAws = old.aws() == null ? new LgrConfig.Aws(null, null) : old.aws();

    // AWS: the profiles and regions the SDK itself reads (~/.aws/config and credentials).
    ProfileFile profiles;
    try {
      profiles = ProfileFile.defaultProfileFile();
    } catch (IllegalStateException | SdkException e) {
      throw new LgrException(
          ExitCode.USAGE, "cannot read the AWS config files: " + e.getMessage(), e);
    }
    Set<String> profileNames = new TreeSet<>(profiles.profiles().keySet());
    String profile =
        answer(
            asker,
            new Question<>(
                "--profile",
                "AWS profile",
                name -> {
                  if (!profileNames.contains(name)) {
                    throw new IllegalArgumentException(
                        "no profile '"
                            + name
                            + "' in the AWS config files"
                            + (profileNames.isEmpty() ? "" : " (there: " + profileNames + ")"));
                  }
                  return name;
                },
                List.copyOf(profileNames)),
            aws.profile,
            first(oldAws.profile(), env.get("AWS_PROFILE"), pick(profileNames, "default")),
            !profileNames.isEmpty());
    String profileRegion =
        profile == null
            ? null
            : profiles
                .profile(profile)
                .flatMap(p -> p.property(ProfileProperty.REGION))
                .orElse(null);
    String region =
        answer(
            asker,
            new Question<>(
                "--region",
                "AWS region",
                name -> {
                  if (!REGION.matcher(name).matches()) {
                    throw new IllegalArgumentException(
                        "'" + name + "' is not an AWS region (like eu-west-1)");
                  }
                  return name;
                },
                Region.regions().stream()
                    .filter(r -> !r.isGlobalRegion())
                    .map(Region::id)
                    .sorted()
                    .toList()),
            aws.region,
            first(
                oldAws.region(),
                env.get("AWS_REGION"),
                env.get("AWS_DEFAULT_REGION"),
                profileRegion),
            true);
    needed(region, "the AWS region", "--region REGION");
    aws.profile = profile;
    aws.region = region;

    // GitHub: where the token comes from, then the scopes it must administer.
    URI api = github.api(old, env);
    String envVariable = GitHubOptions.environmentVariable(env);
    String ghToken = GitHubOptions.ghAuthToken();
    Map<String, String> found = new LinkedHashMap<>();
    if (envVariable != null) {
      found.put(LgrConfig.CREDENTIAL_ENV, envVariable + " is set");
    }
    if (ghToken != null) {
      found.put(LgrConfig.CREDENTIAL_GH, "`gh auth token` has one");
    }
    found.put(LgrConfig.CREDENTIAL_SECRET, "type a token, kept in Secrets Manager only");
    if (github.tokenFile != null) {
      if (credential != null && !credential.equals(LgrConfig.CREDENTIAL_SECRET)) {
        throw new LgrException(
            ExitCode.USAGE,
            "--github-token-file stores the token in Secrets Manager: it goes with"
                + " --github-credential secret, not "
                + credential);
      }
      credential = LgrConfig.CREDENTIAL_SECRET;
    }
    String oldCredential = old.github() == null ? null : old.github().credential();
    String defaultCredential =
        oldCredential != null && found.containsKey(oldCredential)
            ? oldCredential
            : found.keySet().iterator().next();
    if (asker != null && credential == null) {
      asker.say("Where lgr gets the GitHub token:");
      found.forEach((k, v) -> asker.say(String.format(Locale.ROOT, "  %-7s %s", k, v)));
    }
    String source =
        answer(
            asker,
            new Question<>(
                "--github-credential",
                "GitHub credential",
                value -> {
                  if (!LgrConfig.CREDENTIALS.contains(value)) {
                    throw new IllegalArgumentException(
                        "one of " + String.join(", ", LgrConfig.CREDENTIALS) + ", not " + value);
                  }
                  if (!found.containsKey(value)) {
                    throw new IllegalArgumentException(
                        value.equals(LgrConfig.CREDENTIAL_ENV)
                            ? "neither GH_TOKEN nor GITHUB_TOKEN is set"
                            : "`gh auth token` gives no token: log in with `gh auth login`");
                  }
                  return value;
                },
                List.copyOf(found.keySet())),
            credential,
            defaultCredential,
            true);
    String token;
    boolean storeToken = false;
    switch (source) {
      case LgrConfig.CREDENTIAL_ENV -> token = env.get(envVariable).strip();
      case LgrConfig.CREDENTIAL_GH -> token = ghToken;
      default -> {
        if (github.tokenFile != null) {
          token = github.fromFile();
          storeToken = true;
        } else {
          String current = storedToken(stackName, asker);
          String typed =
              asker == null
                  ? null
                  : asker.askSecret(
                      new Question<>(
                          "--github-token-file",
                          "GitHub token (hidden; stored as "
                              + DeploySecrets.credentialName(stackName)
                              + ")",
                          value -> {
                            if (value.chars().anyMatch(Character::isWhitespace)) {
                              throw new IllegalArgumentException("a token has no spaces");
                            }
                            return value;
                          },
                          List.of()),
                      current == null ? null : "keep the stored one");
          if (typed == null) {
            if (current == null) {
              throw new LgrException(
                  ExitCode.WRONG_STATE,
                  "a GitHub token is needed and nothing can be asked (--yes or no terminal): pass"
                      + " --github-token-file FILE, set GH_TOKEN, or log in with `gh auth login`");
            }
            token = current;
          } else {
            token = typed;
            storeToken = true;
          }
        }
      }
    }
    GitHubService service = GitHubService.connect(api, () -> token);
    GitHubListener listener = verbose ? new Detail(asker, err) : GitHubListener.silent();

    List<String> repos =
        answer(
            asker,
            new Question<>(
                "--repo",
                "Repositories (owner/name, comma-separated; empty for an organization)",
                value -> repositories(value, service, listener),
                List.of()),
            repositories.isEmpty() ? null : String.join(",", repositories),
            old.repositories() == null || old.repositories().isEmpty() ? null : old.repositories(),
            true,
            true);
    if (repos == null) {
      repos = List.of();
    }
    boolean askOrg = repos.isEmpty() || old.organization() != null;
    String org =
        answer(
            asker,
            new Question<>(
                "--org",
                repos.isEmpty() ? "Organization" : "Organization (empty for none)",
                value -> organization(value, service, listener),
                List.of()),
            organization,
            old.organization(),
            askOrg,
            !repos.isEmpty());
    if (repos.isEmpty() && org == null) {
      throw new LgrException(
          ExitCode.WRONG_STATE,
          "the repositories or organization are needed and "
              + (asker == null ? "nothing can be asked (--yes or no terminal)" : "none was given")
              + ": pass --repo OWNER/NAME or --org NAME");
    }

    // The runners.
    List<String> labelList =
        answer(
            asker,
            new Question<>(
                "--labels",
                "Runner labels",
                value -> {
                  List<String> list = Arrays.stream(value.split(",")).map(String::strip).toList();
                  check(DeploySettings.labelsProblem(list));
                  return list;
                },
                List.of()),
            runnerOptions.labels == null ? null : String.join(",", runnerOptions.labels),
            first(old.labels(), DEFAULT_LABELS),
            true);
    int memoryMb =
        answer(
            asker,
            number("--memory", "Runner memory in MB", DeploySettings.MEMORY),
            text(runnerOptions.memory),
            first(oldRunner.memory(), DeploySettings.DEFAULT_MEMORY_MB),
            true);
    int timeoutSeconds =
        answer(
            asker,
            number("--timeout", "Runner timeout in seconds", DeploySettings.TIMEOUT),
            text(runnerOptions.timeout),
            first(oldRunner.timeout(), DeploySettings.DEFAULT_TIMEOUT_SECONDS),
            true);
    int storageMb =
        answer(
            asker,
            number(
                "--ephemeral-storage", "Runner /tmp size in MB", DeploySettings.EPHEMERAL_STORAGE),
            text(runnerOptions.ephemeralStorage),
            first(oldRunner.ephemeralStorage(), DeploySettings.DEFAULT_EPHEMERAL_STORAGE_MB),
            true);
    String arch =
        answer(
            asker,
            new Question<>(
                "--arch",
                "Architecture",
                value -> {
                  String normalised = Deploy.normaliseArch(value);
                  check(DeploySettings.architectureProblem(normalised));
                  return normalised;
                },
                DeploySettings.ARCHITECTURES),
            runnerOptions.architecture,
            first(oldRunner.architecture(), DeploySettings.DEFAULT_ARCHITECTURE),
            true);
    int retention =
        answer(
            asker,
            new Question<>(
                "--log-retention",
                "Log retention in days",
                value -> {
                  int days = parseInt(value);
                  check(DeploySettings.logRetentionProblem(days));
                  return days;
                },
                DeploySettings.LOG_RETENTION_DAYS.stream().map(String::valueOf).toList()),
            text(runnerOptions.logRetention),
            first(old.logRetentionDays(), DeploySettings.DEFAULT_LOG_RETENTION_DAYS),
            true);

    LgrConfig config =
        new LgrConfig(
            stack != null ? stack : old.stack(),
            new LgrConfig.Aws(profile, region),
            new LgrConfig.GitHub(
                github.url != null
                    ? github.url.toString()
                    : old.github() == null ? null : old.github().apiUrl(),
                source),
            repos.isEmpty() ? null : repos,
            org,
            labelList,
            new LgrConfig.Runner(
                memoryMb,
                timeoutSeconds,
                storageMb,
                arch,
                oldRunner.concurrency(),
                oldRunner.version(),
                oldRunner.baseImage(),
                oldRunner.image()),
            retention,
            old.placeholder());
    // As deploy reads it: whatever deploy would refuse is refused here, before anything is kept.
    try {
      Deploy.settingsOf(config, env).validate();
    } catch (IllegalArgumentException e) {
      throw new LgrException(ExitCode.USAGE, "bad settings:\n  " + e.getMessage());
    }

    if (asker == null) {
      // Flags were checked as they were read; what comes from the current lgr.yaml is checked here.
      checkAccess(
          service,
          repositories.isEmpty() ? repos : List.of(),
          organization == null ? org : null,
          listener);
    }

    if (storeToken) {
      try (SecretsManagerClient secrets = aws.client(SecretsManagerClient.builder())) {
        DeploySecrets.Secret secret =
            new DeploySecrets(secrets, stackName).putGitHubCredential(token);
        err.println(
            "Stored the GitHub token in Secrets Manager ("
                + region
                + "): "
                + secret.name()
                + " ("
                + secret.change().name().toLowerCase(Locale.ROOT)
                + ")");
      } catch (AwsStepException e) {
        throw new LgrException(ExitCode.REMOTE_FAILURE, e.getMessage(), e.getCause());
      } catch (SdkException e) {
        throw new LgrException(
            ExitCode.REMOTE_FAILURE,
            "cannot store the GitHub token in Secrets Manager ("
                + DeploySecrets.credentialName(stackName)
                + "); "
                + settingsFile.config
                + " was not written",
            e);
      }
    }
    Path file = settingsFile.config;
    config.write(file);
    err.println("Wrote " + file + " (no secret in it).");
    err.println(
        "Next: lgr deploy"
            + (file.equals(Path.of(LgrConfig.FILE_NAME)) ? "" : " --config " + file));
    err.flush();
    return ExitCode.OK;
  }

  private static final List<String> DEFAULT_LABELS = List.of("self-hosted", "lambda");

  /**
   * The token already in the stack's secret (a re-run of init), or null: also when it cannot be
   * read (no AWS credentials yet), which is said on the terminal.
   */
  private String storedToken(String stackName, Asker asker) {
    try (SecretsManagerClient secrets = aws.client(SecretsManagerClient.builder())) {
      return new DeploySecrets(secrets, stackName).gitHubCredential();
    } catch (AwsStepException | SdkException e) {
      if (asker != null) {
        asker.say("  (no stored token could be read: " + e.getMessage() + ")");
      }
      return null;
    }
  }

  private List<String> repositories(String value, GitHubService service, GitHubListener listener) {
    List<String> list =
        SPLIT.splitAsStream(value.strip()).filter(s -> !s.isEmpty()).distinct().toList();
    for (String repository : list) {
      check(DeploySettings.repositoryProblem(repository));
    }
    if (service != null) {
      for (String repository : list) {
        access(service, RunnerScope.repository(repository), listener);
      }
    }
    return list;
  }

  private String organization(String value, GitHubService service, GitHubListener listener) {
    check(DeploySettings.organizationProblem(value));
    if (service != null) {
      access(service, RunnerScope.organization(value), listener);
    }
    return value;
  }

  /** Checks one scope while asking: a missing right is a reason to ask again. */
  private static void access(GitHubService service, RunnerScope scope, GitHubListener listener) {
    try {
      service.checkAccess(scope, listener);
    } catch (GitHubSetupException e) {
      switch (e.kind()) {
        case INPUT, NOT_FOUND, PERMISSION -> throw new AccessProblem(e);
        default -> throw Deploy.failure(e);
      }
    }
  }

  /** With --verbose: what the GitHub checks do, on the terminal when there is one. */
  private record Detail(Asker asker, PrintWriter err) implements GitHubListener {
    @Override
    public void step(String message) {
      if (asker != null) {
        asker.say("  " + message);
      } else {
        err.println("  " + message);
        err.flush();
      }
    }

    @Override
    public void warning(String message) {
      step("warning: " + message);
    }
  }

  /** A scope the token cannot administer: asked again on a terminal, else exit 3 (as deploy). */
  private static final class AccessProblem extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    AccessProblem(GitHubSetupException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private static void checkAccess(
      GitHubService service, List<String> repos, String org, GitHubListener listener) {
    List<RunnerScope> scopes = new ArrayList<>();
    repos.forEach(r -> scopes.add(RunnerScope.repository(r)));
    if (org != null) {
      scopes.add(RunnerScope.organization(org));
    }
    try {
      service.checkAccess(scopes, listener);
    } catch (GitHubSetupException e) {
      throw Deploy.failure(e);
    }
  }

  private static Question<Integer> number(String flag, String prompt, DeploySettings.Range range) {
    return new Question<>(
        flag,
        prompt + " (" + range.min() + "-" + range.max() + ")",
        value -> {
          int number = parseInt(value);
          check(range.problem(number));
          return number;
        },
        List.of());
  }

  private static int parseInt(String value) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + value + "' is not a whole number");
    }
  }

  private static void check(String problem) {
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  private static void check(String flag, String value, Function<String, String> rule) {
    String problem = rule.apply(value);
    if (problem != null) {
      throw new LgrException(ExitCode.USAGE, flag + ": " + problem);
    }
  }

  private static void needed(Object value, String what, String flag) {
    if (value == null) {
      throw new LgrException(
          ExitCode.WRONG_STATE,
          what + " is needed and nothing can be asked (--yes or no terminal): pass " + flag);
    }
  }

  /**
   * One question's answer: the flag's value (checked; a bad one is exit 2), else without a terminal
   * the fallback, else the terminal's answer (the fallback when empty).
   *
   * @param ask whether to ask on a terminal at all
   */
  private <T> T answer(Asker asker, Question<T> question, String flag, T fallback, boolean ask) {
    return answer(asker, question, flag, fallback, ask, false);
  }

  private <T> T answer(
      Asker asker,
      Question<T> question,
      String flag,
      T fallback,
      boolean ask,
      boolean emptyAllowed) {
    if (flag != null) {
      try {
        return question.parse().apply(flag);
      } catch (AccessProblem e) {
        throw Deploy.failure((GitHubSetupException) e.getCause());
      } catch (IllegalArgumentException e) {
        throw new LgrException(ExitCode.USAGE, question.flag() + ": " + e.getMessage());
      }
    }
    if (asker == null || !ask) {
      return fallback;
    }
    return asker.ask(question, fallback, emptyAllowed);
  }

  private static String text(Integer value) {
    return value == null ? null : value.toString();
  }

  private static String pick(Set<String> names, String name) {
    return names.contains(name) ? name : null;
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    return Arrays.stream(values).filter(v -> v != null).findFirst().orElse(null);
  }

  /**
   * A question and its flag.
   *
   * @param parse the answer, checked: throws {@link IllegalArgumentException} with the reason
   * @param choices what Tab offers
   */
  record Question<T>(String flag, String prompt, Function<String, T> parse, List<String> choices) {}

  /** The terminal's side: asks until an answer passes its check, showing why one did not. */
  static final class Asker implements AutoCloseable {
    private final Terminal terminal;
    private final LineReader reader;
    private final boolean colour;
    private final Attributes saved;
    private List<String> choices = List.of();

    Asker(Terminal terminal, boolean colourAllowed) {
      this.terminal = terminal;
      // No echo between questions either: what is typed ahead (a token typed while GitHub is
      // being asked) is shown by the line reader, masked where it must be, never by the terminal.
      this.saved = terminal.getAttributes();
      Attributes quiet = new Attributes(saved);
      quiet.setLocalFlag(Attributes.LocalFlag.ECHO, false);
      terminal.setAttributes(quiet);
      if (terminal.getWidth() <= 0) {
        // A terminal that does not say its size (a pseudo-terminal under `script`, some CI): the
        // line reader would cut every prompt down to nothing.
        terminal.setSize(new Size(80, 24));
      }
      this.colour = colourAllowed && !terminal.getType().startsWith(Terminal.TYPE_DUMB);
      this.reader =
          LineReaderBuilder.builder()
              .terminal(terminal)
              .completer(
                  (lineReader, line, candidates) ->
                      choices.forEach(choice -> candidates.add(new Candidate(choice))))
              .variable(LineReader.DISABLE_HISTORY, true)
              .build();
    }

    @Override
    public void close() {
      terminal.setAttributes(saved);
    }

    void say(String line) {
      terminal.writer().println(line);
      terminal.flush();
    }

    /**
     * Asks until the answer passes the question's check; an empty answer takes the fallback
     * (checked too), or null when {@code emptyAllowed} and there is no fallback.
     */
    <T> T ask(Question<T> question, T fallback, boolean emptyAllowed) {
      String shown = fallback == null ? null : show(fallback);
      String prompt = prompt(question, shown);
      choices = question.choices();
      while (true) {
        String line = reader.readLine(prompt).strip();
        if (line.isEmpty()) {
          if (shown == null) {
            if (emptyAllowed) {
              return null;
            }
            reason("an answer is needed (" + question.flag() + ")");
            continue;
          }
          line = shown;
        }
        try {
          return question.parse().apply(line);
        } catch (IllegalArgumentException e) {
          reason(e.getMessage());
        }
      }
    }

    /**
     * Asks for a secret with masked input until it passes the check; an empty answer gives null
     * when {@code keepHint} (shown as the default) is set.
     */
    String askSecret(Question<String> question, String keepHint) {
      String prompt = prompt(question, keepHint);
      choices = List.of();
      while (true) {
        String line = reader.readLine(prompt, '*').strip();
        if (line.isEmpty()) {
          if (keepHint != null) {
            return null;
          }
          reason("an answer is needed (" + question.flag() + ")");
          continue;
        }
        try {
          return question.parse().apply(line);
        } catch (IllegalArgumentException e) {
          reason(e.getMessage());
        }
      }
    }

    private String prompt(Question<?> question, String shown) {
      return style(question.prompt(), AttributedStyle.BOLD)
          + (shown == null ? "" : " [" + shown + "]")
          + ": ";
    }

    private static String show(Object value) {
      return value instanceof List<?> list
          ? String.join(",", list.stream().map(String::valueOf).toList())
          : String.valueOf(value);
    }

    private void reason(String message) {
      say(style("  " + message, AttributedStyle.DEFAULT.foreground(AttributedStyle.RED)));
    }

    private String style(String text, AttributedStyle style) {
      return colour ? new AttributedString(text, style).toAnsi(terminal) : text;
    }
  }
}
