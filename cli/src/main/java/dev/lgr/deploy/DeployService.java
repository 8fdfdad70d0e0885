package dev.lgr.deploy;

import dev.lgr.deploy.aws.DeploySecrets;
import dev.lgr.deploy.aws.FunctionCode;
import dev.lgr.deploy.github.GitHubListener;
import dev.lgr.deploy.github.GitHubService;
import dev.lgr.deploy.github.PingDelivery;
import dev.lgr.deploy.github.Placeholder;
import dev.lgr.deploy.github.Webhook;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.deploy.stack.StackFailedException;
import dev.lgr.github.RunnerScope;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/**
 * {@code lgr deploy}'s engine: from settings to working runners, in order, each step idempotent
 * (running it again changes nothing that is already right). Never prints: it reports to its {@link
 * Listener}, asks it for the confirmation of the main stack's changes, and throws exceptions whose
 * messages are written for users.
 */
public final class DeployService {
  /** The steps, as the progress shows them. */
  public static final List<String> STEPS =
      List.of(
          "GitHub access",
          "Bootstrap stack",
          "Secrets",
          "Runner image",
          "Webhook function code",
          "Main stack",
          "Webhook",
          "Placeholder runner",
          "Ping");

  /** Where a template lives in lgr.jar. */
  static final String TEMPLATES = "/dev/lgr/deploy/stack/templates/";

  /** What a deploy reports and asks while it works. */
  public interface Listener extends StackDeployer.Listener, GitHubListener {
    /** Step {@code number} (1-based) of {@link #STEPS} begins. */
    void step(int number, String title);

    /** A line of detail for the current step. */
    void detail(String message);

    /**
     * Shows the main stack's changes and asks whether to apply them.
     *
     * @return false to stop without changing the stack
     */
    boolean approve(StackDeployer.Plan plan, Map<String, String> parameters);
  }

  /** Builds and pushes the runner image; returns it pinned by digest. */
  public interface RunnerImages {
    /**
     * @param repositoryUri the ECR repository to push to ({@code ACCOUNT.dkr.ecr.REGION…/NAME})
     */
    String buildAndPush(String repositoryUri, DeploySettings settings);
  }

  /**
   * What was deployed.
   *
   * @param changed false when the main stack had no changes
   * @param ping null when the ping was not checked
   */
  public record Result(
      String stackName,
      boolean changed,
      Map<String, String> outputs,
      String image,
      List<Webhook> hooks,
      List<Placeholder> placeholders,
      PingDelivery ping) {}

  /** The outcome when the user declined the changes. */
  public static final class Declined extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Declined(String stackName) {
      super("Stopped: stack " + stackName + " was not changed.");
    }
  }

  private final StackDeployer stacks;
  private final DeploySecrets.Factory secretsFactory;
  private final FunctionCode code;
  private final GitHubService github;
  private final RunnerImages images;
  private final Path cache;
  private final Listener listener;

  public DeployService(
      StackDeployer stacks,
      DeploySecrets.Factory secrets,
      FunctionCode code,
      GitHubService github,
      RunnerImages images,
      Path cache,
      Listener listener) {
    this.stacks = stacks;
    this.secretsFactory = secrets;
    this.code = code;
    this.github = github;
    this.images = images;
    this.cache = cache;
    this.listener = listener;
  }

  /**
   * Deploys.
   *
   * @param githubToken the token to store for the runners (never printed)
   * @throws Declined when the user said no to the main stack's changes
   */
  public Result deploy(DeploySettings settings, String githubToken)
      throws IOException, InterruptedException {
    settings.validate();
    List<RunnerScope> scopes = scopes(settings);

    listener.step(1, STEPS.get(0));
    github.checkAccess(scopes, listener);

    listener.step(2, STEPS.get(1));
    Map<String, String> bootstrap = bootstrap();
    String repositoryUri =
        required(bootstrap, "RepositoryUri", DeploySettings.bootstrapStackName());
    String bucket = required(bootstrap, "CodeBucketName", DeploySettings.bootstrapStackName());

    listener.step(3, STEPS.get(2));
    DeploySecrets secrets = secretsFactory.forStack(settings.stackName());
    DeploySecrets.Secret credential = secrets.putGitHubCredential(githubToken);
    listener.detail("GitHub credential: " + credential.name() + " (" + describe(credential) + ")");
    DeploySecrets.Secret webhookSecret = secrets.webhookSecret();
    listener.detail(
        "Webhook secret: " + webhookSecret.name() + " (" + describe(webhookSecret) + ")");

    listener.step(4, STEPS.get(3));
    String image;
    if (settings.image() != null) {
      image = settings.image();
      listener.detail("Using the given image " + image);
    } else {
      image = images.buildAndPush(repositoryUri, settings);
    }

    listener.step(5, STEPS.get(4));
    FunctionCode.Upload upload = code.upload(bucket, "webhook", webhookJar());
    listener.detail(
        (upload.uploaded() ? "Uploaded " : "Already there: ")
            + "s3://"
            + bucket
            + "/"
            + upload.key()
            + String.format(" (%.1f MB)", upload.bytes() / 1_000_000.0));

    listener.step(6, STEPS.get(5));
    Map<String, String> parameters =
        mainParameters(settings, credential.arn(), webhookSecret.arn(), bucket, upload, image);
    StackDeployer.Plan plan =
        stacks.plan(
            settings.stackName(),
            template("main.yaml"),
            parameters,
            Map.of("lgr:stack", settings.stackName()));
    Map<String, String> outputs;
    if (plan.empty()) {
      listener.detail("No changes");
      outputs = stacks.outputs(settings.stackName());
    } else {
      boolean approved;
      try {
        approved = listener.approve(plan, parameters);
      } catch (RuntimeException e) {
        stacks.discard(plan); // no change set left behind
        throw e;
      }
      if (!approved) {
        stacks.discard(plan);
        throw new Declined(settings.stackName());
      }
      outputs = stacks.execute(plan);
    }
    URI webhookUrl = URI.create(required(outputs, "WebhookUrl", settings.stackName()));

    listener.step(7, STEPS.get(6));
    List<Webhook> hooks = new ArrayList<>();
    for (RunnerScope scope : scopes) {
      hooks.add(github.ensureWebhook(scope, webhookUrl, webhookSecret.value(), listener));
    }

    listener.step(8, STEPS.get(7));
    List<Placeholder> placeholders = new ArrayList<>();
    if (settings.placeholder()) {
      for (RunnerScope scope : scopes) {
        placeholders.add(github.ensurePlaceholder(scope, settings.labels(), 1, listener));
      }
    } else {
      listener.detail("Skipped (--no-placeholder)");
    }

    listener.step(9, STEPS.get(8));
    PingDelivery ping = github.ping(scopes.get(0), hooks.get(0), Duration.ofSeconds(30), listener);
    return new Result(
        settings.stackName(), !plan.empty(), outputs, image, hooks, placeholders, ping);
  }

  /** The repositories, then the organization. */
  static List<RunnerScope> scopes(DeploySettings settings) {
    List<RunnerScope> scopes = new ArrayList<>();
    settings.repositories().forEach(r -> scopes.add(RunnerScope.repository(r)));
    if (settings.organization() != null) {
      scopes.add(RunnerScope.organization(settings.organization()));
    }
    return scopes;
  }

  /** The repositories and organization the stack serves, from its parameters. */
  static List<RunnerScope> scopes(Stack stack) {
    List<RunnerScope> scopes = new ArrayList<>();
    for (Parameter p : stack.parameters()) {
      String value = p.parameterValue() == null ? "" : p.parameterValue().strip();
      if (value.isEmpty()) {
        continue;
      }
      if (p.parameterKey().equals("Repositories")) {
        for (String repository : value.split(",")) {
          scopes.add(RunnerScope.repository(repository.strip()));
        }
      } else if (p.parameterKey().equals("Organizations")) {
        for (String organization : value.split(",")) {
          scopes.add(RunnerScope.organization(organization.strip()));
        }
      }
    }
    return scopes;
  }

  /** Creates the bootstrap stack when absent, updates it when older than this lgr's. */
  private Map<String, String> bootstrap() throws IOException, InterruptedException {
    String name = DeploySettings.bootstrapStackName();
    String body = template("bootstrap.yaml");
    int bundled = templateVersion(body, "BootstrapVersion");
    Optional<Stack> existing = stacks.describe(name);
    if (existing.isPresent()) {
      Map<String, String> outputs = stacks.outputs(name);
      int deployed = parseVersion(outputs.get("BootstrapVersion"));
      String status = existing.get().stackStatusAsString();
      if (deployed >= bundled && (status.endsWith("_COMPLETE") && !status.contains("ROLLBACK"))) {
        listener.detail(name + " is up to date (version " + deployed + ")");
        return outputs;
      }
      listener.detail(
          name + " is at version " + deployed + " (" + status + "); updating to " + bundled);
    }
    StackDeployer.Plan plan = stacks.plan(name, body, Map.of(), Map.of("lgr:stack", name));
    for (StackDeployer.ResourceChangeLine line : plan.changes()) {
      listener.detail(line.render());
    }
    return stacks.execute(plan);
  }

  static Map<String, String> mainParameters(
      DeploySettings settings,
      String credentialArn,
      String webhookSecretArn,
      String bucket,
      FunctionCode.Upload upload,
      String image) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("Labels", String.join(",", settings.labels()));
    p.put("Repositories", String.join(",", settings.repositories()));
    p.put("Organizations", settings.organization() == null ? "" : settings.organization());
    p.put("WebhookSecretArn", webhookSecretArn);
    p.put("GitHubCredentialArn", credentialArn);
    p.put("CodeBucket", bucket);
    p.put("WebhookCodeKey", upload.key());
    p.put("RunnerImageUri", image);
    p.put("RunnerArchitecture", settings.architecture());
    p.put("RunnerMemorySize", String.valueOf(settings.runnerMemoryMb()));
    p.put("RunnerTimeout", String.valueOf(settings.runnerTimeoutSeconds()));
    p.put("RunnerEphemeralStorage", String.valueOf(settings.ephemeralStorageMb()));
    p.put("RunnerConcurrency", String.valueOf(settings.runnerConcurrency()));
    p.put("GitHubApiUrl", settings.githubApi().toString());
    p.put("LogRetentionDays", String.valueOf(settings.logRetentionDays()));
    p.put("Placeholder", String.valueOf(settings.placeholder()));
    p.put("WebhookVersionKey", webhookVersionKey(p, upload.sha256()));
    return p;
  }

  /**
   * The key that makes the template publish a new webhook version: a hash of exactly what shapes
   * the webhook function (its code, the parameters it reads, and its definition in the template).
   * It must change when the function does (else the alias keeps serving the old settings) and only
   * then (AWS refuses a new version of an unchanged function).
   */
  static String webhookVersionKey(Map<String, String> parameters, String codeSha256) {
    StringBuilder inputs = new StringBuilder(codeSha256);
    for (String name :
        List.of(
            "Labels",
            "Repositories",
            "Organizations",
            "WebhookSecretArn",
            "WebhookMemorySize",
            "WebhookArchitecture")) {
      inputs.append('|').append(name).append('=').append(parameters.getOrDefault(name, ""));
    }
    try {
      com.fasterxml.jackson.databind.ObjectMapper yaml =
          new com.fasterxml.jackson.databind.ObjectMapper(
              new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
      com.fasterxml.jackson.databind.JsonNode function =
          yaml.readTree(template("main.yaml")).path("Resources").path("WebhookFunction");
      if (function.isMissingNode()) {
        throw new IllegalStateException("the bundled main template has no WebhookFunction");
      }
      inputs.append("|template=").append(function);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the bundled main template", e);
    }
    return sha256(inputs.toString()).substring(0, 16);
  }

  /** The shaded webhook handler jar lgr.jar carries, copied to the cache under its hash. */
  private Path webhookJar() throws IOException {
    String resource = "/lambda-lib/webhook/lambda-handlers-lambda.jar";
    byte[] bytes;
    try (InputStream in = DeployService.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "this build of lgr does not hold the webhook function ("
                + resource
                + ");"
                + " build it with ./mvnw package or install.sh");
      }
      bytes = in.readAllBytes();
    }
    Path file = cache.resolve("webhook").resolve(sha256(bytes) + ".jar");
    if (!Files.isRegularFile(file) || Files.size(file) != bytes.length) {
      Files.createDirectories(file.getParent());
      Path partial = Files.createTempFile(file.getParent(), "webhook", ".part");
      Files.write(partial, bytes);
      Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }

  static String template(String name) throws IOException {
    try (InputStream in = DeployService.class.getResourceAsStream(TEMPLATES + name)) {
      if (in == null) {
        throw new IllegalStateException("this build of lgr lacks the template " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The version a template declares under {@code Metadata: lgr: KEY: N}. */
  static int templateVersion(String body, String key) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?m)^\\s+" + key + ":\\s*\"?(\\d+)").matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("the bundled template has no " + key);
    }
    return Integer.parseInt(m.group(1));
  }

  private static int parseVersion(String value) {
    try {
      return value == null ? 0 : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String required(Map<String, String> outputs, String key, String stack) {
    String value = outputs.get(key);
    if (value == null || value.isBlank()) {
      throw new StackFailedException(
          "stack " + stack + " has no output " + key + " (outputs: " + outputs.keySet() + ")");
    }
    return value;
  }

  private static String describe(DeploySecrets.Secret secret) {
    return switch (secret.change()) {
      case CREATED -> "created";
      case UPDATED -> "updated";
      case UNCHANGED -> "unchanged";
    };
  }

  static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
