package dev.lgr.cli;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.lgr.deploy.image.Arch;
import dev.lgr.deploy.image.BuildListener;
import dev.lgr.deploy.image.EcrLogin;
import dev.lgr.deploy.image.ImageBuildException;
import dev.lgr.deploy.image.ImageBuildRequest;
import dev.lgr.deploy.image.ImageBuildResult;
import dev.lgr.deploy.image.ImageService;
import dev.lgr.deploy.image.ImageTarget;
import dev.lgr.deploy.image.RegistryCredentials;
import dev.lgr.deploy.image.RunnerRelease;
import dev.lgr.deploy.image.RunnerReleases;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ecr.EcrClient;

/** {@code lgr build-image}: the runner image, built with Jib and pushed (or written as a tar). */
@Command(
    name = "build-image",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    defaultValueProvider = BuildImage.Defaults.class,
    description = {
      "Build the runner image and push it to a registry (by default this account's ECR), or write"
          + " it as a tarball.",
      "",
      "The image is the base image (AWS Lambda's Java 21 image with git, jq and the other OS"
          + " packages workflows need) plus four layers: the GitHub runner at /opt/actions-runner,"
          + " the runner function's libraries and its own jar in /var/task/lib, and a few files of"
          + " lgr's. Its command is the runner function,"
          + " dev.lgr.lambda.runner.RunnerFunction::handleRequest. No Docker needed.",
      "",
      "The GitHub runner is downloaded once into the cache and checked against the SHA-256 GitHub"
          + " publishes for it, on download and before every use; an archive without a published"
          + " checksum is refused. The same inputs give the same image digest, and an unchanged"
          + " rebuild pushes no layer.",
      "",
      "Registry credentials: for ECR, a login from ECR's GetAuthorizationToken with the AWS"
          + " credentials of --profile/--region (AWS_ENDPOINT_URL is honoured); for other"
          + " registries, what `docker login` stored (~/.docker/config.json and its credential"
          + " helpers). The base image is read with the same credentials when it is in the same"
          + " registry, else anonymously or with Docker's.",
      "",
      "stdout gets the result only: the pushed image pinned by digest"
          + " (REGISTRY/REPOSITORY@sha256:...), or the digest of a tarball's image. Progress goes"
          + " to stderr: a progress bar on a terminal, plain lines otherwise.",
    },
    footer = {
      "",
      "Environment:",
      "  XDG_CACHE_HOME           the cache is $XDG_CACHE_HOME/lgr (default ~/.cache/lgr)",
      "  GITHUB_API_URL           GitHub's API (default https://api.github.com)",
      "  GH_TOKEN, GITHUB_TOKEN   sent to GitHub's API when set (higher rate limits)",
      "  LGR_RUNNER_DOWNLOAD_URL  where runner archives come from (default",
      "                           https://github.com/actions/runner/releases/download)",
      "",
      "Examples:",
      "  lgr build-image --push                 # this account's ECR, lgr-runner",
      "  lgr build-image --push --arch arm64 --runner-version latest",
      "  lgr build-image --to 123456789012.dkr.ecr.eu-west-1.amazonaws.com/runners:v1",
      "  lgr build-image --tar runner.tar && docker load -i runner.tar",
      "  lgr build-image --push --base-image ghcr.io/me/runner-base:2  # your own base"
    })
public final class BuildImage implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--push",
      description =
          "Push to this account's ECR: REGISTRY/--repository, REGISTRY from ECR's login."
              + " With --to, push there instead.")
  boolean push;

  @ArgGroup(exclusive = true)
  Destination destination = new Destination();

  static final class Destination {
    @Option(
        names = "--to",
        paramLabel = "REF",
        description =
            "Push to this image reference, in any registry (implies --push). Without a tag, the"
                + " tag names the runner: runner-VERSION-ARCH.")
    String to;

    @Option(
        names = "--tar",
        paramLabel = "FILE",
        description = "Write the image as a tarball for `docker load` instead of pushing it.")
    Path tar;
  }

  @Option(
      names = "--arch",
      paramLabel = "amd64|arm64",
      defaultValue = "amd64",
      description =
          "The Lambda function's architecture: amd64 (x86_64) or arm64 (Graviton)"
              + " (default: ${DEFAULT-VALUE}).")
  String arch;

  @Option(
      names = "--base-image",
      paramLabel = "REF",
      description =
          "The base image (default: lgr's published one, ${DEFAULT-VALUE}). Your own must be"
              + " a Lambda Java image with the runner's OS packages: see runner-image/README.md.")
  String baseImage;

  @Option(
      names = "--runner-version",
      paramLabel = "V|latest",
      description =
          "The GitHub runner version (default: the one lgr was made with); `latest` asks GitHub"
              + " for the newest release. Its checksum comes from GitHub's release.")
  String runnerVersion;

  @Option(
      names = "--repository",
      paramLabel = "NAME",
      defaultValue = "lgr-runner",
      description = "The ECR repository for --push (default: ${DEFAULT-VALUE}).")
  String repository;

  @Option(
      names = "--registry-auth",
      paramLabel = "auto|ecr|docker|none",
      defaultValue = "auto",
      description =
          "Where registry credentials come from: ecr (ECR's login, used for the --to"
              + " registry, or the base image's with --tar), docker (Docker's config), none, or"
              + " auto: ecr for ECR registries, else docker (default: ${DEFAULT-VALUE}).")
  String registryAuth;

  @Option(
      names = "--progress",
      paramLabel = "auto|bar|plain",
      defaultValue = "auto",
      description =
          "Progress on stderr: a bar, plain lines, or auto (a bar on a terminal)"
              + " (default: ${DEFAULT-VALUE}).")
  String progress;

  @Mixin AwsOptions aws;

  @Option(
      names = {"-v", "--verbose"},
      description = "Show Jib's log and, on errors, stack traces.")
  boolean verbose;

  @Override
  public Integer call() {
    Path tar = destination.tar;
    String to = destination.to;
    if (tar != null && push) {
      throw new LgrException(ExitCode.USAGE, "--push and --tar exclude each other");
    }
    if (tar == null && to == null && !push) {
      throw new LgrException(
          ExitCode.USAGE,
          "say where the image goes: --push (this account's ECR), --to REF (any registry),"
              + " or --tar FILE");
    }
    Arch architecture;
    try {
      architecture = Arch.parse(arch);
    } catch (IllegalArgumentException e) {
      throw new LgrException(ExitCode.USAGE, e.getMessage() + " (--arch)");
    }
    String auth = registryAuth.toLowerCase(Locale.ROOT);
    if (!auth.matches("auto|ecr|docker|none")) {
      throw new LgrException(
          ExitCode.USAGE,
          "--registry-auth takes auto, ecr, docker or none, not '" + registryAuth + "'");
    }
    String mode = progress.toLowerCase(Locale.ROOT);
    if (!mode.matches("auto|bar|plain")) {
      throw new LgrException(
          ExitCode.USAGE, "--progress takes auto, bar or plain, not '" + progress + "'");
    }

    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> env = System.getenv();
    Path cache = cacheHome(env).resolve("lgr");
    try {
      RunnerRelease bundled = RunnerRelease.bundled();
      String base = baseImage != null ? baseImage : defaultBaseImage();
      String baseRegistry = parse(base, "--base-image").getRegistry();
      ImageTarget target;
      RegistryCredentials credentials;
      if (tar != null) {
        target = new ImageTarget.Tar(tar, ImageReference.of(null, "lgr-runner", null));
        credentials = credentials(auth, null, baseRegistry, null);
      } else if (to != null) {
        ImageReference reference = parse(to, "--to");
        target = new ImageTarget.Registry(reference);
        credentials = credentials(auth, reference.getRegistry(), baseRegistry, null);
      } else {
        EcrLogin login = ecrLogin();
        target =
            new ImageTarget.Registry(parse(login.registry() + "/" + repository, "--repository"));
        credentials =
            credentials(auth.equals("auto") ? "ecr" : auth, login.registry(), baseRegistry, login);
      }

      RunnerReleases releases =
          new RunnerReleases(
              uri(env.getOrDefault("GITHUB_API_URL", RunnerReleases.GITHUB_API.toString())),
              uri(
                  env.getOrDefault(
                      "LGR_RUNNER_DOWNLOAD_URL", RunnerReleases.RELEASE_DOWNLOADS.toString())),
              env.getOrDefault("GH_TOKEN", env.get("GITHUB_TOKEN")),
              cache.resolve("runner"),
              bundled);
      ImageService service = new ImageService(releases, cache, lgrVersion());
      err.println(
          "Building the lgr runner image for linux/"
              + architecture.platform()
              + " (GitHub runner "
              + (runnerVersion == null ? bundled.version() : runnerVersion)
              + ") from "
              + base);
      err.flush();
      ImageBuildResult result;
      try (Progress listener = new Progress(err, useBar(mode, env), verbose, env)) {
        result =
            service.build(
                new ImageBuildRequest(architecture, base, target, runnerVersion, null, credentials),
                listener);
      }
      report(err, result, tar);
      spec.commandLine()
          .getOut()
          .println(tar != null ? result.digest() : result.referenceByDigest());
      spec.commandLine().getOut().flush();
      return ExitCode.OK;
    } catch (ImageBuildException e) {
      throw new LgrException(exitCode(e.kind()), e.getMessage(), e.getCause());
    }
  }

  /**
   * Credentials for the target registry (null for a tarball) and the base image's: ECR's login
   * where asked for (or, with auto, for ECR hosts), Docker's stored ones otherwise.
   */
  private RegistryCredentials credentials(String auth, String target, String base, EcrLogin known) {
    RegistryCredentials docker = RegistryCredentials.dockerConfig();
    switch (auth) {
      case "none":
        return RegistryCredentials.none();
      case "docker":
        return docker;
      case "ecr":
        {
          EcrLogin login = known != null ? known : ecrLogin();
          RegistryCredentials ecr = login.forRegistry(target != null ? target : base);
          if (target != null && EcrLogin.isEcr(base)) {
            ecr = ecr.orElse(login.forRegistry(base));
          }
          return ecr.orElse(docker);
        }
      default:
        {
          boolean ecrTarget = target != null && EcrLogin.isEcr(target);
          boolean ecrBase = EcrLogin.isEcr(base);
          if (!ecrTarget && !ecrBase) {
            return docker;
          }
          EcrLogin login = known != null ? known : ecrLogin();
          RegistryCredentials ecr = RegistryCredentials.none();
          if (ecrTarget) {
            ecr = ecr.orElse(login.forRegistry(target));
          }
          if (ecrBase) {
            ecr = ecr.orElse(login.forRegistry(base));
          }
          return ecr.orElse(docker);
        }
    }
  }

  private EcrLogin ecrLogin() {
    try (EcrClient ecr =
        EcrClient.builder()
            .region(aws.region())
            .credentialsProvider(aws.credentials())
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .build()) {
      return EcrLogin.of(ecr);
    }
  }

  static void report(PrintWriter err, ImageBuildResult result, Path tar) {
    String seconds = String.format(Locale.ROOT, "%.1f s", result.elapsed().toMillis() / 1000.0);
    if (tar != null) {
      err.println("Wrote " + result.image() + " to " + tar + " in " + seconds);
    } else {
      err.println(
          "Pushed "
              + result.layersPushed()
              + " layer"
              + (result.layersPushed() == 1 ? "" : "s")
              + " ("
              + megabytes(result.bytesPushed())
              + "); "
              + result.layersPresent()
              + " already in the registry; "
              + seconds);
      err.println("Image: " + result.image() + " (" + result.digest() + ")");
    }
    err.flush();
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1_000_000.0);
  }

  static int exitCode(ImageBuildException.Kind kind) {
    switch (kind) {
      case INPUT:
        return ExitCode.USAGE;
      case STATE:
        return ExitCode.WRONG_STATE;
      default:
        return ExitCode.REMOTE_FAILURE;
    }
  }

  private static ImageReference parse(String reference, String option) {
    try {
      return ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      throw new LgrException(
          ExitCode.USAGE, "'" + reference + "' is not an image reference (" + option + ")");
    }
  }

  private static URI uri(String value) {
    try {
      return URI.create(value.strip());
    } catch (IllegalArgumentException e) {
      throw new LgrException(ExitCode.USAGE, "'" + value + "' is not a URL");
    }
  }

  static Path cacheHome(Map<String, String> env) {
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg);
    }
    String home = env.get("HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home, ".cache");
    }
    return Path.of(System.getProperty("user.home"), ".cache");
  }

  /** The published base image: runner-image/base-image.properties, packaged into lgr. */
  static String defaultBaseImage() {
    Properties properties = load("/dev/lgr/deploy/image/base-image.properties");
    String image = properties.getProperty("image");
    String version = properties.getProperty("version");
    if (image == null || version == null) {
      throw new LgrException(
          ExitCode.BUG, "this build of lgr names no default base image; pass --base-image");
    }
    return image.strip() + ":" + version.strip();
  }

  /** The --base-image default, read from what lgr was built with. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec argument) {
      if (argument instanceof CommandLine.Model.OptionSpec option
          && option.longestName().equals("--base-image")) {
        return defaultBaseImage();
      }
      return null;
    }
  }

  static String lgrVersion() {
    return load("version.properties").getProperty("version", "unknown");
  }

  private static Properties load(String resource) {
    Properties properties = new Properties();
    try (InputStream in = BuildImage.class.getResourceAsStream(resource)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new LgrException(ExitCode.BUG, "cannot read " + resource, e);
    }
    return properties;
  }

  static boolean useBar(String mode, Map<String, String> env) {
    if (!mode.equals("auto")) {
      return mode.equals("bar");
    }
    String term = env.getOrDefault("TERM", "");
    return System.console() != null
        && !term.isEmpty()
        && !term.equals("dumb")
        && !env.containsKey("CI");
  }

  /**
   * Renders the service's progress on stderr: progress bars on a terminal, else a line per step and
   * per quarter of the way. Warnings always show; Jib's other messages with --verbose.
   */
  static final class Progress implements BuildListener, AutoCloseable {
    private final PrintWriter err;
    private final boolean bar;
    private final boolean verbose;
    private final boolean colour;
    private ProgressBar downloadBar;
    private ProgressBar buildBar;
    private int downloadQuarter = -1;
    private int buildQuarter = 0;

    Progress(PrintWriter err, boolean bar, boolean verbose, Map<String, String> env) {
      this.err = err;
      this.bar = bar;
      this.verbose = verbose;
      this.colour = bar && !env.containsKey("NO_COLOR");
    }

    @Override
    public synchronized void step(String message) {
      closeBars();
      line(message);
    }

    @Override
    public synchronized void download(String name, long done, long total) {
      if (bar) {
        if (downloadBar == null) {
          downloadBar = newBar("Downloading", total > 0 ? total / 1024 : -1, "KiB");
        }
        downloadBar.stepTo(done / 1024);
      } else if (total > 0) {
        int quarter = (int) (done * 4 / total);
        if (quarter > downloadQuarter) {
          downloadQuarter = quarter;
          line(String.format(Locale.ROOT, "  downloaded %d%% of %s", quarter * 25, name));
        }
      }
    }

    @Override
    public synchronized void progress(double fraction, String task) {
      if (bar) {
        if (downloadBar != null) {
          downloadBar.close();
          downloadBar = null;
        }
        if (buildBar == null) {
          buildBar = newBar("Building", 1000, null);
        }
        buildBar.stepTo(Math.round(fraction * 1000));
        buildBar.setExtraMessage(task.length() > 40 ? task.substring(0, 40) + "…" : task);
      } else {
        int quarter = (int) Math.floor(fraction * 4 + 1e-9);
        if (quarter > buildQuarter && quarter < 4) {
          buildQuarter = quarter;
          line("  " + quarter * 25 + "% built and pushed");
        }
      }
    }

    @Override
    public synchronized void log(Level level, String message) {
      if (level == Level.WARNING) {
        line("warning: " + message);
      } else if (verbose && level == Level.INFO) {
        line("  " + message);
      }
    }

    private void line(String text) {
      if (bar && (buildBar != null || downloadBar != null)) {
        // above the bar, which redraws itself on its next tick
        err.print("\r\033[K");
      }
      err.println(text);
      err.flush();
    }

    private ProgressBar newBar(String task, long max, String unit) {
      err.flush();
      ProgressBarBuilder builder =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(max)
              .setStyle(colour ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
              .setConsumer(new ConsoleProgressBarConsumer(System.err))
              .setUpdateIntervalMillis(200)
              .continuousUpdate();
      if (unit != null) {
        builder.setUnit(" " + unit, 1).showSpeed();
      } else {
        builder.hideEta();
      }
      return builder.build();
    }

    private void closeBars() {
      if (downloadBar != null) {
        downloadBar.close();
        downloadBar = null;
      }
      if (buildBar != null) {
        buildBar.stepTo(buildBar.getMax());
        buildBar.close();
        buildBar = null;
      }
    }

    @Override
    public synchronized void close() {
      closeBars();
    }
  }
}
