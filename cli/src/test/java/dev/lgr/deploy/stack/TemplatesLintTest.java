package dev.lgr.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * cfn-lint (AWS's CloudFormation linter: resource properties, value ranges, deprecated runtimes) on
 * every template. cfn-lint is a Python tool; the test fails, saying how to install it, when it is
 * missing.
 */
class TemplatesLintTest {
  private static final String INSTALL =
      "cfn-lint is not installed: python3 -m pip install cfn-lint (see templates/README.md)";

  @Test
  void cfnLint_findsNothing_inAnyTemplate() throws Exception {
    List<String> files = new ArrayList<>();
    for (String name : TemplateFiles.NAMES) {
      files.add(TemplateFiles.sourceDir().resolve(name).toString());
    }

    Result result = lint(files);

    assertThat(result.exitCode())
        .as("cfn-lint %s said:%n%s", String.join(" ", files), result.output())
        .isZero();
  }

  private record Result(int exitCode, String output) {}

  private static Result lint(List<String> files) throws IOException, InterruptedException {
    Process process;
    try {
      process = start(command(List.of("cfn-lint"), files));
    } catch (IOException e) {
      // Not on the PATH: perhaps installed for python3 all the same.
      try {
        process = start(command(List.of("python3", "-m", "cfnlint"), files));
      } catch (IOException again) {
        return fail(INSTALL + " (" + e.getMessage() + ")");
      }
    }
    String output;
    try (var in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      return fail("cfn-lint did not finish in 2 minutes:\n" + output);
    }
    if (output.contains("No module named cfnlint")) {
      return fail(INSTALL);
    }
    return new Result(process.exitValue(), output);
  }

  private static List<String> command(List<String> cfnLint, List<String> files) {
    List<String> command = new ArrayList<>(cfnLint);
    command.add("--");
    command.addAll(files);
    return command;
  }

  private static Process start(List<String> command) throws IOException {
    return new ProcessBuilder(command)
        .directory(Path.of(System.getProperty("basedir", ".")).toFile())
        .redirectErrorStream(true)
        .start();
  }
}
