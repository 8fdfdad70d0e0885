package dev.lgr.deploy.image;

import java.util.Locale;

/** The image's CPU architecture, named the container way ({@code amd64}) and the runner's way. */
public enum Arch {
  AMD64("amd64", "x64"),
  ARM64("arm64", "arm64");

  private final String platform;
  private final String runner;

  Arch(String platform, String runner) {
    this.platform = platform;
    this.runner = runner;
  }

  /** The OCI architecture, as in {@code linux/amd64}; also Lambda's name without the x86_64. */
  public String platform() {
    return platform;
  }

  /** The architecture in the GitHub runner's archive names: {@code x64} or {@code arm64}. */
  public String runner() {
    return runner;
  }

  /** Accepts the names people use: amd64, x86_64, x64; arm64, aarch64. */
  public static Arch parse(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "amd64":
      case "x86_64":
      case "x64":
        return AMD64;
      case "arm64":
      case "aarch64":
        return ARM64;
      default:
        throw new IllegalArgumentException(
            "unknown architecture '" + name + "': use amd64 (x86_64) or arm64 (Graviton)");
    }
  }

  @Override
  public String toString() {
    return platform;
  }
}
