package dev.lgr.cli;

import dev.lgr.deploy.LgrConfig;
import dev.lgr.deploy.aws.AwsStepException;
import dev.lgr.deploy.aws.DeploySecrets;
import dev.lgr.github.GitHubClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** {@code --github-token-file} and {@code --github-url}, with their fallbacks. */
public final class GitHubOptions {
  @Option(
      names = "--github-token-file",
      paramLabel = "FILE",
      description = "A file holding the GitHub token (default: GH_TOKEN, GITHUB_TOKEN, gh).")
  Path tokenFile;

  @Option(
      names = "--github-url",
      paramLabel = "URL",
      description =
          "GitHub's API (default: GITHUB_API_URL, else https://api.github.com; GitHub Enterprise"
              + " Server: https://HOST/api/v3).")
  URI url;

  /** The API base: the flag, lgr.yaml, GITHUB_API_URL, else GitHub.com. */
  URI api(LgrConfig file, Map<String, String> env) {
    if (url != null) {
      return url;
    }
    if (file.github() != null && file.github().apiUrl() != null) {
      return uri(file.github().apiUrl(), "github.apiUrl");
    }
    if (env.get("GITHUB_API_URL") != null && !env.get("GITHUB_API_URL").isBlank()) {
      return uri(env.get("GITHUB_API_URL"), "GITHUB_API_URL");
    }
    return GitHubClient.DEFAULT_API;
  }

  /**
   * The token: --github-token-file, else where lgr.yaml's {@code github.credential} says ({@code
   * env}, {@code gh}, or {@code secret}: the stack's Secrets Manager secret, read with {@code
   * aws}), else the first of GH_TOKEN, GITHUB_TOKEN, `gh auth token` that has one. Never printed.
   */
  String token(Map<String, String> env, LgrConfig file, AwsOptions aws, String stackName) {
    if (tokenFile != null) {
      return fromFile();
    }
    String credential = file.github() == null ? null : file.github().credential();
    if (credential == null) {
      return token(env);
    }
    switch (credential) {
      case LgrConfig.CREDENTIAL_ENV -> {
        String token = fromEnvironment(env);
        if (token == null) {
          throw new LgrException(
              ExitCode.USAGE,
              "lgr.yaml's github.credential is env, but neither GH_TOKEN nor GITHUB_TOKEN is set");
        }
        return token;
      }
      case LgrConfig.CREDENTIAL_GH -> {
        String token = ghAuthToken();
        if (token == null) {
          throw new LgrException(
              ExitCode.USAGE,
              "lgr.yaml's github.credential is gh, but `gh auth token` gives no token: log in with"
                  + " `gh auth login`");
        }
        return token;
      }
      case LgrConfig.CREDENTIAL_SECRET -> {
        String token;
        try (SecretsManagerClient secrets = aws.client(SecretsManagerClient.builder())) {
          DeploySecrets stored = new DeploySecrets(secrets, stackName);
          try {
            token = stored.gitHubCredential();
          } catch (AwsStepException e) {
            throw new LgrException(ExitCode.REMOTE_FAILURE, e.getMessage(), e.getCause());
          } catch (SdkException e) {
            throw new LgrException(
                ExitCode.REMOTE_FAILURE,
                "cannot read the GitHub token from Secrets Manager ("
                    + stored.credentialName()
                    + ")",
                e);
          }
          if (token == null) {
            throw new LgrException(
                ExitCode.WRONG_STATE,
                "lgr.yaml's github.credential is secret, but Secrets Manager has no "
                    + stored.credentialName()
                    + " in "
                    + aws.region()
                    + ": run `lgr init` again, or pass --github-token-file");
          }
        }
        return token;
      }
      default ->
          throw new LgrException(
              ExitCode.USAGE,
              "lgr.yaml's github.credential is one of "
                  + String.join(", ", LgrConfig.CREDENTIALS)
                  + ", not "
                  + credential);
    }
  }

  /**
   * The token, from the first place that has one: --github-token-file, GH_TOKEN, GITHUB_TOKEN, `gh
   * auth token`. Never printed.
   */
  String token(Map<String, String> env) {
    if (tokenFile != null) {
      return fromFile();
    }
    String token = fromEnvironment(env);
    if (token != null) {
      return token;
    }
    String fromGh = ghAuthToken();
    if (fromGh != null) {
      return fromGh;
    }
    throw new LgrException(
        ExitCode.USAGE,
        "no GitHub token: pass --github-token-file FILE, set GH_TOKEN or GITHUB_TOKEN, or log in"
            + " with `gh auth login`");
  }

  /** The token in --github-token-file. */
  String fromFile() {
    try {
      String token = Files.readString(tokenFile).strip();
      if (token.isEmpty()) {
        throw new LgrException(ExitCode.USAGE, tokenFile + " is empty (--github-token-file)");
      }
      return token;
    } catch (NoSuchFileException e) {
      throw new LgrException(
          ExitCode.USAGE, "no such file: " + tokenFile + " (--github-token-file)");
    } catch (IOException e) {
      throw new LgrException(ExitCode.USAGE, "cannot read " + tokenFile + ": " + e.getMessage());
    }
  }

  /** The first environment variable of {@link #TOKEN_VARIABLES} that is set, or null. */
  static String environmentVariable(Map<String, String> env) {
    for (String name : TOKEN_VARIABLES) {
      String token = env.get(name);
      if (token != null && !token.isBlank()) {
        return name;
      }
    }
    return null;
  }

  /** The environment variables a token is read from, in order. */
  static final List<String> TOKEN_VARIABLES = List.of("GH_TOKEN", "GITHUB_TOKEN");

  private static String fromEnvironment(Map<String, String> env) {
    String name = environmentVariable(env);
    return name == null ? null : env.get(name).strip();
  }

  /** {@code gh auth token}, or null when gh is missing or not logged in. */
  static String ghAuthToken() {
    try {
      Process gh =
          new ProcessBuilder("gh", "auth", "token")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String token;
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(gh.getInputStream(), StandardCharsets.UTF_8))) {
        token = reader.readLine();
      }
      if (!gh.waitFor(10, TimeUnit.SECONDS)) {
        gh.destroyForcibly();
        return null;
      }
      return gh.exitValue() == 0 && token != null && !token.isBlank() ? token.strip() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static URI uri(String value, String where) {
    try {
      return URI.create(value.strip());
    } catch (IllegalArgumentException e) {
      throw new LgrException(ExitCode.USAGE, "'" + value + "' is not a URL (" + where + ")");
    }
  }
}
