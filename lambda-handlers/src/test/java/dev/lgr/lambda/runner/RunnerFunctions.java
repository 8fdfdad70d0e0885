package dev.lgr.lambda.runner;

import dev.lgr.aws.AwsClients;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Builds the runner function and the stand-in runner for tests in other packages. */
public final class RunnerFunctions {
  private RunnerFunctions() {}

  /**
   * Installs the stand-in runner archive into {@code target} with a behaviour ({@code "job
   * SECONDS"}, {@code "hang"}, {@code "crash"}, {@code "crash-on-start"}...; see its run.sh).
   */
  public static Path installStandInRunner(Path target, String behaviour) {
    return StandInRunner.install(target, behaviour);
  }

  /**
   * The runner function with short watchdog times, as RunnerFunctionIT builds it.
   *
   * @param credentialArn the GitHub credential's secret
   * @param runnerDir the installed runner (the image's {@code /opt/actions-runner})
   * @param scratch this execution environment's {@code /tmp}
   * @param stopMargin how long before the deadline the runner is stopped
   * @param idleLimit how long a runner may wait without a job
   * @param env the function's environment
   * @param log where the function's log lines go
   */
  public static RunnerFunction create(
      String credentialArn,
      List<String> labels,
      URI githubApi,
      Path runnerDir,
      Path scratch,
      Duration stopMargin,
      Duration idleLimit,
      Map<String, String> env,
      AwsClients aws,
      Consumer<String> log) {
    RunnerSettings settings =
        new RunnerSettings(
            credentialArn,
            labels,
            1,
            githubApi,
            runnerDir,
            scratch,
            stopMargin,
            idleLimit,
            Duration.ofMillis(200),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            null);
    return new RunnerFunction(settings, env, aws, log);
  }
}
