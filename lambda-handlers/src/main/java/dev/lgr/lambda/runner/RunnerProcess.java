package dev.lgr.lambda.runner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The GitHub runner as a child process: {@code run.sh --jitconfig …} in the runner home, its output
 * forwarded line by line (secrets masked), stoppable with its whole process tree.
 */
final class RunnerProcess {
  private final Process process;
  private final Thread forwarder;

  private RunnerProcess(Process process, Thread forwarder) {
    this.process = process;
    this.forwarder = forwarder;
  }

  /**
   * Starts the runner.
   *
   * @param env the child's whole environment (the caller leaves lgr's own values out)
   * @param output receives each output line, with every string of {@code masked} replaced
   */
  static RunnerProcess start(
      RunnerHome home,
      String jitConfig,
      Map<String, String> env,
      List<String> masked,
      Consumer<String> output)
      throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                "/bin/bash", home.root().resolve("run.sh").toString(), "--jitconfig", jitConfig)
            .directory(home.root().toFile())
            .redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    List<String> secrets = new ArrayList<>(masked);
    secrets.add(jitConfig);
    Thread forwarder =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                  output.accept(mask(line, secrets));
                }
              } catch (IOException e) {
                output.accept("(runner output ended: " + e.getMessage() + ")");
              }
            },
            "runner-output");
    forwarder.setDaemon(true);
    forwarder.start();
    return new RunnerProcess(process, forwarder);
  }

  static String mask(String line, List<String> secrets) {
    String out = line;
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 8 && out.contains(secret)) {
        out = out.replace(secret, "***");
      }
    }
    return out;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Waits up to {@code millis} for the runner to end; true when it has. */
  boolean waitFor(long millis) throws InterruptedException {
    return process.waitFor(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops the runner and everything it started: SIGTERM to the processes {@code run.sh} started
   * (the runner listener then gives its job up and tells GitHub), not to {@code run.sh} itself,
   * which ends when they do and keeps their output flowing until then; SIGKILL to whatever is left
   * after {@code graceMillis}.
   */
  void stop(long graceMillis) throws InterruptedException {
    List<ProcessHandle> tree = new ArrayList<>();
    process.descendants().forEach(tree::add);
    if (tree.isEmpty()) {
      process.destroy();
    } else {
      tree.forEach(ProcessHandle::destroy);
    }
    if (!process.waitFor(Math.max(0, graceMillis), TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(tree::add);
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    tree.forEach(ProcessHandle::destroyForcibly); // nothing of the runner outlives it
  }

  /** The exit code, after the runner ended; also waits for the last output lines. */
  int exitCode() throws InterruptedException {
    int code = process.waitFor();
    forwarder.join(2000);
    return code;
  }
}
