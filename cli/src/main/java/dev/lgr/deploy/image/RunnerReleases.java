package dev.lgr.deploy.image;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds GitHub runner releases and their checksums, and downloads their archives into lgr's cache,
 * checked against the published SHA-256 on download and again before every use.
 */
public final class RunnerReleases {
  /** GitHub's REST API; GitHub Enterprise Server has its own ({@code GITHUB_API_URL}). */
  public static final URI GITHUB_API = URI.create("https://api.github.com");

  /** Where GitHub serves the runner's release archives. */
  public static final URI RELEASE_DOWNLOADS =
      URI.create("https://github.com/actions/runner/releases/download");

  private static final Pattern TAG = Pattern.compile("v?(\\d+\\.\\d+\\.\\d+)");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http;
  private final URI api;
  private final URI downloads;
  private final String token;
  private final Path cache;
  private final RunnerRelease bundled;

  /**
   * @param api GitHub's API base ({@link #GITHUB_API})
   * @param downloads the release download base ({@link #RELEASE_DOWNLOADS})
   * @param token a GitHub token for the API (more generous rate limits), or null
   * @param cache the folder for downloaded archives
   * @param bundled the release lgr was made with, used without asking GitHub
   */
  public RunnerReleases(URI api, URI downloads, String token, Path cache, RunnerRelease bundled) {
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    this.api = withoutTrailingSlash(api);
    this.downloads = withoutTrailingSlash(downloads);
    this.token = token == null || token.isBlank() ? null : token.strip();
    this.cache = cache;
    this.bundled = bundled;
  }

  /**
   * The release to install: the bundled one for {@code null} or its own version, the newest for
   * {@code latest}, else the named version as GitHub describes it (with the checksums from its
   * release notes and asset digests).
   */
  public RunnerRelease resolve(String spec) {
    if (spec == null || spec.isBlank() || spec.strip().equals(bundled.version())) {
      return bundled;
    }
    String wanted = spec.strip();
    RunnerRelease release;
    if (wanted.equalsIgnoreCase("latest")) {
      release = fromGitHub(URI.create(api + "/repos/actions/runner/releases/latest"));
    } else {
      Matcher version = TAG.matcher(wanted);
      if (!version.matches()) {
        throw new ImageBuildException(
            ImageBuildException.Kind.INPUT,
            "'" + wanted + "' is not a runner version: expected one like 2.338.0, or latest");
      }
      release =
          fromGitHub(URI.create(api + "/repos/actions/runner/releases/tags/v" + version.group(1)));
    }
    if (!release.isSupported()) {
      throw new ImageBuildException(
          ImageBuildException.Kind.INPUT,
          "the GitHub runner "
              + release.version()
              + " is too old: GitHub registers runners from "
              + RunnerRelease.MINIMUM_VERSION
              + " on");
    }
    return release;
  }

  private RunnerRelease fromGitHub(URI uri) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("User-Agent", "lgr");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.REMOTE,
          "cannot ask GitHub for the runner release (" + uri + "): " + describeCause(e),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageBuildException(ImageBuildException.Kind.REMOTE, "interrupted", e);
    }
    if (response.statusCode() == 404) {
      throw new ImageBuildException(
          ImageBuildException.Kind.INPUT, "GitHub has no such runner release (" + uri + ")");
    }
    if (response.statusCode() != 200) {
      throw new ImageBuildException(
          ImageBuildException.Kind.REMOTE,
          "GitHub answered HTTP " + response.statusCode() + " for " + uri);
    }
    return parseRelease(response.body(), uri.toString());
  }

  /**
   * Reads a release as GitHub's API describes it: the version from {@code tag_name}; for each
   * architecture the SHA-256 from the asset's {@code digest} and from the release notes' {@code
   * <!-- BEGIN SHA linux-x64 -->} marker. When both are given they must agree; when neither is,
   * that architecture has no checksum and cannot be installed.
   */
  static RunnerRelease parseRelease(String json, String source) {
    Map<String, Object> release;
    try {
      release = JSON.std.mapFrom(json);
    } catch (IOException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.REMOTE, "GitHub's answer is not a release (" + source + ")", e);
    }
    Object tag = release.get("tag_name");
    Matcher version = TAG.matcher(tag == null ? "" : tag.toString());
    if (!version.matches()) {
      throw new ImageBuildException(
          ImageBuildException.Kind.REMOTE,
          "the release at " + source + " has no runner version in its tag ('" + tag + "')");
    }
    RunnerRelease names = new RunnerRelease(version.group(1), Map.of(), source);
    String body = release.get("body") instanceof String text ? text : "";
    Map<Arch, String> sums = new EnumMap<>(Arch.class);
    for (Arch arch : Arch.values()) {
      String fromNotes = notesChecksum(body, arch);
      String fromAsset = assetDigest(release.get("assets"), names.archiveName(arch));
      if (fromNotes != null && fromAsset != null && !fromNotes.equals(fromAsset)) {
        throw new ImageBuildException(
            ImageBuildException.Kind.INTEGRITY,
            "the release notes and the asset digest of "
                + names.archiveName(arch)
                + " disagree ("
                + fromNotes
                + " vs "
                + fromAsset
                + "); refusing it");
      }
      String sum = fromAsset != null ? fromAsset : fromNotes;
      if (sum != null) {
        sums.put(arch, sum);
      }
    }
    return new RunnerRelease(version.group(1), sums, "GitHub's release " + tag);
  }

  private static String notesChecksum(String body, Arch arch) {
    String marker = "linux-" + arch.runner();
    Matcher matcher =
        Pattern.compile(
                "<!--\\s*BEGIN SHA "
                    + Pattern.quote(marker)
                    + "\\s*-->\\s*([0-9a-fA-F]{64})\\s*<!--\\s*END SHA "
                    + Pattern.quote(marker)
                    + "\\s*-->")
            .matcher(body);
    return matcher.find() ? matcher.group(1).toLowerCase(Locale.ROOT) : null;
  }

  private static String assetDigest(Object assets, String name) {
    if (!(assets instanceof List<?> list)) {
      return null;
    }
    for (Object item : list) {
      if (item instanceof Map<?, ?> asset
          && name.equals(asset.get("name"))
          && asset.get("digest") instanceof String digest
          && digest.toLowerCase(Locale.ROOT).matches("sha256:[0-9a-f]{64}")) {
        return digest.substring("sha256:".length()).toLowerCase(Locale.ROOT);
      }
    }
    return null;
  }

  /** Where {@code release}'s archive for {@code arch} downloads from. */
  public URI downloadUri(RunnerRelease release, Arch arch) {
    return URI.create(downloads + "/v" + release.version() + "/" + release.archiveName(arch));
  }

  /**
   * Starts computing the SHA-256 of the cached archive that {@code spec} names when that is known
   * without asking GitHub (lgr's own release or a given version), so that re-checking it overlaps
   * with the lookup; null when there is nothing to start.
   */
  public CompletableFuture<String> hashCached(String spec, Arch arch, Executor executor) {
    String version;
    if (spec == null || spec.isBlank()) {
      version = bundled.version();
    } else {
      Matcher tag = TAG.matcher(spec.strip());
      if (!tag.matches()) {
        return null;
      }
      version = tag.group(1);
    }
    Path file = cache.resolve(new RunnerRelease(version, Map.of(), "").archiveName(arch));
    if (!Files.isRegularFile(file)) {
      return null;
    }
    return CompletableFuture.supplyAsync(() -> sha256(file), executor);
  }

  /**
   * The release's archive for {@code arch}, from the cache when the cached file still matches the
   * published checksum, else downloaded and checked. Never returns an unchecked file.
   */
  public Path archive(RunnerRelease release, Arch arch, BuildListener listener) {
    return archive(release, arch, listener, null);
  }

  /**
   * As {@link #archive(RunnerRelease, Arch, BuildListener)}, with the cached file's checksum
   * already being computed by {@link #hashCached}.
   */
  public Path archive(
      RunnerRelease release, Arch arch, BuildListener listener, CompletableFuture<String> cached) {
    String expected = release.checksum(arch);
    Path file = cache.resolve(release.archiveName(arch));
    try {
      Files.createDirectories(cache);
    } catch (IOException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE, "cannot create the cache folder " + cache, e);
    }
    if (Files.isRegularFile(file)) {
      listener.step("Checking the cached " + file.getFileName());
      String actual = cached != null ? cached.join() : sha256(file);
      if (actual.equals(expected)) {
        return file;
      }
      listener.step(
          "The cached "
              + file.getFileName()
              + " does not match its published SHA-256; downloading it again");
      delete(file);
    }
    URI uri = downloadUri(release, arch);
    listener.step("Downloading " + uri);
    Path partial = cache.resolve(file.getFileName() + ".part");
    String actual = download(uri, partial, release.archiveName(arch), listener);
    if (!actual.equals(expected)) {
      delete(partial);
      throw new ImageBuildException(
          ImageBuildException.Kind.INTEGRITY,
          "the runner archive from "
              + uri
              + " has SHA-256 "
              + actual
              + ", but "
              + release.source()
              + " publishes "
              + expected
              + "; refusing to use it (nothing was built or pushed)");
    }
    try {
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE, "cannot store the runner archive in " + cache, e);
    }
    return file;
  }

  private String download(URI uri, Path target, String name, BuildListener listener) {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofMinutes(10))
            .header("User-Agent", "lgr")
            .build();
    try {
      HttpResponse<InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        if (response.statusCode() != 200) {
          throw new ImageBuildException(
              ImageBuildException.Kind.REMOTE,
              "cannot download the GitHub runner from " + uri + ": HTTP " + response.statusCode());
        }
        long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        MessageDigest digest = sha256();
        byte[] buffer = new byte[1 << 16];
        long done = 0;
        long reported = 0;
        try (OutputStream out = Files.newOutputStream(target)) {
          for (int n; (n = in.read(buffer)) >= 0; ) {
            digest.update(buffer, 0, n);
            out.write(buffer, 0, n);
            done += n;
            if (done - reported >= (1 << 20)) {
              listener.download(name, done, total);
              reported = done;
            }
          }
        }
        listener.download(name, done, total);
        return HexFormat.of().formatHex(digest.digest());
      }
    } catch (IOException e) {
      delete(target);
      throw new ImageBuildException(
          ImageBuildException.Kind.REMOTE,
          "cannot download the GitHub runner from " + uri + ": " + describeCause(e),
          e);
    } catch (InterruptedException e) {
      delete(target);
      Thread.currentThread().interrupt();
      throw new ImageBuildException(ImageBuildException.Kind.REMOTE, "interrupted", e);
    }
  }

  /** The SHA-256 of a file, lower-case hex. */
  static String sha256(Path file) {
    MessageDigest digest = sha256();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new ImageBuildException(ImageBuildException.Kind.STATE, "cannot read " + file, e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a leftover .part file is overwritten next time
    }
  }

  /** The exception's class and message, for a user who sees no stack trace. */
  static String describeCause(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static URI withoutTrailingSlash(URI uri) {
    String text = uri.toString();
    return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : uri;
  }
}
