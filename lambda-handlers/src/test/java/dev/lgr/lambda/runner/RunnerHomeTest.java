package dev.lgr.lambda.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunnerHomeTest {
  @TempDir Path dir;

  @Test
  void prepare_mirrorsTheRunner_copyingLaunchersAndLinkingLibraries() throws IOException {
    Path installed = StandInRunner.install(dir.resolve("opt"), "job 0");
    Files.write(installed.resolve("bin/libcoreclr.so"), new byte[1024]);
    Files.write(installed.resolve("bin/Runner.Worker.runtimeconfig.json"), new byte[100]);

    RunnerHome home = RunnerHome.prepare(installed, dir.resolve("scratch"));

    Path root = home.root();
    assertThat(Files.isSymbolicLink(root.resolve("run.sh"))).isFalse();
    assertThat(Files.isExecutable(root.resolve("run.sh"))).isTrue();
    assertThat(Files.isSymbolicLink(root.resolve("bin"))).isFalse();
    assertThat(Files.isSymbolicLink(root.resolve("bin/Runner.Listener"))).isFalse();
    assertThat(Files.isExecutable(root.resolve("bin/Runner.Listener"))).isTrue();
    assertThat(Files.isSymbolicLink(root.resolve("bin/libcoreclr.so"))).isTrue();
    assertThat(Files.isSymbolicLink(root.resolve("bin/Runner.Listener.dll"))).isTrue();
    assertThat(Files.isSymbolicLink(root.resolve("bin/Runner.Worker.runtimeconfig.json"))).isTrue();
    assertThat(Files.readSymbolicLink(root.resolve("externals")))
        .isEqualTo(installed.resolve("externals"));
    assertThat(home.home()).isDirectory();
    assertThat(home.temp()).isDirectory();
  }

  @Test
  void prepare_removesWhatAWarmContainerLeft_evenReadOnlyFolders() throws IOException {
    Path installed = StandInRunner.install(dir.resolve("opt"), "job 0");
    Path scratch = dir.resolve("scratch");
    RunnerHome first = RunnerHome.prepare(installed, scratch);
    Path cache = Files.createDirectories(scratch.resolve("go/pkg/mod/cache"));
    Files.writeString(cache.resolve("module.zip"), "x");
    cache.toFile().setWritable(false);
    Files.writeString(first.root().resolve(".runner"), "{}");
    Files.writeString(scratch.resolve("stray-file"), "x");

    RunnerHome second = RunnerHome.prepare(installed, scratch);

    assertThat(scratch.resolve("go")).doesNotExist();
    assertThat(scratch.resolve("stray-file")).doesNotExist();
    assertThat(second.root().resolve(".runner")).doesNotExist();
    assertThat(installed.resolve("run.sh")).exists(); // links were removed, not followed
    assertThat(installed.resolve("externals/node20/bin/node")).exists();
  }

  @Test
  void prepare_withoutARunner_saysWhatIsMissing() {
    assertThatThrownBy(() -> RunnerHome.prepare(dir.resolve("nothing"), dir.resolve("scratch")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("run.sh is missing");
  }
}
