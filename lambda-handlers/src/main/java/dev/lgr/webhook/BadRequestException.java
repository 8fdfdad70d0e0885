package dev.lgr.webhook;

/** A delivery that cannot be accepted as sent; its message is the short reason returned (4xx). */
public final class BadRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public BadRequestException(String reason) {
    this(400, reason);
  }

  public BadRequestException(int status, String reason) {
    super(reason, null, false, false);
    this.status = status;
  }

  /** The 4xx status to answer with. */
  public int status() {
    return status;
  }
}
