package dev.lgr.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LgrConfigTest {
  @TempDir Path dir;

  private static final LgrConfig FULL =
      new LgrConfig(
          "mine",
          new LgrConfig.Aws("prod", "eu-west-1"),
          new LgrConfig.GitHub("https://ghe.example/api/v3", "secret"),
          List.of("octo/app", "octo/api"),
          "octo",
          List.of("self-hosted", "lambda"),
          new LgrConfig.Runner(4096, 600, 2048, "arm64", 20, "2.338.0", "base:1", null),
          30,
          false);

  @Test
  void write_thenRead_givesTheSameSettings_andLeavesNoTemporaryFile() throws Exception {
    Path file = dir.resolve("lgr.yaml");

    FULL.write(file);

    assertThat(LgrConfig.read(file)).isEqualTo(FULL);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
    assertThat(Files.readString(file)).startsWith("# lgr's settings").doesNotContain("null");
  }

  @Test
  void write_replacesTheWholeFile() throws Exception {
    Path file = dir.resolve("lgr.yaml");
    Files.writeString(file, "stack: old\n".repeat(1000));

    LgrConfig.EMPTY.write(file);

    assertThat(LgrConfig.read(file)).isEqualTo(LgrConfig.EMPTY);
    assertThat(Files.readString(file)).doesNotContain("old");
  }

  @Test
  void write_whenTheRenameFails_leavesWhatWasThere_andNoTemporaryFile() throws Exception {
    // lgr.yaml is a folder with a file in it: the final rename cannot replace it.
    Path target = Files.createDirectory(dir.resolve("lgr.yaml"));
    Files.writeString(target.resolve("keep"), "x");

    assertThatThrownBy(() -> FULL.write(target)).isInstanceOf(java.io.IOException.class);

    assertThat(Files.readString(target.resolve("keep"))).isEqualTo("x");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void read_unknownCredentialKey_namesTheKnownOnes() throws Exception {
    Path file = Files.writeString(dir.resolve("lgr.yaml"), "github: {token: abc}\n");

    assertThatThrownBy(() -> LgrConfig.read(file))
        .hasMessageContaining("unknown setting 'token'")
        .hasMessageContaining("credential");
  }
}
