package dev.lgr.deploy.stack;

/** A stack did not reach the state asked for; the message says where it is and why. */
public final class StackFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StackFailedException(String message) {
    super(message);
  }
}
