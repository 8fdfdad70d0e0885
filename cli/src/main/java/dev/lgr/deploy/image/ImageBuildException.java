package dev.lgr.deploy.image;

/** A failure of {@link ImageService}, with a message written for the person running lgr. */
public final class ImageBuildException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure, so that a front end can pick its exit code. */
  public enum Kind {
    /** Bad input: an unknown version, a malformed image reference, an unreadable file. */
    INPUT,
    /** A registry, GitHub or AWS could not be reached or refused. */
    REMOTE,
    /** A download does not match its published checksum. */
    INTEGRITY,
    /** Not in a state to go on: no checksum to check against, an unusable cache folder. */
    STATE
  }

  private final Kind kind;

  public ImageBuildException(Kind kind, String message) {
    this(kind, message, null);
  }

  public ImageBuildException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
