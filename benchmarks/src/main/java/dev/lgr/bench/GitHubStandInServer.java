package dev.lgr.bench;

import dev.lgr.testing.GitHubStandIn;
import java.io.IOException;

/**
 * The stateful GitHub stand-in as a process, for scripts: {@code GitHubStandInServer REPO TOKEN}
 * prints {@code url=…} once it listens, and serves until its standard input closes.
 */
public final class GitHubStandInServer {
  private GitHubStandInServer() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: GitHubStandInServer OWNER/NAME TOKEN");
      System.exit(2);
    }
    try (GitHubStandIn github = GitHubStandIn.start().repo(args[0]).token(args[1])) {
      System.out.println("url=" + github.baseUrl());
      System.out.flush();
      while (System.in.read() != -1) {
        // serve until the script closes our standard input (or stops us)
      }
    }
  }
}
