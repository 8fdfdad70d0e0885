package dev.lgr.cli;

import dev.lgr.deploy.DeploySettings;
import dev.lgr.deploy.LgrConfig;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config}: the settings file every command reads (flags win over it). */
public final class ConfigOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      defaultValue = LgrConfig.FILE_NAME,
      description = "The settings file (default: ${DEFAULT-VALUE} in the current folder).")
  Path config;

  /** Reads the file (none is fine); its AWS profile and region fill what no flag gave. */
  LgrConfig read(AwsOptions aws) throws IOException {
    LgrConfig file;
    try {
      file = LgrConfig.read(config);
    } catch (IllegalArgumentException e) {
      throw new LgrException(ExitCode.USAGE, e.getMessage());
    }
    if (aws != null && file.aws() != null) {
      aws.applyDefaults(file.aws().profile(), file.aws().region());
    }
    return file;
  }

  /** The main stack: the flag, else the file's, else {@value DeploySettings#DEFAULT_STACK}. */
  static String stackName(String flag, LgrConfig file) {
    return flag != null ? flag : file.stack() != null ? file.stack() : DeploySettings.DEFAULT_STACK;
  }
}
