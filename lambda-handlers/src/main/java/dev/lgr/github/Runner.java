package dev.lgr.github;

import java.util.List;

/**
 * A self-hosted runner as GitHub lists it.
 *
 * @param id the runner id
 * @param name its name
 * @param status {@code online} or {@code offline}
 * @param busy whether it is running a job
 * @param labels its labels
 */
public record Runner(long id, String name, String status, boolean busy, List<String> labels) {
  public boolean online() {
    return "online".equals(status);
  }
}
