package dev.lgr.deploy.image;

import java.lang.System.Logger.Level;

/**
 * What {@link ImageService} reports while it works; the service itself never prints. Every method
 * may be called from Jib's worker threads.
 */
public interface BuildListener {
  /** A step begins, in words: "Downloading the GitHub runner 2.338.0 (linux-x64)". */
  default void step(String message) {}

  /** Bytes of a download so far; {@code total} is -1 while unknown. */
  default void download(String name, long done, long total) {}

  /**
   * Overall progress of the image build and push, from 0 to 1 (Jib's progress events, accumulated),
   * and the task that just moved ("pushing blob sha256:…").
   */
  default void progress(double fraction, String task) {}

  /** A message from the build (Jib's log), at its level: WARNING, INFO or DEBUG. */
  default void log(Level level, String message) {}

  /** A listener that ignores everything. */
  static BuildListener silent() {
    return new BuildListener() {};
  }
}
