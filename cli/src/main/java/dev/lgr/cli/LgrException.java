package dev.lgr.cli;

/** A failure to report as {@code Error: <message>} with its exit code (see {@link ExitCode}). */
public final class LgrException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public LgrException(int exitCode, String message) {
    this(exitCode, message, null);
  }

  public LgrException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
