package dev.lgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.deploy.DeploySettings;
import dev.lgr.deploy.LgrConfig;
import dev.lgr.testing.GitHubStandIn;
import dev.lgr.testing.MotoServer;
import dev.lgr.testing.RegistryServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jline.terminal.Size;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code lgr init} driven through jline with scripted keystrokes (a terminal on piped streams, as a
 * user's would be), against GitHub played by {@link GitHubStandIn} and Secrets Manager on moto
 * server; and, with no terminal at all, as the installed jar.
 */
class InitIT {
  private static final String TOKEN =
      "fake-gh-token-" + UUID.randomUUID().toString().replace("-", "");
  private static final String TYPED_TOKEN =
      "fake-gh-token-typed" + UUID.randomUUID().toString().replace("-", "");
  private static final String ENTER = "\r";
  private static final String CTRL_C = "\u0003";
  private static final String TAB = "\t";
  private static final List<String> AWS_PROPERTIES =
      List.of(
          "aws.accessKeyId",
          "aws.secretAccessKey",
          "aws.endpointUrl",
          "aws.configFile",
          "aws.sharedCredentialsFile");

  private static GitHubStandIn github;
  private static Path awsFolder;

  @TempDir Path dir;

  private final SecretsManagerClient secrets = MotoServer.clients().secretsManager();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
  private final Map<String, String> env = new HashMap<>();

  @BeforeAll
  static void setUp() throws IOException, InterruptedException {
    RegistryServer.ensureTrustStore();
    github =
        GitHubStandIn.start()
            .repo("octo/app")
            .repo("octo/api")
            .readOnlyRepo("octo/docs")
            .org("octo")
            .token(TOKEN)
            .token(TYPED_TOKEN);
    // The AWS SDK's own settings, as system properties: the profiles init offers, and moto.
    awsFolder = Files.createTempDirectory("lgr-init-aws");
    Files.writeString(
        awsFolder.resolve("config"),
        "[default]\nregion = us-east-1\n\n[profile prod]\nregion = eu-west-1\n");
    System.setProperty("aws.configFile", awsFolder.resolve("config").toString());
    System.setProperty("aws.sharedCredentialsFile", awsFolder.resolve("credentials").toString());
    System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", MotoServer.SECRET_KEY);
    System.setProperty("aws.endpointUrl", MotoServer.endpoint().toString());
  }

  @AfterAll
  static void tearDown() throws IOException {
    github.close();
    AWS_PROPERTIES.forEach(System::clearProperty);
    try (Stream<Path> files = Files.list(awsFolder)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(awsFolder);
  }

  /** Runs {@code lgr init} in this JVM with {@code keys} typed on its terminal (null: none). */
  private int init(String keys, String... args) {
    env.putIfAbsent("GITHUB_API_URL", github.baseUrl().toString());
    Init.Terminals terminals =
        keys == null
            ? () -> null
            : () ->
                TerminalBuilder.builder()
                    .system(false)
                    .streams(
                        new ByteArrayInputStream(keys.getBytes(StandardCharsets.UTF_8)), screen)
                    .type("xterm-256color")
                    .size(new Size(160, 50))
                    .build();
    CommandLine.IFactory factory =
        new CommandLine.IFactory() {
          @Override
          public <K> K create(Class<K> type) throws Exception {
            return type == Init.class
                ? type.cast(new Init(terminals, env))
                : CommandLine.defaultFactory().create(type);
          }
        };
    CommandLine cli = Lgr.commandLine(factory);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("init", "--config", config().toString()));
    all.addAll(List.of(args));
    return cli.execute(all.toArray(String[]::new));
  }

  private Path config() {
    return dir.resolve("lgr.yaml");
  }

  /** What the terminal showed, without colours and cursor movements. */
  private String screen() {
    return screen
        .toString(StandardCharsets.UTF_8)
        .replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "")
        .replaceAll("\u001B[=>]", "")
        .replace("\r", "");
  }

  private static String keys(String... answers) {
    return String.join(ENTER, answers) + ENTER;
  }

  @Test
  void init_allDefaultsAccepted_writesTheFileDeployReads() throws Exception {
    env.put("GH_TOKEN", TOKEN);
    // profile, region, credential, repositories, labels, memory, timeout, /tmp, arch, retention
    int exit = init(keys("", "", "", "octo/app", "", "", "", "", "", ""));

    assertThat(exit).as(err + screen()).isZero();
    assertThat(screen())
        .contains("AWS profile [default]: ")
        .contains("AWS region [us-east-1]: ")
        .contains("env     GH_TOKEN is set")
        .contains("GitHub credential [env]: ")
        .contains("Runner labels [self-hosted,lambda]: ")
        .contains("Runner memory in MB (512-10240) [2048]: ")
        .contains("Runner timeout in seconds (360-900) [900]: ")
        .contains("Runner /tmp size in MB (512-10240) [10240]: ")
        .contains("Architecture [x86_64]: ")
        .contains("Log retention in days [14]: ");
    assertThat(err.toString())
        .contains("Wrote " + config() + " (no secret in it).")
        .contains("Next: lgr deploy --config " + config());
    assertThat(Files.readString(config()))
        .isEqualTo(
            """
            # lgr's settings, written by `lgr init` and read by `lgr deploy` (flags win).
            # No secret here: the GitHub token stays where github.credential says.
            aws:
              profile: default
              region: us-east-1
            github:
              credential: env
            repositories:
              - octo/app
            labels:
              - self-hosted
              - lambda
            runner:
              memory: 2048
              timeout: 900
              ephemeralStorage: 10240
              architecture: x86_64
            logRetentionDays: 14
            """);
    DeploySettings read = Deploy.settingsOf(LgrConfig.read(config()), env).validate();
    assertThat(read.stackName()).isEqualTo("lgr");
    assertThat(read.repositories()).containsExactly("octo/app");
    assertThat(read.organization()).isNull();
    assertThat(read.labels()).containsExactly("self-hosted", "lambda");
    assertThat(read.runnerMemoryMb()).isEqualTo(2048);
    assertThat(read.runnerTimeoutSeconds()).isEqualTo(900);
    assertThat(read.ephemeralStorageMb()).isEqualTo(10240);
    assertThat(read.architecture()).isEqualTo("x86_64");
    assertThat(read.logRetentionDays()).isEqualTo(14);
    assertThat(read.githubApi()).isEqualTo(github.baseUrl());
    assertThat(screen() + err).doesNotContain(TOKEN);
    assertThat(github.violations()).isEmpty();
    assertThat(screen.toString(StandardCharsets.UTF_8))
        .as("questions in bold on a colour terminal")
        .contains("\u001B[1mAWS profile");
  }

  @Test
  void init_wrongAnswers_areAskedAgainWithTheReason_thenTheRightOnesAreWritten() throws Exception {
    env.put("GH_TOKEN", TOKEN);
    int exit =
        init(
            keys(
                "nope", // no such profile
                "prod",
                "", // prod's region: eu-west-1
                "vault", // no such credential source
                "",
                "not-a-repo",
                "octo/missing", // GitHub: not found
                "octo/docs", // GitHub: the account is not an administrator
                "octo/app, octo/api",
                "self-hosted,bad label",
                "self-hosted,lambda,arm",
                "64",
                "lots",
                "4096",
                "901",
                "600",
                "",
                "sparc",
                "arm64",
                "13",
                "30"));

    assertThat(exit).as(err + screen()).isZero();
    assertThat(screen())
        .contains("no profile 'nope' in the AWS config files (there: [default, prod])")
        .contains("AWS region [eu-west-1]: ")
        .contains("one of env, gh, secret, not vault")
        .contains("'not-a-repo' is not owner/name")
        .contains("Repository octo/missing was not found, or the GitHub token cannot see it")
        .contains("The GitHub token's account is not an administrator of octo/docs")
        .contains("invalid label 'bad label'")
        .contains("between 512 and 10240 MB, not 64")
        .contains("'lots' is not a whole number")
        .contains("between 360 and 900 s, not 901")
        .contains("x86_64 or arm64, not sparc")
        .contains("one of CloudWatch's periods [1, 3, 5, 7, 14, 30")
        .contains("not 13\nLog retention in days [14]: 30");
    DeploySettings read = Deploy.settingsOf(LgrConfig.read(config()), env).validate();
    assertThat(read.repositories()).containsExactly("octo/app", "octo/api");
    assertThat(read.labels()).containsExactly("self-hosted", "lambda", "arm");
    assertThat(read.runnerMemoryMb()).isEqualTo(4096);
    assertThat(read.runnerTimeoutSeconds()).isEqualTo(600);
    assertThat(read.architecture()).isEqualTo("arm64");
    assertThat(read.logRetentionDays()).isEqualTo(30);
    LgrConfig file = LgrConfig.read(config());
    assertThat(file.aws()).isEqualTo(new LgrConfig.Aws("prod", "eu-west-1"));
  }

  @Test
  void init_ctrlCMidway_leavesTheOldFileByteForByte_andNoTemporaryFile() throws Exception {
    env.put("GH_TOKEN", TOKEN);
    byte[] before =
        "# mine\nrepositories: [octo/app]\nrunner: {memory: 3008, concurrency: 20}\n"
            .getBytes(StandardCharsets.UTF_8);
    Files.write(config(), before);

    int exit = init(keys("", "", "", "octo/api", "") + "40" + CTRL_C);

    assertThat(exit).as(err + screen()).isEqualTo(ExitCode.INTERRUPTED);
    assertThat(err.toString()).contains("Cancelled: " + config() + " is unchanged.");
    assertThat(screen()).contains("Runner memory in MB (512-10240) [3008]: 40");
    assertThat(Files.readAllBytes(config())).isEqualTo(before);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(config());
    }
  }

  @Test
  void init_ctrlCWithNoFile_writesNone_andNoColourUnderNoColor() throws Exception {
    env.put("GH_TOKEN", TOKEN);
    env.put("NO_COLOR", "1");

    int exit = init(keys("", "") + CTRL_C);

    assertThat(exit).isEqualTo(ExitCode.INTERRUPTED);
    assertThat(err.toString()).contains("was not written");
    assertThat(screen.toString(StandardCharsets.UTF_8))
        .contains("AWS region [us-east-1]: ")
        .doesNotContain("\u001B[1m");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void init_rerun_offersTheCurrentFileAsDefaults_andKeepsWhatItDoesNotAsk() throws Exception {
    env.put("GH_TOKEN", TOKEN);
    Files.writeString(
        config(),
        "stack: mine\naws: {region: eu-west-1}\nrepositories: [octo/api]\n"
            + "runner: {memory: 3008, concurrency: 20, architecture: arm64}\nplaceholder: false\n");

    int exit = init(keys("", "", "", "", "", "", "", "", "", ""));

    assertThat(exit).as(err + screen()).isZero();
    assertThat(screen())
        .contains("AWS region [eu-west-1]: ")
        .contains(
            "Repositories (owner/name, comma-separated; empty for an organization) [octo/api]")
        .contains("[3008]")
        .contains("Architecture [arm64]");
    LgrConfig file = LgrConfig.read(config());
    assertThat(file.stack()).isEqualTo("mine");
    assertThat(file.runner().concurrency()).isEqualTo(20);
    assertThat(file.runner().memory()).isEqualTo(3008);
    assertThat(file.placeholder()).isFalse();
    assertThat(file.repositories()).containsExactly("octo/api");
  }

  @Test
  void init_tabCompletesFromTheList() throws Exception {
    env.put("GH_TOKEN", TOKEN);
    // "pr<Tab>" completes the profile; "arm<Tab>" the architecture; "36<Tab>" the retention.
    int exit =
        init(
            keys("pr" + TAB, "", "", "octo/app", "", "", "", "", "ar" + TAB, "36" + TAB),
            "--verbose");

    assertThat(exit).as(err + screen()).isZero();
    LgrConfig file = LgrConfig.read(config());
    assertThat(file.aws().profile()).isEqualTo("prod");
    assertThat(file.runner().architecture()).isEqualTo("arm64");
    assertThat(file.logRetentionDays()).isEqualTo(365);
    assertThat(screen()).as("--verbose shows the checks").contains("can administer octo/app");
  }

  @Test
  void init_typedToken_isMasked_storedInSecretsManagerOnly_andDeployFindsIt() throws Exception {
    String stack = MotoServer.unique("lgr");
    // No GH_TOKEN and no gh: typing the token is what is left.
    int exit =
        init(
            keys("", "", "", "bad token", TYPED_TOKEN, "octo/app", "", "", "", "", "", ""),
            "--stack",
            stack);

    assertThat(exit).as(err + screen()).isZero();
    assertThat(screen())
        .contains("secret  type a token, kept in Secrets Manager only")
        .contains("GitHub credential [secret]: ")
        .contains("a token has no spaces")
        .doesNotContain(TYPED_TOKEN)
        .contains("*".repeat(TYPED_TOKEN.length()));
    String name = "lgr/" + stack + "/github-credential";
    assertThat(secrets.getSecretValue(b -> b.secretId(name)).secretString()).isEqualTo(TYPED_TOKEN);
    assertThat(err.toString())
        .contains("Stored the GitHub token in Secrets Manager (us-east-1): " + name);
    String written = Files.readString(config());
    assertThat(written).contains("credential: secret").doesNotContain(TYPED_TOKEN);
    assertThat(err.toString()).doesNotContain(TYPED_TOKEN);

    // What deploy does with it: reads the token from that secret (and nothing else).
    GitHubOptions options = new GitHubOptions();
    AwsOptions aws = new AwsOptions();
    new CommandLine(options);
    LgrConfig file = LgrConfig.read(config());
    aws.applyDefaults(file.aws().profile(), file.aws().region());
    assertThat(options.token(Map.of(), file, aws, stack)).isEqualTo(TYPED_TOKEN);

    // A second run keeps the stored token when the answer is empty.
    screen.reset();
    int again = init(keys("", "", "", "", "", "", "", "", "", "", ""), "--stack", stack);
    assertThat(again).as(err + screen()).isZero();
    assertThat(screen()).contains("[keep the stored one]");
    assertThat(secrets.getSecretValue(b -> b.secretId(name)).secretString()).isEqualTo(TYPED_TOKEN);
  }

  @Test
  void init_yesWithFlags_asksNothing_andStoresATokenFileInSecretsManager() throws Exception {
    String stack = MotoServer.unique("lgr");
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TYPED_TOKEN + "\n");

    int exit =
        init(
            "",
            "--yes",
            "--stack",
            stack,
            "--region",
            "us-east-1",
            "--org",
            "octo",
            "--github-token-file",
            tokenFile.toString(),
            "--labels",
            "self-hosted,lambda,big",
            "--memory",
            "8192",
            "--arch",
            "arm64",
            "--log-retention",
            "7");

    assertThat(exit).as(err.toString()).isZero();
    assertThat(screen()).isEmpty();
    LgrConfig file = LgrConfig.read(config());
    assertThat(file.organization()).isEqualTo("octo");
    assertThat(file.repositories()).isNull();
    assertThat(file.github().credential()).isEqualTo("secret");
    DeploySettings read = Deploy.settingsOf(file, env).validate();
    assertThat(read.labels()).containsExactly("self-hosted", "lambda", "big");
    assertThat(read.runnerMemoryMb()).isEqualTo(8192);
    assertThat(read.architecture()).isEqualTo("arm64");
    assertThat(read.logRetentionDays()).isEqualTo(7);
    assertThat(
            secrets
                .getSecretValue(b -> b.secretId("lgr/" + stack + "/github-credential"))
                .secretString())
        .isEqualTo(TYPED_TOKEN);
    Files.delete(tokenFile);
  }

  @Test
  void init_secretsManagerUnreachable_exits1_andWritesNothing() throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token"), TYPED_TOKEN);
    String moto = System.getProperty("aws.endpointUrl");
    System.setProperty("aws.endpointUrl", "http://127.0.0.1:9"); // nothing listens there
    try {
      int exit =
          init(
              null,
              "--region",
              "us-east-1",
              "--repo",
              "octo/app",
              "--github-token-file",
              tokenFile.toString());

      assertThat(exit).as(err.toString()).isEqualTo(ExitCode.REMOTE_FAILURE);
      assertThat(err.toString())
          .contains("Error: cannot store the GitHub token in Secrets Manager")
          .contains(config() + " was not written")
          .doesNotContain(TYPED_TOKEN);
      assertThat(config()).doesNotExist();
    } finally {
      System.setProperty("aws.endpointUrl", moto);
      Files.delete(tokenFile);
    }
  }

  @Test
  void init_noTerminal_missingRepository_exits3NamingTheFlags() {
    env.put("GH_TOKEN", TOKEN);

    int exit = init(null, "--region", "us-east-1");

    assertThat(exit).isEqualTo(ExitCode.WRONG_STATE);
    assertThat(err.toString())
        .contains("Error: the repositories or organization are needed")
        .contains("pass --repo OWNER/NAME or --org NAME");
    assertThat(config()).doesNotExist();
  }

  @Test
  void init_noTerminal_badFlag_exits2NamingIt_andARepositoryItCannotAdminister_exits3() {
    env.put("GH_TOKEN", TOKEN);

    assertThat(init(null, "--region", "us-east-1", "--repo", "octo/app", "--memory", "64"))
        .isEqualTo(ExitCode.USAGE);
    assertThat(err.toString()).contains("Error: --memory: between 512 and 10240 MB, not 64");

    assertThat(init(null, "--region", "us-east-1", "--repo", "octo/docs"))
        .as(err.toString())
        .isEqualTo(ExitCode.WRONG_STATE);
    assertThat(err.toString()).contains("not an administrator of octo/docs");
    assertThat(config()).doesNotExist();
  }

  @Test
  void help_hasADescriptionDefaultsAndExamples() {
    assertThat(init(null, "--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: lgr init")
        .contains("--github-credential")
        .containsPattern("\\(default:\\s+2048\\)")
        .contains("Examples:")
        .contains("lgr init --yes --repo octo/app");
  }

  // ---- as the installed jar, without a terminal ---------------------------------------------

  record Run(int exit, String out, String err) {}

  private Run jar(String... args) throws IOException, InterruptedException {
    return jarWithToken(TOKEN, args);
  }

  /** Runs the installed jar with {@code GH_TOKEN} set to {@code token} (null: unset). */
  private Run jarWithToken(String token, String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("lgr.jar", "target/lgr.jar")));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    Map<String, String> processEnv = builder.environment();
    processEnv
        .keySet()
        .removeIf(k -> k.startsWith("AWS_") || k.startsWith("GH_") || k.startsWith("GITHUB_"));
    processEnv.put("HOME", dir.toString());
    processEnv.put("AWS_CONFIG_FILE", awsFolder.resolve("config").toString());
    processEnv.put("GITHUB_API_URL", github.baseUrl().toString());
    processEnv.put("AWS_ENDPOINT_URL", MotoServer.endpoint().toString());
    processEnv.put("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY);
    processEnv.put("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY);
    if (token != null) {
      processEnv.put("GH_TOKEN", token);
    }
    Path outFile = Files.createTempFile("lgr-init-out", ".txt");
    Path errFile = Files.createTempFile("lgr-init-err", ".txt");
    try {
      Process process =
          builder
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(outFile.toFile())
              .redirectError(errFile.toFile())
              .start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("lgr init did not finish: " + Files.readString(errFile));
      }
      return new Run(process.exitValue(), Files.readString(outFile), Files.readString(errFile));
    } finally {
      Files.delete(outFile);
      Files.delete(errFile);
    }
  }

  @Test
  void jar_withoutTerminal_yesAndFlags_writesTheFile_andWithoutARepositoryExits3()
      throws Exception {
    Run missing = jar("init");
    assertThat(missing.exit()).as(missing.err()).isEqualTo(3);
    assertThat(missing.err()).contains("pass --repo OWNER/NAME or --org NAME");
    assertThat(dir.resolve("lgr.yaml")).doesNotExist();

    Run done = jar("init", "--yes", "--repo", "octo/app", "--timeout", "600");
    assertThat(done.exit()).as(done.err()).isZero();
    assertThat(done.err()).contains("Wrote lgr.yaml").contains("Next: lgr deploy");
    LgrConfig file = LgrConfig.read(dir.resolve("lgr.yaml"));
    assertThat(file.aws()).isEqualTo(new LgrConfig.Aws("default", "us-east-1"));
    assertThat(file.github()).isEqualTo(new LgrConfig.GitHub(null, "env"));
    assertThat(Deploy.settingsOf(file, Map.of()).runnerTimeoutSeconds()).isEqualTo(600);
    assertThat(done.err()).doesNotContain(TOKEN);
  }

  @Test
  void jar_initWithATokenFile_thenDeployWithNoTokenAnywhere_usesTheStoredToken() throws Exception {
    String stack = MotoServer.unique("lgr");
    Path tokenFile = Files.writeString(dir.resolve("token"), TYPED_TOKEN);
    Run init =
        jarWithToken(
            null,
            "init",
            "--yes",
            "--repo",
            "octo/api",
            "--stack",
            stack,
            "--github-token-file",
            tokenFile.toString());
    assertThat(init.exit()).as(init.err()).isZero();
    Files.delete(tokenFile);

    Run deploy =
        jarWithToken(
            null,
            "deploy",
            "--yes",
            "--no-placeholder",
            "--image",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/lgr-runner@sha256:"
                + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    assertThat(deploy.exit()).as(deploy.err()).isZero();
    assertThat(deploy.err()).contains("Deploying stack " + stack).contains("Ready:");
    String webhookUrl = deploy.out().strip();
    assertThat(github.hooks("octo/api")).anyMatch(h -> h.url().equals(webhookUrl));
    assertThat(init.err() + deploy.err() + deploy.out()).doesNotContain(TYPED_TOKEN);
    jarWithToken(null, "destroy", "--yes");
  }
}
