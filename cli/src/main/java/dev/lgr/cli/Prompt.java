package dev.lgr.cli;

/** Questions on the terminal; without one, a confirmation is an error naming {@code --yes}. */
final class Prompt {
  private Prompt() {}

  /**
   * Asks on the terminal.
   *
   * @param what what needs the confirmation, for the error without a terminal
   * @return the answer, stripped (empty when none)
   * @throws LgrException exit 3 when there is no terminal
   */
  static String ask(String what, String format, Object... args) {
    java.io.Console terminal = System.console();
    if (terminal == null) {
      throw new LgrException(
          ExitCode.WRONG_STATE,
          what + " needs a confirmation and there is no terminal to ask: pass --yes");
    }
    String answer = terminal.readLine(format, args);
    return answer == null ? "" : answer.strip();
  }

  /** A yes/no question; anything but an answer starting with y is no. */
  static boolean yes(String what, String format, Object... args) {
    return ask(what, format, args).toLowerCase(java.util.Locale.ROOT).startsWith("y");
  }
}
