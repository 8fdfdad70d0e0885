package dev.lgr.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The container registry stand-in for integration tests: Debian's CNCF distribution registry
 * ({@code docker-registry serve}) on 127.0.0.1 with filesystem storage in a temporary folder, TLS
 * with a self-signed certificate for IP 127.0.0.1, and htpasswd basic auth for user {@code AWS}
 * with moto's ECR password, so that a login from moto's GetAuthorizationToken works against it as
 * one from ECR works against ECR.
 *
 * <p>The test JVM trusts the certificate through {@code javax.net.ssl.trustStore} (set by the
 * Failsafe configuration, or here when unset): one key and certificate per JVM, written to that
 * trust store before the first TLS connection. Needs {@code docker-registry}, {@code htpasswd} and
 * {@code openssl}: {@code apt-get install -y docker-registry apache2-utils} ({@code .ci/run} does).
 */
public final class RegistryServer implements AutoCloseable {
  /** The user of ECR's logins. */
  public static final String USER = "AWS";

  /** The password half of moto's ECR token ({@code AWS:123456789012-auth-token}). */
  public static final String PASSWORD = "123456789012-auth-token";

  static final String TRUST_STORE_PASSWORD = "lgr-test";

  private static Path tls;

  private final Process process;
  private final Path root;
  private final int port;

  private RegistryServer(Process process, Path root, int port) {
    this.process = process;
    this.root = root;
    this.port = port;
  }

  /** Starts a registry with empty storage; fails, never skips, when a tool is missing. */
  public static RegistryServer start() throws IOException, InterruptedException {
    Path certificates = certificates();
    Path root = Files.createTempDirectory("lgr-registry-");
    int port = freePort();
    Path htpasswd = root.resolve("htpasswd");
    Files.writeString(htpasswd, run(List.of("htpasswd", "-Bbn", USER, PASSWORD)).strip() + "\n");
    Path config = root.resolve("config.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "version: 0.1",
            "log:",
            "  level: error",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            "    rootdirectory: " + root.resolve("data"),
            "  delete:",
            "    enabled: true",
            "http:",
            "  addr: 127.0.0.1:" + port,
            "  tls:",
            "    certificate: " + certificates.resolve("cert.pem"),
            "    key: " + certificates.resolve("key.pem"),
            "auth:",
            "  htpasswd:",
            "    realm: lgr-test",
            "    path: " + htpasswd,
            ""));
    Path log = root.resolve("registry.log");
    Process process;
    try {
      process =
          new ProcessBuilder("docker-registry", "serve", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw missing("docker-registry", e);
    }
    RegistryServer server = new RegistryServer(process, root, port);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "docker-registry exited at once; its log:\n" + Files.readString(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return server;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    server.close();
    throw new IllegalStateException("docker-registry did not listen on port " + port + " in 20 s");
  }

  /** {@code 127.0.0.1:PORT}, the registry part of an image reference. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** The digests of every blob the registry stores (layers, configurations, manifests). */
  public Set<String> blobs() throws IOException {
    Path blobs = root.resolve("data/docker/registry/v2/blobs/sha256");
    Set<String> digests = new TreeSet<>();
    if (!Files.isDirectory(blobs)) {
      return digests;
    }
    try (Stream<Path> walk = Files.walk(blobs, 2)) {
      walk.filter(p -> p.getFileName().toString().length() == 64)
          .forEach(p -> digests.add("sha256:" + p.getFileName()));
    }
    return digests;
  }

  /** A stored blob's bytes. */
  public byte[] blob(String digest) throws IOException {
    String hex = digest.substring("sha256:".length());
    return Files.readAllBytes(
        root.resolve("data/docker/registry/v2/blobs/sha256")
            .resolve(hex.substring(0, 2))
            .resolve(hex)
            .resolve("data"));
  }

  /** The tags of a repository, empty when it does not exist. */
  public Set<String> tags(String repository) throws IOException {
    Path tags = root.resolve("data/docker/registry/v2/repositories").resolve(repository);
    tags = tags.resolve("_manifests/tags");
    Set<String> names = new TreeSet<>();
    if (Files.isDirectory(tags)) {
      try (Stream<Path> list = Files.list(tags)) {
        list.forEach(p -> names.add(p.getFileName().toString()));
      }
    }
    return names;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteTree(root);
  }

  /** One key and certificate per JVM, and the trust store that trusts it. */
  private static synchronized Path certificates() throws IOException, InterruptedException {
    if (tls != null) {
      return tls;
    }
    String store = System.getProperty("javax.net.ssl.trustStore");
    if (store == null) {
      store = Files.createTempDirectory("lgr-registry-tls-").resolve("truststore.p12").toString();
      System.setProperty("javax.net.ssl.trustStore", store);
      System.setProperty("javax.net.ssl.trustStorePassword", TRUST_STORE_PASSWORD);
      System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }
    Path folder = Path.of(store).toAbsolutePath().getParent();
    Files.createDirectories(folder);
    run(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            folder.resolve("key.pem").toString(),
            "-out",
            folder.resolve("cert.pem").toString()));
    try (InputStream in = Files.newInputStream(folder.resolve("cert.pem"));
        OutputStream out = Files.newOutputStream(Path.of(store))) {
      Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("lgr-test-registry", certificate);
      trust.store(out, TRUST_STORE_PASSWORD.toCharArray());
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot write the test trust store " + store, e);
    }
    tls = folder;
    return tls;
  }

  /**
   * Makes the trust store {@code javax.net.ssl.trustStore} names (with the registry's certificate)
   * if it is not there yet: a test that makes HTTP clients in this JVM before any registry starts
   * needs it, as the JVM's default TLS context reads it once.
   */
  public static void ensureTrustStore() throws IOException, InterruptedException {
    certificates();
  }

  /** The trust store this JVM uses, for child processes: {@code -Djavax.net.ssl.trustStore=…}. */
  public static List<String> trustStoreOptions() {
    return List.of(
        "-Djavax.net.ssl.trustStore=" + System.getProperty("javax.net.ssl.trustStore"),
        "-Djavax.net.ssl.trustStorePassword=" + TRUST_STORE_PASSWORD,
        "-Djavax.net.ssl.trustStoreType=PKCS12");
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw missing(command.get(0), e);
    }
    byte[] output = process.getInputStream().readAllBytes();
    if (process.waitFor() != 0) {
      throw new IllegalStateException(
          String.join(" ", command.subList(0, 2))
              + " failed: "
              + new String(output, StandardCharsets.UTF_8));
    }
    return new String(output, StandardCharsets.UTF_8);
  }

  private static IllegalStateException missing(String tool, IOException e) {
    return new IllegalStateException(
        "the registry integration tests need "
            + tool
            + " (docker-registry, htpasswd, openssl): apt-get install -y docker-registry"
            + " apache2-utils openssl (.ci/run installs them)",
        e);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary folder
    }
  }
}
