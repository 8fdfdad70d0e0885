package dev.lgr.cli;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.lgr.deploy.DeployService;
import dev.lgr.deploy.DeploySettings;
import dev.lgr.deploy.LgrConfig;
import dev.lgr.deploy.aws.AwsStepException;
import dev.lgr.deploy.aws.DeploySecrets;
import dev.lgr.deploy.aws.FunctionCode;
import dev.lgr.deploy.github.GitHubService;
import dev.lgr.deploy.github.GitHubSetupException;
import dev.lgr.deploy.image.Arch;
import dev.lgr.deploy.image.EcrLogin;
import dev.lgr.deploy.image.ImageBuildException;
import dev.lgr.deploy.image.ImageBuildRequest;
import dev.lgr.deploy.image.ImageBuildResult;
import dev.lgr.deploy.image.ImageService;
import dev.lgr.deploy.image.ImageTarget;
import dev.lgr.deploy.image.RegistryCredentials;
import dev.lgr.deploy.image.RunnerRelease;
import dev.lgr.deploy.image.RunnerReleases;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.deploy.stack.StackFailedException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** {@code lgr deploy}: a thin front on {@link DeployService}. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Deploy lgr's runners for one or more repositories (or an organization): the bootstrap"
          + " stack, the secrets, the runner image, the main stack, the webhook and the"
          + " placeholder runner. Every step is idempotent: run it again after a change or a"
          + " failure.",
      "",
      "Settings come from ./lgr.yaml (written by `lgr init`) when present; flags win.",
      "The GitHub token comes from --github-token-file, else where lgr.yaml's github.credential"
          + " says (env, gh, or secret: already in Secrets Manager), else GH_TOKEN, GITHUB_TOKEN,"
          + " `gh auth token`; it is stored in Secrets Manager only, never printed.",
    },
    footer = {
      "",
      "Examples:",
      "  lgr deploy --repo octo/app                   # asks before changing the stack",
      "  lgr deploy --repo octo/app --repo octo/api --labels self-hosted,lambda --yes",
      "  lgr deploy --org octo --arch arm64 --memory 4096 --profile prod --region eu-west-1",
    })
public final class Deploy implements Callable<Integer> {
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--repo",
      paramLabel = "OWNER/NAME",
      description = "A repository whose jobs the runners take (repeatable).")
  List<String> repositories = new ArrayList<>();

  @Option(
      names = "--org",
      paramLabel = "NAME",
      description = "An organization: its runners and webhook are registered on the organization.")
  String organization;

  @Option(
      names = "--stack",
      paramLabel = "NAME",
      description = "The main stack's name (default: lgr.yaml's stack, else lgr).")
  String stack;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      description = "The most runners at once, a cost ceiling (default: 10).")
  Integer concurrency;

  @Option(
      names = "--runner-version",
      paramLabel = "V|latest",
      description = "The GitHub runner version (default: the one lgr was made with).")
  String runnerVersion;

  @Option(
      names = "--base-image",
      paramLabel = "REF",
      description = "The runner image's base (default: lgr's published one).")
  String baseImage;

  @Option(
      names = "--image",
      paramLabel = "REF@sha256:…",
      description =
          "Deploy this runner image (already in the account's ECR, pinned by digest) instead of"
              + " building one.")
  String image;

  @Option(
      names = "--no-placeholder",
      negatable = false,
      description =
          "Do not register the placeholder runner (GitHub no longer needs one to queue jobs).")
  boolean noPlaceholder;

  @Option(
      names = {"-y", "--yes"},
      description = "Apply the main stack's changes without asking (needed without a terminal).")
  boolean yes;

  @Mixin RunnerOptions runnerOptions;

  @Mixin ConfigOptions settingsFile;

  @Mixin AwsOptions aws;

  @Mixin GitHubOptions github;

  @Option(
      names = {"-v", "--verbose"},
      description = "More detail and, on errors, stack traces.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> env = System.getenv();
    LgrConfig file = settingsFile.read(aws);
    DeploySettings settings = settings(file, env);
    try {
      settings.validate();
    } catch (IllegalArgumentException e) {
      throw new LgrException(ExitCode.USAGE, "bad settings:\n  " + e.getMessage());
    }
    String token = github.token(env, file, aws, settings.stackName());

    Path cache = BuildImage.cacheHome(env).resolve("lgr");
    try (CloudFormationClient cloudFormation = aws.client(CloudFormationClient.builder());
        S3Client s3 = aws.client(S3Client.builder().forcePathStyle(aws.endpointOverridden()));
        SecretsManagerClient secrets = aws.client(SecretsManagerClient.builder());
        EcrClient ecr = aws.client(EcrClient.builder())) {
      Console console = new Console(err, yes, verbose);
      DeployService service =
          new DeployService(
              new StackDeployer(
                  cloudFormation, console, Duration.ofSeconds(3), Duration.ofMinutes(30)),
              stackName -> new DeploySecrets(secrets, stackName),
              new FunctionCode(s3),
              GitHubService.connect(settings.githubApi(), () -> token),
              (repositoryUri, s) -> buildImage(err, ecr, repositoryUri, s, env, cache, token),
              cache,
              console);
      err.println(
          "Deploying stack "
              + settings.stackName()
              + " to "
              + aws.region()
              + " for "
              + String.join(", ", describeScopes(settings)));
      err.flush();
      DeployService.Result result = service.deploy(settings, token);
      err.println();
      err.println(
          "Ready: jobs with runs-on: ["
              + String.join(", ", settings.labels())
              + "] now run on lgr's Lambda runners.");
      err.flush();
      out.println(result.outputs().get("WebhookUrl"));
      out.flush();
      return ExitCode.OK;
    } catch (DeployService.Declined e) {
      err.println(e.getMessage());
      err.flush();
      return ExitCode.WRONG_STATE;
    } catch (GitHubSetupException e) {
      throw failure(e);
    } catch (StackFailedException e) {
      throw new LgrException(ExitCode.WRONG_STATE, e.getMessage(), e);
    } catch (AwsStepException e) {
      throw new LgrException(ExitCode.REMOTE_FAILURE, e.getMessage(), e.getCause());
    } catch (ImageBuildException e) {
      throw new LgrException(BuildImage.exitCode(e.kind()), e.getMessage(), e.getCause());
    }
  }

  /** A GitHub failure with its exit code: bad input 2, a missing right 3, GitHub failed 1. */
  static LgrException failure(GitHubSetupException e) {
    return new LgrException(
        switch (e.kind()) {
          case INPUT -> ExitCode.USAGE;
          case NOT_FOUND, PERMISSION, DELIVERY -> ExitCode.WRONG_STATE;
          default -> ExitCode.REMOTE_FAILURE;
        },
        e.getMessage(),
        e.getCause());
  }

  /** The settings deploy makes of {@code file} alone (no flags). */
  static DeploySettings settingsOf(LgrConfig file, Map<String, String> env) {
    Deploy deploy = new Deploy();
    new CommandLine(deploy); // makes its option groups (mixins), as for a run with no flags
    return deploy.settings(file, env);
  }

  private DeploySettings settings(LgrConfig file, Map<String, String> env) {
    LgrConfig.Runner runner = file.runnerOrEmpty();
    List<String> repos =
        !repositories.isEmpty()
            ? repositories
            : file.repositories() != null ? file.repositories() : List.of();
    URI api = github.api(file, env);
    return new DeploySettings(
        ConfigOptions.stackName(stack, file),
        repos,
        first(organization, file.organization(), null),
        runnerOptions.labels != null
            ? runnerOptions.labels.stream().map(String::trim).toList()
            : file.labels() != null ? file.labels() : List.of("self-hosted", "lambda"),
        first(runnerOptions.memory, runner.memory(), DeploySettings.DEFAULT_MEMORY_MB),
        first(runnerOptions.timeout, runner.timeout(), DeploySettings.DEFAULT_TIMEOUT_SECONDS),
        first(
            runnerOptions.ephemeralStorage,
            runner.ephemeralStorage(),
            DeploySettings.DEFAULT_EPHEMERAL_STORAGE_MB),
        normaliseArch(
            first(
                runnerOptions.architecture,
                runner.architecture(),
                DeploySettings.DEFAULT_ARCHITECTURE)),
        first(concurrency, runner.concurrency(), DeploySettings.DEFAULT_CONCURRENCY),
        first(
            runnerOptions.logRetention,
            file.logRetentionDays(),
            DeploySettings.DEFAULT_LOG_RETENTION_DAYS),
        first(runnerVersion, runner.version(), null),
        first(baseImage, runner.baseImage(), null),
        first(image, runner.image(), null),
        api,
        !noPlaceholder && (file.placeholder() == null || file.placeholder()));
  }

  /** amd64 is x86_64, as Docker and Lambda name it. */
  static String normaliseArch(String arch) {
    String lower = arch.toLowerCase(Locale.ROOT);
    return lower.equals("amd64") || lower.equals("x64") ? "x86_64" : lower;
  }

  private String buildImage(
      PrintWriter err,
      EcrClient ecr,
      String repositoryUri,
      DeploySettings settings,
      Map<String, String> env,
      Path cache,
      String token) {
    EcrLogin login = EcrLogin.of(ecr);
    ImageReference target;
    try {
      // The repository's tags are immutable: each deploy pushes under a tag of its own (an
      // unchanged image is then one new tag and no layer).
      target =
          ImageReference.parse(
              repositoryUri
                  + ":lgr-"
                  + settings.platform()
                  + "-"
                  + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                      .withZone(java.time.ZoneOffset.UTC)
                      .format(java.time.Instant.now()));
    } catch (InvalidImageReferenceException e) {
      throw new LgrException(
          ExitCode.BUG,
          "the bootstrap stack's repository " + repositoryUri + " is not an image name");
    }
    RegistryCredentials credentials =
        login.forRegistry(target.getRegistry()).orElse(RegistryCredentials.dockerConfig());
    RunnerReleases releases =
        new RunnerReleases(
            settings.githubApi(),
            URI.create(
                env.getOrDefault(
                    "LGR_RUNNER_DOWNLOAD_URL", RunnerReleases.RELEASE_DOWNLOADS.toString())),
            token,
            cache.resolve("runner"),
            RunnerRelease.bundled());
    ImageService service = new ImageService(releases, cache, BuildImage.lgrVersion());
    String base =
        settings.baseImage() != null ? settings.baseImage() : BuildImage.defaultBaseImage();
    ImageBuildResult result;
    try (BuildImage.Progress listener =
        new BuildImage.Progress(err, BuildImage.useBar("auto", env), verbose, env)) {
      result =
          service.build(
              new ImageBuildRequest(
                  Arch.parse(settings.platform()),
                  base,
                  new ImageTarget.Registry(target),
                  settings.runnerVersion(),
                  null,
                  credentials),
              listener);
    }
    BuildImage.report(err, result, null);
    return result.referenceByDigest();
  }

  private static List<String> describeScopes(DeploySettings settings) {
    List<String> scopes = new ArrayList<>(settings.repositories());
    if (settings.organization() != null) {
      scopes.add("organization " + settings.organization());
    }
    return scopes;
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    return Arrays.stream(values).filter(v -> v != null).findFirst().orElse(null);
  }

  /** Progress, stack events and the confirmation on stderr (results go to stdout). */
  static final class Console implements DeployService.Listener {
    private final PrintWriter err;
    private final boolean yes;
    private final boolean verbose;

    Console(PrintWriter err, boolean yes, boolean verbose) {
      this.err = err;
      this.yes = yes;
      this.verbose = verbose;
    }

    @Override
    public void step(int number, String title) {
      err.printf(Locale.ROOT, "[%d/%d] %s%n", number, DeployService.STEPS.size(), title);
      err.flush();
    }

    @Override
    public void detail(String message) {
      err.println("      " + message);
      err.flush();
    }

    @Override
    public void step(String message) {
      detail(message);
    }

    @Override
    public void warning(String message) {
      err.println("      warning: " + message);
      err.flush();
    }

    @Override
    public void progress(String message) {
      detail(message);
    }

    @Override
    public void event(StackEvent event) {
      String reason = event.resourceStatusReason();
      err.printf(
          Locale.ROOT,
          "      %s  %-28s %-36s %s%s%n",
          CLOCK.format(event.timestamp()),
          event.resourceStatusAsString(),
          event.logicalResourceId(),
          event.resourceType(),
          reason == null || reason.isBlank() ? "" : "  " + reason);
      err.flush();
    }

    @Override
    public boolean approve(StackDeployer.Plan plan, Map<String, String> parameters) {
      err.println("      Settings:");
      parameters.forEach(
          (k, v) -> err.printf(Locale.ROOT, "        %-24s %s%n", k, v.isEmpty() ? "(none)" : v));
      err.println(
          "      Changes to stack " + plan.stackName() + (plan.create() ? " (new)" : "") + ":");
      if (plan.changes().isEmpty()) {
        err.println("        (settings only: no resource is added, changed or removed)");
      }
      for (StackDeployer.ResourceChangeLine line : plan.changes()) {
        err.println("        " + line.render());
      }
      err.flush();
      if (yes) {
        return true;
      }
      return Prompt.yes("applying the changes", "      Apply these changes? [y/N] ");
    }
  }
}
