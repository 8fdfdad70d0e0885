package dev.lgr.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class RunnerReleaseTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void bundled_isARunnerGitHubRegisters_withAChecksumForEachArchitecture() {
    RunnerRelease release = RunnerRelease.bundled();

    assertThat(release.isSupported()).isTrue();
    assertThat(RunnerRelease.compareVersions(release.version(), "2.329.0")).isPositive();
    assertThat(release.checksum(Arch.AMD64)).matches("[0-9a-f]{64}");
    assertThat(release.checksum(Arch.ARM64)).matches("[0-9a-f]{64}");
    assertThat(release.checksum(Arch.AMD64)).isNotEqualTo(release.checksum(Arch.ARM64));
    assertThat(release.archiveName(Arch.ARM64))
        .isEqualTo("actions-runner-linux-arm64-" + release.version() + ".tar.gz");
  }

  @Test
  void anUnknownChecksum_leavesThatArchitectureUnusable() {
    Properties manifest = new Properties();
    manifest.setProperty("version", "2.340.0");
    manifest.setProperty("sha256.linux-x64", "A".repeat(64));
    manifest.setProperty("sha256.linux-arm64", "unknown");

    RunnerRelease release = RunnerRelease.fromProperties(manifest, "the manifest");

    assertThat(release.checksum(Arch.AMD64)).isEqualTo("a".repeat(64));
    assertThatThrownBy(() -> release.checksum(Arch.ARM64))
        .isInstanceOf(ImageBuildException.class)
        .hasMessage(
            "no published SHA-256 for actions-runner-linux-arm64-2.340.0.tar.gz in the manifest;"
                + " lgr does not install an unchecked runner archive");
  }

  @Test
  void aMalformedChecksum_isRefused() {
    Properties manifest = new Properties();
    manifest.setProperty("version", "2.340.0");
    manifest.setProperty("sha256.linux-x64", "abc");

    assertThatThrownBy(() -> RunnerRelease.fromProperties(manifest, "the manifest"))
        .hasMessage("the manifest: sha256.linux-x64 is not a SHA-256 ('abc')");
  }

  @Test
  void versions_compareNumerically() {
    assertThat(RunnerRelease.compareVersions("2.329.0", "2.338.0")).isNegative();
    assertThat(RunnerRelease.compareVersions("2.1000.0", "2.999.9")).isPositive();
    assertThat(RunnerRelease.compareVersions("2.329.0", "2.329.0")).isZero();
    assertThatThrownBy(() -> new RunnerRelease("two", java.util.Map.of(), "x"))
        .hasMessage("'two' is not a runner version: expected one like 2.338.0, or latest");
  }

  @Test
  void githubsReleaseExample_hasNoRunnerChecksums() {
    RunnerRelease release =
        RunnerReleases.parseRelease(GitHubReleaseExamples.RELEASE, "the example");

    assertThat(release.version()).isEqualTo("1.0.0");
    assertThat(release.sha256()).isEmpty();
    assertThat(release.isSupported()).isFalse();
  }

  @Test
  void aRelease_givesTheAssetDigest_orTheReleaseNotesChecksum() throws Exception {
    ObjectNode release = (ObjectNode) JSON.readTree(GitHubReleaseExamples.RELEASE);
    release.put("tag_name", "v2.340.0");
    release.put(
        "body",
        "- actions-runner-linux-x64-2.340.0.tar.gz <!-- BEGIN SHA linux-x64 -->"
            + "b".repeat(64)
            + "<!-- END SHA linux-x64 -->\r\n"
            + "- actions-runner-linux-arm-2.340.0.tar.gz <!-- BEGIN SHA linux-arm -->"
            + "c".repeat(64)
            + "<!-- END SHA linux-arm -->\r\n");
    ObjectNode asset = (ObjectNode) JSON.readTree(GitHubReleaseExamples.RELEASE_ASSET);
    asset.put("name", "actions-runner-linux-arm64-2.340.0.tar.gz");
    asset.put("digest", "sha256:" + "d".repeat(64));
    release.putArray("assets").add(asset);

    RunnerRelease parsed = RunnerReleases.parseRelease(JSON.writeValueAsString(release), "x");

    assertThat(parsed.version()).isEqualTo("2.340.0");
    assertThat(parsed.checksum(Arch.AMD64)).isEqualTo("b".repeat(64));
    assertThat(parsed.checksum(Arch.ARM64))
        .as("the arm64 asset's digest, not the 32-bit arm archive's checksum")
        .isEqualTo("d".repeat(64));
  }

  @Test
  void releaseNotesAndAssetDigest_thatDisagree_areRefused() throws Exception {
    ObjectNode release = (ObjectNode) JSON.readTree(GitHubReleaseExamples.RELEASE);
    release.put("tag_name", "v2.340.0");
    release.put(
        "body", "<!-- BEGIN SHA linux-x64 -->" + "e".repeat(64) + "<!-- END SHA linux-x64 -->");
    ObjectNode asset = (ObjectNode) JSON.readTree(GitHubReleaseExamples.RELEASE_ASSET);
    asset.put("name", "actions-runner-linux-x64-2.340.0.tar.gz");
    asset.put("digest", "sha256:" + "f".repeat(64));
    release.putArray("assets").add(asset);

    assertThatThrownBy(() -> RunnerReleases.parseRelease(JSON.writeValueAsString(release), "x"))
        .isInstanceOfSatisfying(
            ImageBuildException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageBuildException.Kind.INTEGRITY))
        .hasMessageContaining("disagree");
  }

  @Test
  void architectures_acceptTheNamesPeopleUse() {
    assertThat(Arch.parse("x86_64")).isEqualTo(Arch.AMD64);
    assertThat(Arch.parse("AARCH64")).isEqualTo(Arch.ARM64);
    assertThat(Arch.AMD64.runner()).isEqualTo("x64");
  }
}
