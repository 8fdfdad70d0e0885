package dev.lgr.deploy.image;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A GitHub Actions runner release: its version and the published SHA-256 of its Linux archives. An
 * architecture without a checksum cannot be installed: lgr never uses an unchecked archive.
 *
 * @param version the version, as in {@code 2.338.0}
 * @param sha256 lower-case hex SHA-256 of {@code actions-runner-linux-<arch>-<version>.tar.gz}
 * @param source where the checksums come from, for messages
 */
public record RunnerRelease(String version, Map<Arch, String> sha256, String source) {
  /** GitHub refuses to register runners older than this. */
  public static final String MINIMUM_VERSION = "2.329.0";

  static final String MANIFEST = "runner-release.properties";
  private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public RunnerRelease {
    if (!VERSION.matcher(version).matches()) {
      throw new ImageBuildException(
          ImageBuildException.Kind.INPUT,
          "'" + version + "' is not a runner version: expected one like 2.338.0, or latest");
    }
    Map<Arch, String> copy = new EnumMap<>(Arch.class);
    copy.putAll(sha256);
    sha256 = Collections.unmodifiableMap(copy);
    for (String value : sha256.values()) {
      if (!SHA256.matcher(value).matches()) {
        throw new IllegalArgumentException("not a SHA-256: " + value);
      }
    }
  }

  /** The release this build of lgr was made with (runner-image/runner-release.properties). */
  public static RunnerRelease bundled() {
    Properties properties = new Properties();
    try (InputStream in = RunnerRelease.class.getResourceAsStream(MANIFEST)) {
      if (in == null) {
        throw new ImageBuildException(
            ImageBuildException.Kind.STATE,
            "this build of lgr lacks its runner release manifest (" + MANIFEST + ")");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE, "cannot read the runner release manifest", e);
    }
    return fromProperties(properties, "lgr's runner release manifest");
  }

  /**
   * Reads {@code version} and {@code sha256.linux-x64}, {@code sha256.linux-arm64}; a checksum that
   * is missing, blank or {@code unknown} leaves that architecture unusable.
   */
  static RunnerRelease fromProperties(Properties properties, String source) {
    String version = properties.getProperty("version", "").strip();
    Map<Arch, String> sums = new EnumMap<>(Arch.class);
    for (Arch arch : Arch.values()) {
      String value =
          properties
              .getProperty("sha256.linux-" + arch.runner(), "")
              .strip()
              .toLowerCase(Locale.ROOT);
      if (SHA256.matcher(value).matches()) {
        sums.put(arch, value);
      } else if (!value.isEmpty() && !value.equals("unknown")) {
        throw new ImageBuildException(
            ImageBuildException.Kind.STATE,
            source + ": sha256.linux-" + arch.runner() + " is not a SHA-256 ('" + value + "')");
      }
    }
    return new RunnerRelease(version, sums, source);
  }

  /** {@code actions-runner-linux-x64-2.338.0.tar.gz} */
  public String archiveName(Arch arch) {
    return "actions-runner-linux-" + arch.runner() + "-" + version + ".tar.gz";
  }

  /** The published checksum of the archive for {@code arch}; refuses when there is none. */
  public String checksum(Arch arch) {
    String value = sha256.get(arch);
    if (value == null) {
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE,
          "no published SHA-256 for "
              + archiveName(arch)
              + " in "
              + source
              + "; lgr does not install an unchecked runner archive");
    }
    return value;
  }

  /** Whether GitHub still registers runners of this version. */
  public boolean isSupported() {
    return compareVersions(version, MINIMUM_VERSION) >= 0;
  }

  /** Compares dotted numeric versions: 2.329.0 &lt; 2.338.0. */
  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      long p = i < x.length ? Long.parseLong(x[i]) : 0;
      long q = i < y.length ? Long.parseLong(y[i]) : 0;
      if (p != q) {
        return Long.compare(p, q);
      }
    }
    return 0;
  }
}
