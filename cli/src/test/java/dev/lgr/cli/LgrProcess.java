package dev.lgr.cli;

import dev.lgr.testing.MotoServer;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code lgr} as a user runs it: the installed jar in a fresh JVM, a fresh HOME, no terminal, AWS
 * on moto server and GitHub at the given stand-in.
 */
final class LgrProcess {
  record Run(int exit, String out, String err) {}

  private final Path home;
  private final URI github;
  private final String token;

  LgrProcess(Path home, URI github, String token) {
    this.home = home;
    this.github = github;
    this.token = token;
  }

  /** The same, with another GitHub token. */
  LgrProcess withToken(String other) {
    return new LgrProcess(home, github, other);
  }

  /** Runs lgr to its end (5 minutes at most). */
  Run run(String... args) throws IOException, InterruptedException {
    Path out = home.resolve("out-" + UUID.randomUUID());
    Path err = home.resolve("err-" + UUID.randomUUID());
    Process process = start(out, err, args);
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("lgr did not finish in 5 minutes: " + Files.readString(err));
    }
    return new Run(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Starts lgr with stdout and stderr going to the given files. */
  Process start(Path out, Path err, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("lgr.jar", "target/lgr.jar")));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    Map<String, String> env = builder.environment();
    env.keySet()
        .removeIf(
            k ->
                k.startsWith("AWS_")
                    || k.startsWith("GH_")
                    || k.startsWith("GITHUB_")
                    || k.equals("NO_COLOR"));
    env.put("HOME", home.toString());
    env.put("AWS_ENDPOINT_URL", MotoServer.endpoint().toString());
    env.put("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY);
    env.put("AWS_REGION", MotoServer.REGION.id());
    if (github != null) {
      env.put("GITHUB_API_URL", github.toString());
    }
    if (token != null) {
      env.put("GH_TOKEN", token);
    }
    return builder
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
  }
}
