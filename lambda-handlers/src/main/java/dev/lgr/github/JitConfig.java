package dev.lgr.github;

/**
 * A just-in-time runner registration.
 *
 * @param runner the runner GitHub registered
 * @param encodedJitConfig the configuration {@code run.sh --jitconfig} takes: a credential for this
 *     one runner, to be handled like a secret
 */
public record JitConfig(Runner runner, String encodedJitConfig) {
  @Override
  public String toString() {
    return "JitConfig[runner=" + runner + ", encodedJitConfig=***]";
  }
}
