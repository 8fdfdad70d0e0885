package dev.lgr.cli;

import picocli.CommandLine.Option;

/**
 * {@code -v/--verbose} for commands that have no detail of their own to add: with it, an error
 * comes with its stack trace ({@link Lgr}'s exception handler looks for the option).
 */
public final class VerboseOption {
  @Option(
      names = {"-v", "--verbose"},
      description = "On an error, print its stack trace too.")
  boolean verbose;
}
