package dev.lgr.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lgr completion bash|zsh|fish}: prints a shell completion script on stdout. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = "Print a completion script for bash, zsh or fish on stdout.",
    footer = {
      "",
      "Examples:",
      "  source <(lgr completion bash)                                  # this bash session",
      "  lgr completion zsh > \"${fpath[1]}/_lgr\"                        # zsh, from now on",
      "  lgr completion fish > ~/.config/fish/completions/lgr.fish     # fish",
    })
public final class Completion implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash, zsh or fish.")
  String shell;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() {
    CommandLine root = spec.root().commandLine();
    PrintWriter out = spec.commandLine().getOut();
    switch (shell.toLowerCase(Locale.ROOT)) {
      case "bash" -> out.print(AutoComplete.bash("lgr", root));
      case "zsh" -> {
        // picocli's script works in zsh through bash-compatible completion.
        out.println("#compdef lgr");
        out.println("autoload -U +X bashcompinit && bashcompinit");
        out.println("autoload -U +X compinit && compinit");
        out.print(AutoComplete.bash("lgr", root));
      }
      case "fish" -> out.print(fish(root));
      default ->
          throw new LgrException(
              ExitCode.USAGE, "completion is for bash, zsh or fish, not '" + shell + "'");
    }
    out.flush();
    return ExitCode.OK;
  }

  /** Subcommands, then each one's options, with their descriptions. */
  static String fish(CommandLine root) {
    StringBuilder script = new StringBuilder("# fish completion for lgr\n");
    script.append("complete -c lgr -f\n");
    root.getSubcommands()
        .forEach(
            (name, sub) -> {
              script
                  .append("complete -c lgr -n __fish_use_subcommand -a ")
                  .append(name)
                  .append(" -d ")
                  .append(quote(first(sub.getCommandSpec().usageMessage().description())))
                  .append('\n');
              for (CommandLine.Model.OptionSpec option : sub.getCommandSpec().options()) {
                script
                    .append("complete -c lgr -n '__fish_seen_subcommand_from ")
                    .append(name)
                    .append("'");
                for (String optionName : option.names()) {
                  if (optionName.startsWith("--")) {
                    script.append(" -l ").append(optionName.substring(2));
                  } else {
                    script.append(" -s ").append(optionName.substring(1));
                  }
                }
                if (option.arity().max() > 0) {
                  script.append(" -r");
                }
                script.append(" -d ").append(quote(first(option.description()))).append('\n');
              }
            });
    return script.toString();
  }

  private static String first(String[] lines) {
    return lines.length == 0 ? "" : lines[0];
  }

  private static String quote(String text) {
    String line = text.replaceAll("\\$\\{[A-Z-]+}", "").replace("\n", " ");
    if (line.length() > 80) {
      line = line.substring(0, 77) + "...";
    }
    return "'" + line.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
