package dev.lgr.deploy.image;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.registry.RegistryClient;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Builds lgr's runner image with Jib and pushes it (or writes it as a tarball). From the base image
 * up, the layers are: the GitHub runner at {@code /opt/actions-runner}, the runner function's
 * libraries, the runner function's own jar (both in {@code /var/task/lib}), and the image's own
 * files. The image starts the Lambda Java runtime of the base image with {@link #HANDLER}.
 *
 * <p>Same inputs give the same digest (Jib's fixed timestamps are kept), and an unchanged rebuild
 * pushes no layer: Jib asks the registry for each layer first. Never prints; reports progress to a
 * {@link BuildListener}.
 */
public final class ImageService {
  /** The runner function, as the Lambda Java runtime names it (the image's CMD). */
  public static final String HANDLER = "dev.lgr.lambda.runner.RunnerFunction::handleRequest";

  /** The Lambda convention: the function's code in {@code /var/task}, its jars in {@code lib/}. */
  static final AbsoluteUnixPath TASK_ROOT = AbsoluteUnixPath.get("/var/task");

  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  // What Jib 0.28 says about each blob it pushes or finds already there (PushBlobStep,
  // ObtainBaseImageLayerStep); ImageServiceIT checks the counts these give.
  private static final String PUSHING_BLOB = "pushing blob ";
  private static final String CHECKING_BASE_LAYER = "checking base image layer ";
  private static final List<String> BLOB_PRESENT =
      List.of(
          "Skipping push; BLOB already exists on target registry",
          "Skipping pull; BLOB already exists on target registry");

  private final RunnerReleases runners;
  private final Path cache;
  private final String lgrVersion;

  /**
   * @param runners where runner releases come from (and their archives' cache)
   * @param cache lgr's cache folder ({@code ~/.cache/lgr}): unpacked runners, jars, Jib's layers
   * @param lgrVersion recorded in the image
   */
  public ImageService(RunnerReleases runners, Path cache, String lgrVersion) {
    this.runners = runners;
    this.cache = cache;
    this.lgrVersion = lgrVersion;
  }

  /** The tag an image gets when its reference names none: {@code runner-2.338.0-amd64}. */
  public static String defaultTag(RunnerRelease release, Arch arch) {
    return "runner-" + release.version() + "-" + arch.platform();
  }

  /**
   * Builds the image and pushes it to (or writes it at) the request's target.
   *
   * @throws ImageBuildException with a message for the user; nothing is pushed when the runner
   *     archive fails its checksum or the base image cannot be read
   */
  public ImageBuildResult build(ImageBuildRequest request, BuildListener listener) {
    long started = System.nanoTime();
    Arch arch = request.arch();
    RegistryCredentials credentials =
        request.credentials() == null ? RegistryCredentials.none() : request.credentials();

    ImageReference base = parse(request.baseImage(), "--base-image");
    ImageReference requested = request.target().image();

    // Three independent preparations, run side by side so that an unchanged rebuild waits for the
    // slowest (usually re-checking the cached runner archive's checksum) rather than for all:
    // the runner (resolve, download or re-check, unpack), the function's jars, the base image.
    ExecutorService workers =
        Executors.newFixedThreadPool(
            4,
            task -> {
              Thread thread = new Thread(task, "lgr-image-prepare");
              thread.setDaemon(true);
              return thread;
            });
    Runner prepared;
    FunctionJars jars;
    try {
      CompletableFuture<Runner> runnerReady =
          CompletableFuture.supplyAsync(
              () -> prepareRunner(request, arch, listener, workers), workers);
      CompletableFuture<FunctionJars> jarsReady =
          CompletableFuture.supplyAsync(
              () ->
                  request.functionJars() != null
                      ? request.functionJars()
                      : FunctionJars.bundled(cache.resolve("function-jars")),
              workers);
      CompletableFuture<Void> baseReady =
          CompletableFuture.runAsync(() -> checkBase(base, credentials, listener), workers);
      awaitAll(runnerReady, jarsReady, baseReady);
      prepared = runnerReady.join();
      jars = jarsReady.join();
    } finally {
      // When one preparation fails, the others stop before build() returns: nothing may go on
      // writing into the cache behind the caller's back.
      workers.shutdownNow();
      try {
        if (!workers.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
          listener.log(
              System.Logger.Level.WARNING,
              "an image preparation did not stop within 30 s of a failure");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    RunnerRelease release = prepared.release();
    Path runner = prepared.root();

    ImageReference target = requested;
    if (target.usesDefaultTag() && target.getDigest().isEmpty()) {
      target = target.withQualifier(defaultTag(release, arch));
    }

    JibContainerBuilder image =
        Jib.from(registryImage(base, credentials))
            .setPlatforms(Set.of(new Platform(arch.platform(), "linux")))
            .addFileEntriesLayer(RunnerInstall.layer(runner, listener))
            .addFileEntriesLayer(jarLayer("runner function libraries", jars.dependencies()))
            .addFileEntriesLayer(jarLayer("runner function", List.of(jars.function())))
            .addFileEntriesLayer(filesLayer(release, arch))
            .setProgramArguments(List.of(HANDLER))
            .addEnvironmentVariable("LAMBDA_TASK_ROOT", TASK_ROOT.toString())
            .addEnvironmentVariable("LGR_RUNNER_DIR", RunnerInstall.TARGET.toString())
            .addLabel("dev.lgr.runner.version", release.version())
            .addLabel("dev.lgr.version", lgrVersion);

    PushTally tally = new PushTally();
    DoubleAdder progress = new DoubleAdder();
    Containerizer containerizer =
        containerizer(request.target(), target, credentials)
            .setToolName("lgr")
            .setToolVersion(lgrVersion)
            .setBaseImageLayersCache(cache.resolve("jib").resolve("base"))
            .setApplicationLayersCache(cache.resolve("jib").resolve("application"))
            .addEventHandler(
                LogEvent.class,
                event -> {
                  tally.log(event);
                  log(listener, event);
                })
            .addEventHandler(
                ProgressEvent.class,
                event -> {
                  tally.progress(event);
                  // Jib's way (ProgressEventHandler): each allocation holds a share of the root.
                  progress.add(event.getUnits() * event.getAllocation().getFractionOfRoot());
                  listener.progress(
                      Math.min(1.0, progress.sum()), event.getAllocation().getDescription());
                });

    listener.step(
        request.target() instanceof ImageTarget.Tar tar
            ? "Building " + target + " into " + tar.file()
            : "Building and pushing " + target);
    JibContainer container;
    try {
      container = image.containerize(containerizer);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageBuildException(ImageBuildException.Kind.REMOTE, "interrupted", e);
    } catch (CacheDirectoryCreationException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE,
          "cannot create Jib's cache in " + cache.resolve("jib") + ": " + e.getMessage(),
          e);
    } catch (ExecutionException | RegistryException | IOException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      String where =
          request.target() instanceof ImageTarget.Tar tar
              ? "cannot build the image into " + tar.file()
              : "cannot push the image to " + target;
      throw failure(where, cause);
    }
    String imageId = container.getImageId().toString();
    boolean pushes = request.target() instanceof ImageTarget.Registry;
    return new ImageBuildResult(
        target,
        container.getDigest().toString(),
        imageId,
        release,
        arch,
        base.toString(),
        4,
        pushes ? tally.pushed(imageId) : 0,
        pushes ? tally.present(imageId) : 0,
        pushes ? tally.bytesPushed(imageId) : 0,
        Duration.ofNanos(System.nanoTime() - started));
  }

  /** A runner release, checked and unpacked. */
  private record Runner(RunnerRelease release, Path root) {}

  private Runner prepareRunner(
      ImageBuildRequest request, Arch arch, BuildListener listener, Executor workers) {
    CompletableFuture<String> cached = runners.hashCached(request.runnerVersion(), arch, workers);
    listener.step(
        request.runnerVersion() == null
            ? "Using the GitHub runner lgr was made with"
            : "Looking up the GitHub runner " + request.runnerVersion());
    RunnerRelease release = runners.resolve(request.runnerVersion());
    String sha256 = release.checksum(arch);
    Path archive =
        runners.archive(
            release,
            arch,
            listener,
            cached != null && release.version().equals(versionOf(request, release))
                ? cached
                : null);
    Path root =
        RunnerInstall.extract(
            archive,
            sha256,
            "actions-runner-" + release.version() + "-linux-" + arch.runner(),
            cache.resolve("runner"),
            listener);
    return new Runner(release, root);
  }

  private static String versionOf(ImageBuildRequest request, RunnerRelease release) {
    String spec = request.runnerVersion();
    return spec == null || spec.isBlank() ? release.version() : spec.strip().replaceFirst("^v", "");
  }

  /** Waits for all the tasks; throws the first failure as soon as there is one. */
  private static void awaitAll(CompletableFuture<?>... tasks) {
    CompletableFuture<Void> failed = new CompletableFuture<>();
    for (CompletableFuture<?> task : tasks) {
      task.whenComplete(
          (value, error) -> {
            if (error != null) {
              failed.completeExceptionally(error);
            }
          });
    }
    try {
      CompletableFuture.anyOf(CompletableFuture.allOf(tasks), failed).join();
    } catch (CompletionException e) {
      Throwable cause =
          e.getCause() instanceof CompletionException inner ? inner.getCause() : e.getCause();
      if (cause instanceof RuntimeException failure) {
        throw failure;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  private static ImageReference parse(String reference, String what) {
    try {
      return ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.INPUT,
          "'" + reference + "' is not an image reference (" + what + ")",
          e);
    }
  }

  private static RegistryImage registryImage(
      ImageReference image, RegistryCredentials credentials) {
    return RegistryImage.named(image)
        .addCredentialRetriever(() -> credentials.forRegistry(image.getRegistry()));
  }

  private static Containerizer containerizer(
      ImageTarget request, ImageReference target, RegistryCredentials credentials) {
    if (request instanceof ImageTarget.Tar tar) {
      return Containerizer.to(TarImage.at(tar.file().toAbsolutePath()).named(target));
    }
    return Containerizer.to(registryImage(target, credentials));
  }

  private static FileEntriesLayer jarLayer(String name, List<Path> jars) {
    FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName(name);
    for (Path jar : jars) {
      layer.addEntry(
          jar,
          TASK_ROOT.resolve("lib").resolve(jar.getFileName().toString()),
          FilePermissions.DEFAULT_FILE_PERMISSIONS);
    }
    return layer.build();
  }

  /** runner-image/files, and {@code /opt/lgr/image.properties} saying what went in. */
  private FileEntriesLayer filesLayer(RunnerRelease release, Arch arch) {
    try {
      Map<String, byte[]> files = new TreeMap<>();
      List<BundledFiles.Entry> bundled = BundledFiles.list("files");
      if (bundled != null) {
        for (BundledFiles.Entry file : bundled) {
          files.put(file.path(), file.bytes());
        }
      }
      String properties =
          "# What this lgr runner image was built from.\n"
              + "lgr.version="
              + lgrVersion
              + "\nrunner.version="
              + release.version()
              + "\nrunner.sha256="
              + release.checksum(arch)
              + "\narch="
              + arch.platform()
              + "\nhandler="
              + HANDLER
              + "\n";
      files.put("opt/lgr/image.properties", properties.getBytes(StandardCharsets.UTF_8));

      var digest = RunnerReleases.sha256();
      files.forEach(
          (path, bytes) -> {
            digest.update(path.getBytes(StandardCharsets.UTF_8));
            digest.update(bytes);
          });
      Path folder =
          cache.resolve("image-files").resolve(HexFormat.of().formatHex(digest.digest(), 0, 8));
      FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("image files");
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path stored = BundledFiles.store(folder.resolve(file.getKey()), file.getValue());
        layer.addEntry(
            stored,
            AbsoluteUnixPath.get("/" + file.getKey()),
            FilePermissions.DEFAULT_FILE_PERMISSIONS);
      }
      return layer.build();
    } catch (IOException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.STATE,
          "cannot prepare the image's files in " + cache + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Reads the base image's manifest before Jib starts: Jib pushes lgr's layers while it still
   * fetches the base, so a base that cannot be read would otherwise leave layers behind.
   */
  private static void checkBase(
      ImageReference base, RegistryCredentials credentials, BuildListener listener) {
    if (base.isScratch()) {
      return;
    }
    listener.step("Checking the base image " + base);
    probe(base.getRegistry(), "cannot read the base image " + base + " (nothing was pushed)");
    EventHandlers events =
        EventHandlers.builder().add(LogEvent.class, event -> log(listener, event)).build();
    FailoverHttpClient http = new FailoverHttpClient(false, false, event -> log(listener, event));
    try {
      RegistryClient.Factory factory =
          RegistryClient.factory(events, base.getRegistry(), base.getRepository(), http)
              .setUserAgent("lgr");
      Optional<?> manifest;
      try {
        manifest = factory.newRegistryClient().checkManifest(base.getQualifier());
      } catch (RegistryUnauthorizedException e) {
        Credential credential = credentials.forRegistry(base.getRegistry()).orElse(null);
        RegistryClient client = factory.setCredential(credential).newRegistryClient();
        if (!client.doPullBearerAuth()) {
          if (credential == null) {
            throw new ImageBuildException(
                ImageBuildException.Kind.REMOTE,
                "cannot read the base image "
                    + base
                    + " (nothing was pushed): "
                    + base.getRegistry()
                    + " asks for a login and lgr has none for it (see --registry-auth)",
                e);
          }
          client.configureBasicAuth();
        }
        manifest = client.checkManifest(base.getQualifier());
      }
      if (manifest.isEmpty()) {
        throw new ImageBuildException(
            ImageBuildException.Kind.INPUT,
            "the base image "
                + base
                + " does not exist (the registry has no such tag or digest);"
                + " nothing was pushed");
      }
    } catch (IOException | RegistryException e) {
      throw failure("cannot read the base image " + base + " (nothing was pushed)", e);
    } finally {
      try {
        http.shutDown();
      } catch (IOException ignored) {
        // connections close with the JVM
      }
    }
  }

  /**
   * Fails fast when nothing listens at the registry's address: Jib's HTTP client retries refused
   * connections for about a minute. Skipped behind an HTTPS proxy, which Jib goes through.
   */
  private static void probe(String registry, String what) {
    if (System.getProperty("https.proxyHost") != null) {
      return;
    }
    String host = registry;
    int port = 443;
    int colon = registry.lastIndexOf(':');
    if (colon > 0 && registry.indexOf(']') < colon) {
      host = registry.substring(0, colon);
      try {
        port = Integer.parseInt(registry.substring(colon + 1));
      } catch (NumberFormatException e) {
        return;
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 10_000);
    } catch (IOException e) {
      throw failure(what, e);
    }
  }

  /** An exception for the user: what failed, and the most telling cause. */
  static ImageBuildException failure(String what, Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof ImageBuildException known) {
        return known;
      }
      if (cause instanceof RegistryUnauthorizedException unauthorized) {
        return new ImageBuildException(
            ImageBuildException.Kind.REMOTE,
            what
                + ": the registry refused the credentials"
                + (unauthorized.getMessage() == null ? "" : " (" + unauthorized.getMessage() + ")"),
            error);
      }
      if (cause instanceof ConnectException
          || cause instanceof UnknownHostException
          || cause instanceof NoRouteToHostException
          || cause instanceof SocketTimeoutException
          || cause.getClass().getSimpleName().equals("HttpHostConnectException")) {
        return new ImageBuildException(
            ImageBuildException.Kind.REMOTE,
            what + ": cannot connect (" + RunnerReleases.describeCause(cause) + ")",
            error);
      }
      if (cause instanceof SSLException) {
        return new ImageBuildException(
            ImageBuildException.Kind.REMOTE,
            what + ": no trusted TLS connection (" + cause.getMessage() + ")",
            error);
      }
      if (cause instanceof InsecureRegistryException) {
        return new ImageBuildException(
            ImageBuildException.Kind.REMOTE,
            what + ": the registry offers no trusted HTTPS connection",
            error);
      }
    }
    return new ImageBuildException(
        ImageBuildException.Kind.REMOTE, what + ": " + RunnerReleases.describeCause(error), error);
  }

  private static void log(BuildListener listener, LogEvent event) {
    switch (event.getLevel()) {
      case ERROR, WARN -> listener.log(Level.WARNING, event.getMessage());
      case LIFECYCLE, PROGRESS, INFO -> listener.log(Level.INFO, event.getMessage());
      default -> listener.log(Level.DEBUG, event.getMessage());
    }
  }

  /**
   * Counts blobs from Jib's events: every layer Jib considers gets a progress allocation ("pushing
   * blob", sized; or, for the base image's, "checking base image layer"), and the ones the target
   * registry already holds a "Skipping push" or "Skipping pull" log line.
   */
  static final class PushTally {
    private final Map<String, Long> considered = new ConcurrentHashMap<>();
    private final Set<String> present = ConcurrentHashMap.newKeySet();

    void progress(ProgressEvent event) {
      String description = event.getAllocation().getDescription();
      if (description.startsWith(PUSHING_BLOB)) {
        considered.put(
            description.substring(PUSHING_BLOB.length()),
            event.getAllocation().getAllocationUnits());
      } else if (description.startsWith(CHECKING_BASE_LAYER)) {
        considered.putIfAbsent(description.substring(CHECKING_BASE_LAYER.length()), 0L);
      }
    }

    void log(LogEvent event) {
      if (BLOB_PRESENT.stream().anyMatch(event.getMessage()::startsWith)) {
        Matcher digest = DIGEST.matcher(event.getMessage());
        if (digest.find()) {
          present.add(digest.group());
        }
      }
    }

    int pushed(String config) {
      return (int)
          considered.keySet().stream()
              .filter(d -> !d.equals(config) && !present.contains(d))
              .count();
    }

    int present(String config) {
      return (int)
          considered.keySet().stream()
              .filter(d -> !d.equals(config) && present.contains(d))
              .count();
    }

    long bytesPushed(String config) {
      return considered.entrySet().stream()
          .filter(e -> !e.getKey().equals(config) && !present.contains(e.getKey()))
          .mapToLong(Map.Entry::getValue)
          .sum();
    }
  }
}
