package dev.lgr.cli;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * The runner's settings as flags, for {@code lgr init} (which writes them to lgr.yaml) and {@code
 * lgr deploy} (which deploys them). Null where not given: the caller falls back to lgr.yaml, then
 * the defaults. The ranges are {@link dev.lgr.deploy.DeploySettings}'.
 */
public final class RunnerOptions {
  @Option(
      names = "--labels",
      paramLabel = "A,B",
      split = ",",
      description = "The runners' labels (default: self-hosted,lambda).")
  List<String> labels;

  @Option(
      names = "--memory",
      paramLabel = "MB",
      description = "The runner function's memory, 512-10240 (default: 2048).")
  Integer memory;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "The runner function's timeout, 360-900 (default: 900).")
  Integer timeout;

  @Option(
      names = "--ephemeral-storage",
      paramLabel = "MB",
      description = "The runner function's /tmp, 512-10240 (default: 10240).")
  Integer ephemeralStorage;

  @Option(
      names = "--arch",
      paramLabel = "x86_64|arm64",
      description = "The runner's architecture (default: x86_64).")
  String architecture;

  @Option(
      names = "--log-retention",
      paramLabel = "DAYS",
      description = "How long the functions' logs are kept, in days (default: 14).")
  Integer logRetention;
}
