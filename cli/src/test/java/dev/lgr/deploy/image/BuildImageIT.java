package dev.lgr.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.testing.MotoServer;
import dev.lgr.testing.RegistryServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lgr build-image} as a user runs it: the installed jar (its bundled function jars, no
 * Maven), a login from moto's ECR, the registry stand-in, GitHub's side on loopback.
 */
class BuildImageIT {
  private static final String VERSION = "2.400.0";

  @TempDir static Path work;
  private static RegistryServer registry;
  private static ReleaseServer github;
  private static String base;

  @TempDir Path home;

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start();
    base = TestImages.pushBase(registry, "lambda-java-standin", work.resolve("base"));
    github = new ReleaseServer();
    byte[] archive = StandInRunnerArchive.bytes("cli");
    String sum = StandInRunnerArchive.sha256(archive);
    github.serve(VERSION, "actions-runner-linux-x64-" + VERSION + ".tar.gz", archive);
    github.publish(VERSION, Map.of("x64", sum, "arm64", sum), true);
    // lgr's own release, served with the stand-in's bytes: they cannot match its real checksum.
    String bundled = RunnerRelease.bundled().version();
    github.serve(bundled, "actions-runner-linux-x64-" + bundled + ".tar.gz", archive);
  }

  @AfterAll
  static void stop() {
    if (github != null) {
      github.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  private Result lgr(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(RegistryServer.trustStoreOptions());
    command.add("-jar");
    command.add(System.getProperty("lgr.jar", "target/lgr.jar"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.keySet()
        .removeIf(
            name ->
                name.startsWith("AWS_")
                    || name.startsWith("LGR_")
                    || name.startsWith("GITHUB_")
                    || name.equals("GH_TOKEN")
                    || name.equals("XDG_CACHE_HOME"));
    env.put("HOME", home.toString());
    env.put("AWS_ENDPOINT_URL", MotoServer.endpoint().toString());
    env.put("AWS_REGION", MotoServer.REGION.id());
    env.put("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY);
    env.put("GITHUB_API_URL", github.api().toString());
    env.put("LGR_RUNNER_DOWNLOAD_URL", github.downloads().toString());
    Path stdout = Files.createTempFile(home, "out", ".txt");
    Path stderr = Files.createTempFile(home, "err", ".txt");
    Process process =
        builder
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
    return new Result(
        process.exitValue(),
        Files.readString(stdout, StandardCharsets.UTF_8),
        Files.readString(stderr, StandardCharsets.UTF_8));
  }

  @Test
  void push_printsOnlyTheImagePinnedByDigest_andARebuildPushesNothing() throws Exception {
    String[] args = {
      "build-image",
      "--to",
      registry.host() + "/cli-runner",
      "--registry-auth",
      "ecr",
      "--base-image",
      base,
      "--runner-version",
      VERSION
    };

    Result first = lgr(args);

    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out())
        .matches(
            java.util.regex.Pattern.quote(registry.host()) + "/cli-runner@sha256:[0-9a-f]{64}\\R");
    assertThat(first.err())
        .contains("Building the lgr runner image for linux/amd64 (GitHub runner " + VERSION + ")")
        .contains("Downloading " + github.downloads() + "/v" + VERSION + "/")
        .contains("Pushed 5 layers")
        .doesNotContain(RegistryServer.PASSWORD);
    assertThat(registry.tags("cli-runner")).containsExactly("runner-" + VERSION + "-amd64");
    assertThat(home.resolve(".cache/lgr/runner/actions-runner-linux-x64-" + VERSION + ".tar.gz"))
        .as("cached under ~/.cache/lgr")
        .exists();

    Result again = lgr(args);

    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).isEqualTo(first.out());
    assertThat(again.err()).contains("Pushed 0 layers (0.0 MB); 5 already in the registry");
  }

  @Test
  void theBundledRelease_withAnArchiveThatIsNotGitHubs_isRefused() throws Exception {
    RunnerRelease bundled = RunnerRelease.bundled();

    Result result =
        lgr(
            "build-image",
            "--to",
            registry.host() + "/refused",
            "--registry-auth",
            "ecr",
            "--base-image",
            base);

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .contains(
            "Error: the runner archive from "
                + github.downloads()
                + "/v"
                + bundled.version()
                + "/"
                + bundled.archiveName(Arch.AMD64)
                + " has SHA-256 ")
        .contains(
            "but lgr's runner release manifest publishes "
                + bundled.checksum(Arch.AMD64)
                + "; refusing to use it (nothing was built or pushed)");
    assertThat(registry.tags("refused")).isEmpty();
  }

  @Test
  void tar_printsTheDigest_andWritesTheFile_withTheLatestRunner() throws Exception {
    Path tar = home.resolve("runner.tar");

    Result result =
        lgr(
            "build-image",
            "--tar",
            tar.toString(),
            "--base-image",
            base,
            "--registry-auth",
            "ecr",
            "--runner-version",
            "latest",
            "--progress",
            "plain");

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.out()).matches("sha256:[0-9a-f]{64}\\R");
    assertThat(result.err())
        .contains("Looking up the GitHub runner latest")
        .contains("Wrote lgr-runner:runner-" + VERSION + "-amd64 to " + tar);
    assertThat(tar).isNotEmptyFile();
  }

  @Test
  void aBaseImageTheRegistryWillNotServeAnonymously_failsWithItsName() throws Exception {
    Result result =
        lgr(
            "build-image",
            "--tar",
            home.resolve("runner.tar").toString(),
            "--base-image",
            base,
            "--registry-auth",
            "none",
            "--runner-version",
            VERSION);

    assertThat(result.exit()).as(result.err()).isEqualTo(1);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .contains("Error: cannot read the base image " + base + " (nothing was pushed): ");
  }
}
