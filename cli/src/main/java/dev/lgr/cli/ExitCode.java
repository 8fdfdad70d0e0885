package dev.lgr.cli;

/** lgr's exit codes, in one place. */
public final class ExitCode {
  /** Done, including "nothing to change". */
  public static final int OK = 0;

  /** A remote operation (AWS, GitHub) failed. */
  public static final int REMOTE_FAILURE = 1;

  /** Bad usage or input. */
  public static final int USAGE = 2;

  /** The world is not in the state needed (a prompt needed but no terminal, a failed stack). */
  public static final int WRONG_STATE = 3;

  /** A bug in lgr. */
  public static final int BUG = 4;

  /**
   * Cancelled with Ctrl-C (or Ctrl-D) at a question of {@code lgr init}: the shell's own code for
   * an interrupted command (128 + SIGINT), so that nothing mistakes it for a result.
   */
  public static final int INTERRUPTED = 130;

  private ExitCode() {}
}
