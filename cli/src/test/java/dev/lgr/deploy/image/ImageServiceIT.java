package dev.lgr.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.lgr.testing.MotoServer;
import dev.lgr.testing.RegistryServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.ecr.EcrClient;

/**
 * The image service against real stand-ins: the CNCF registry (TLS, basic auth with a login from
 * moto's ECR), a stand-in Lambda base image pushed there first, and GitHub's release downloads and
 * API served on loopback with a stand-in runner archive.
 */
class ImageServiceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VERSION = "2.338.0";

  @TempDir static Path work;
  private static RegistryServer registry;
  private static ReleaseServer github;
  private static RegistryCredentials credentials;
  private static String base;
  private static String sha256;

  @TempDir Path cache;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start();
    EcrLogin login;
    try (EcrClient ecr =
        EcrClient.builder()
            .region(MotoServer.REGION)
            .credentialsProvider(MotoServer.credentials())
            .endpointOverride(MotoServer.endpoint())
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .build()) {
      login = EcrLogin.of(ecr);
    }
    assertThat(login.credential().getUsername()).isEqualTo(RegistryServer.USER);
    assertThat(login.credential().getPassword()).isEqualTo(RegistryServer.PASSWORD);
    credentials = login.forRegistry(registry.host());
    base = TestImages.pushBase(registry, "lambda-java-standin", work.resolve("base"));
    github = new ReleaseServer();
    byte[] archive = StandInRunnerArchive.bytes("one");
    sha256 = StandInRunnerArchive.sha256(archive);
    for (Arch arch : Arch.values()) {
      github.serve(VERSION, release(sha256).archiveName(arch), archive);
    }
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

  private static RunnerRelease release(String sum) {
    return new RunnerRelease(
        VERSION, Map.of(Arch.AMD64, sum, Arch.ARM64, sum), "the test manifest");
  }

  private static ImageService service(Path cache, RunnerRelease bundled) {
    return new ImageService(
        new RunnerReleases(
            github.api(), github.downloads(), null, cache.resolve("runner"), bundled),
        cache,
        "test");
  }

  private static FunctionJars jars(String function) throws Exception {
    Path folder = work.resolve("jars");
    return new FunctionJars(
        List.of(
            TestImages.jar(folder.resolve("library-a-1.0.jar"), "library a"),
            TestImages.jar(folder.resolve("library-b-2.0.jar"), "library b")),
        TestImages.jar(folder.resolve(function).resolve("lambda-handlers-test.jar"), function));
  }

  private static ImageBuildRequest request(String repository, FunctionJars jars) throws Exception {
    return request(repository, jars, base, null, Arch.AMD64);
  }

  private static ImageBuildRequest request(
      String repository, FunctionJars jars, String baseImage, String version, Arch arch)
      throws Exception {
    return new ImageBuildRequest(
        arch,
        baseImage,
        new ImageTarget.Registry(ImageReference.parse(registry.host() + "/" + repository)),
        version,
        jars,
        credentials);
  }

  @Test
  void build_pushesALambdaImage_withTheRunnerTheFunctionAndTheHandler() throws Exception {
    List<String> steps = new ArrayList<>();
    ImageBuildResult result =
        service(cache, release(sha256))
            .build(
                request("lgr-runner", null),
                new BuildListener() {
                  @Override
                  public void step(String message) {
                    steps.add(message);
                  }
                });

    assertThat(registry.tags("lgr-runner")).containsExactly("runner-2.338.0-amd64");
    assertThat(result.referenceByDigest())
        .isEqualTo(registry.host() + "/lgr-runner@" + result.digest());
    assertThat(steps).anyMatch(s -> s.startsWith("Downloading " + github.downloads()));

    JsonNode manifest = JSON.readTree(registry.blob(result.digest()));
    JsonNode config = JSON.readTree(registry.blob(manifest.get("config").get("digest").asText()));
    assertThat(config.get("architecture").asText()).isEqualTo("amd64");
    assertThat(config.get("config").get("Entrypoint").toString())
        .isEqualTo("[\"/lambda-entrypoint.sh\"]");
    assertThat(config.get("config").get("Cmd").toString())
        .isEqualTo("[\"dev.lgr.lambda.runner.RunnerFunction::handleRequest\"]");
    assertThat(config.get("config").get("Env").toString())
        .contains("LAMBDA_TASK_ROOT=/var/task")
        .contains("LGR_RUNNER_DIR=/opt/actions-runner");
    assertThat(config.get("config").get("WorkingDir").asText()).isEqualTo("/var/task");
    assertThat(config.get("created").asText()).startsWith("1970-01-01T00:00:00");

    JsonNode layers = manifest.get("layers");
    assertThat(layers).hasSize(5);
    Map<String, TarArchiveEntry> runner = entries(layers.get(1));
    assertThat(runner.get("opt/actions-runner/run.sh").getMode() & 0777).isEqualTo(0755);
    assertThat(runner.get("opt/actions-runner/bin/Runner.Listener").getMode() & 0777)
        .isEqualTo(0755);
    assertThat(runner.get("opt/actions-runner/bin/Runner.Listener.dll").getMode() & 0777)
        .isEqualTo(0644);
    assertThat(runner.get("opt/actions-runner/bin/runner.json").getMode() & 0777)
        .as("group-writable in the archive, readable by all in the image")
        .isEqualTo(0664);
    assertThat(runner.get("opt/actions-runner/externals/node20/bin/npm").isFile())
        .as("a link becomes a copy of its target")
        .isTrue();
    assertThat(runner.keySet())
        .allMatch(name -> name.equals("opt") || name.startsWith("opt/actions-runner"));

    Set<String> libraries = entries(layers.get(2)).keySet();
    assertThat(libraries)
        .anyMatch(name -> name.matches("var/task/lib/sqs-[0-9.]+\\.jar"))
        .anyMatch(name -> name.matches("var/task/lib/aws-lambda-java-core-[0-9.]+\\.jar"))
        .noneMatch(name -> name.contains("lambda-handlers"))
        .noneMatch(name -> name.contains("jib") || name.contains("picocli"));
    assertThat(entries(layers.get(3)).keySet())
        .anyMatch(name -> name.matches("var/task/lib/lambda-handlers-.*\\.jar"));
    Map<String, TarArchiveEntry> files = entries(layers.get(4));
    assertThat(files).containsKeys("opt/lgr/README.md", "opt/lgr/image.properties");
  }

  @Test
  void sameInputs_giveTheSameDigest_andAnUnchangedRebuildPushesNothing(@TempDir Path otherCache)
      throws Exception {
    FunctionJars jars = jars("one");
    ImageBuildResult first =
        service(cache, release(sha256)).build(request("same", jars), BuildListener.silent());
    Set<String> stored = registry.blobs();
    assertThat(first.layersPushed()).isEqualTo(5);

    ImageBuildResult fresh =
        service(otherCache, release(sha256)).build(request("same", jars), BuildListener.silent());
    ImageBuildResult again =
        service(cache, release(sha256)).build(request("same", jars), BuildListener.silent());

    assertThat(fresh.digest()).as("a fresh cache builds the same image").isEqualTo(first.digest());
    assertThat(again.digest()).isEqualTo(first.digest());
    assertThat(again.layersPushed()).isZero();
    assertThat(again.bytesPushed()).isZero();
    assertThat(again.layersPresent()).isEqualTo(5);
    assertThat(fresh.layersPushed()).isZero();
    assertThat(registry.blobs()).isEqualTo(stored);
  }

  @Test
  void aChangedFunctionJar_pushesOneSmallLayer() throws Exception {
    ImageService service = service(cache, release(sha256));
    ImageBuildResult first = service.build(request("changed", jars("one")), BuildListener.silent());
    Set<String> before = registry.blobs();

    ImageBuildResult second =
        service.build(request("changed", jars("two")), BuildListener.silent());

    assertThat(second.digest()).isNotEqualTo(first.digest());
    assertThat(second.layersPushed()).isEqualTo(1);
    assertThat(second.layersPresent()).isEqualTo(4);
    assertThat(second.bytesPushed()).isBetween(1L, 2_000L);
    Set<String> added = new HashSet<>(registry.blobs());
    added.removeAll(before);
    assertThat(added)
        .as("the function layer, the configuration and the manifest")
        .hasSize(3)
        .contains(second.digest(), second.imageId());
  }

  @Test
  void anArchiveThatFailsItsChecksum_isRefused_andNothingIsPushed() throws Exception {
    Set<String> before = registry.blobs();
    String published = "0".repeat(64);

    assertThatThrownBy(
            () ->
                service(cache, release(published))
                    .build(request("tampered", jars("one")), BuildListener.silent()))
        .isInstanceOfSatisfying(
            ImageBuildException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageBuildException.Kind.INTEGRITY))
        .hasMessage(
            "the runner archive from "
                + github.downloads()
                + "/v2.338.0/actions-runner-linux-x64-2.338.0.tar.gz has SHA-256 "
                + sha256
                + ", but the test manifest publishes "
                + published
                + "; refusing to use it (nothing was built or pushed)");

    assertThat(registry.blobs()).isEqualTo(before);
    assertThat(registry.tags("tampered")).isEmpty();
    try (var left = Files.list(cache.resolve("runner"))) {
      assertThat(left).as("no archive kept").isEmpty();
    }
  }

  @Test
  void anUnreachableBaseImage_failsClearly_andNothingIsPushed() throws Exception {
    Set<String> before = registry.blobs();
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String unreachable = "127.0.0.1:" + closed + "/lambda/java:21";

    assertThatThrownBy(
            () ->
                service(cache, release(sha256))
                    .build(
                        request("unreachable", jars("one"), unreachable, null, Arch.AMD64),
                        BuildListener.silent()))
        .isInstanceOfSatisfying(
            ImageBuildException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageBuildException.Kind.REMOTE))
        .hasMessageStartingWith(
            "cannot read the base image " + unreachable + " (nothing was pushed): cannot connect");

    assertThat(registry.blobs()).isEqualTo(before);
    assertThat(registry.tags("unreachable")).isEmpty();
  }

  @Test
  void aBaseImageThatDoesNotExist_failsClearly_andNothingIsPushed() throws Exception {
    Set<String> before = registry.blobs();
    String missing = registry.host() + "/lambda-java-standin:no-such-tag";

    assertThatThrownBy(
            () ->
                service(cache, release(sha256))
                    .build(
                        request("missing-base", jars("one"), missing, null, Arch.AMD64),
                        BuildListener.silent()))
        .isInstanceOfSatisfying(
            ImageBuildException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageBuildException.Kind.INPUT))
        .hasMessage(
            "the base image "
                + missing
                + " does not exist (the registry has no such tag or digest); nothing was pushed");

    assertThat(registry.blobs()).isEqualTo(before);
  }

  @Test
  void aCachedArchive_isCheckedBeforeUse_andDownloadedAgainWhenItChanged() throws Exception {
    ImageService service = service(cache, release(sha256));
    service.build(request("recheck", jars("one")), BuildListener.silent());
    int downloads = github.downloadCount();
    service.build(request("recheck", jars("one")), BuildListener.silent());
    assertThat(github.downloadCount()).as("a good cached archive is used").isEqualTo(downloads);

    Path cached = cache.resolve("runner/actions-runner-linux-x64-2.338.0.tar.gz");
    Files.writeString(cached, "tampered");
    ImageBuildResult result =
        service.build(request("recheck", jars("one")), BuildListener.silent());

    assertThat(github.downloadCount()).isEqualTo(downloads + 1);
    assertThat(RunnerReleases.sha256(cached)).isEqualTo(sha256);
    assertThat(result.layersPushed()).isZero();
  }

  @Test
  void latest_takesTheNewestReleaseAndItsPublishedChecksum_forArm64() throws Exception {
    byte[] archive = StandInRunnerArchive.bytes("newer");
    String sum = StandInRunnerArchive.sha256(archive);
    github.serve("2.400.0", "actions-runner-linux-arm64-2.400.0.tar.gz", archive);
    github.publish("2.400.0", Map.of("x64", "1".repeat(64), "arm64", sum), true);

    ImageBuildResult result =
        service(cache, release(sha256))
            .build(
                request("latest", jars("one"), base, "latest", Arch.ARM64), BuildListener.silent());

    assertThat(result.runner().version()).isEqualTo("2.400.0");
    assertThat(registry.tags("latest")).containsExactly("runner-2.400.0-arm64");
    JsonNode manifest = JSON.readTree(registry.blob(result.digest()));
    JsonNode config = JSON.readTree(registry.blob(manifest.get("config").get("digest").asText()));
    assertThat(config.get("architecture").asText()).isEqualTo("arm64");
    assertThat(github.requests()).contains("GET /api/repos/actions/runner/releases/latest");
  }

  @Test
  void aReleaseWithoutAChecksumForTheArchitecture_isRefused() throws Exception {
    github.publish("2.401.0", Map.of("x64", "2".repeat(64)), false);

    assertThatThrownBy(
            () ->
                service(cache, release(sha256))
                    .build(
                        request("unchecked", jars("one"), base, "2.401.0", Arch.ARM64),
                        BuildListener.silent()))
        .isInstanceOfSatisfying(
            ImageBuildException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageBuildException.Kind.STATE))
        .hasMessage(
            "no published SHA-256 for actions-runner-linux-arm64-2.401.0.tar.gz in GitHub's"
                + " release v2.401.0; lgr does not install an unchecked runner archive");
  }

  @Test
  void githubsOwnReleaseExample_isNotARunnerGitHubStillRegisters() throws Exception {
    try (ReleaseServer example = new ReleaseServer()) {
      example.publishExampleAsLatest();
      RunnerReleases releases =
          new RunnerReleases(
              example.api(), example.downloads(), null, cache.resolve("runner"), release(sha256));

      assertThatThrownBy(() -> releases.resolve("latest"))
          .isInstanceOf(ImageBuildException.class)
          .hasMessage(
              "the GitHub runner 1.0.0 is too old: GitHub registers runners from 2.329.0 on");
    }
  }

  @Test
  void tar_writesALoadableImage_withTheSameDigestAsThePush() throws Exception {
    FunctionJars jars = jars("one");
    ImageBuildResult pushed =
        service(cache, release(sha256)).build(request("tar-twin", jars), BuildListener.silent());
    Path tar = cache.resolve("runner.tar");

    ImageBuildResult written =
        service(cache, release(sha256))
            .build(
                new ImageBuildRequest(
                    Arch.AMD64,
                    base,
                    new ImageTarget.Tar(tar, ImageReference.parse("lgr-runner")),
                    null,
                    jars,
                    credentials),
                BuildListener.silent());

    assertThat(written.image().toString()).isEqualTo("lgr-runner:runner-2.338.0-amd64");
    assertThat(written.imageId()).isEqualTo(pushed.imageId());
    assertThat(written.layersPushed()).isZero();
    Map<String, TarArchiveEntry> contents = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
      for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
        contents.put(entry.getName(), entry);
      }
    }
    assertThat(contents).containsKey("manifest.json");
  }

  private static Map<String, TarArchiveEntry> entries(JsonNode layer) throws IOException {
    Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    byte[] blob = registry.blob(layer.get("digest").asText());
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(blob)))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        String name = entry.getName();
        entries.put(name.endsWith("/") ? name.substring(0, name.length() - 1) : name, entry);
      }
    }
    return entries;
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
