package dev.lgr.deploy.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * GitHub's side of a runner release, on loopback: the release archives under {@code
 * /download/v<version>/<name>} (GitHub's release download layout) and the REST API's {@code GET
 * /repos/actions/runner/releases/latest} and {@code …/releases/tags/v<version>} under {@code /api},
 * answering with GitHub's own release example filled with the runner release.
 */
final class ReleaseServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, String> releases = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger downloads = new AtomicInteger();
  private volatile String latest;

  ReleaseServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  URI downloads() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/download");
  }

  URI api() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api");
  }

  /** Serves {@code bytes} as the archive {@code name} of {@code version}. */
  void serve(String version, String name, byte[] bytes) {
    files.put("/download/v" + version + "/" + name, bytes);
  }

  /**
   * Describes a release the API way: GitHub's example with this tag, release notes listing each
   * archive's SHA-256 between GitHub's markers, and one asset (with its digest) per archive.
   */
  void publish(String version, Map<String, String> sha256ByArch, boolean latest)
      throws IOException {
    ObjectNode release = (ObjectNode) JSON.readTree(GitHubReleaseExamples.RELEASE);
    release.put("tag_name", "v" + version);
    release.put("name", "v" + version);
    StringBuilder notes = new StringBuilder("## SHA-256 Checksums\n\n");
    ArrayNode assets = release.putArray("assets");
    for (Map.Entry<String, String> arch : sha256ByArch.entrySet()) {
      String name = "actions-runner-linux-" + arch.getKey() + "-" + version + ".tar.gz";
      notes.append("- ").append(name).append(" <!-- BEGIN SHA linux-").append(arch.getKey());
      notes.append(" -->").append(arch.getValue()).append("<!-- END SHA linux-");
      notes.append(arch.getKey()).append(" -->\n");
      ObjectNode asset = (ObjectNode) JSON.readTree(GitHubReleaseExamples.RELEASE_ASSET);
      asset.put("name", name);
      asset.put("digest", "sha256:" + arch.getValue());
      asset.put("browser_download_url", downloads() + "/v" + version + "/" + name);
      assets.add(asset);
    }
    release.put("body", notes.toString());
    releases.put(version, JSON.writeValueAsString(release));
    if (latest) {
      this.latest = version;
    }
  }

  /** Answers {@code latest} with GitHub's example release, unchanged (tag v1.0.0, no runner). */
  void publishExampleAsLatest() {
    releases.put("1.0.0", GitHubReleaseExamples.RELEASE);
    latest = "1.0.0";
  }

  int downloadCount() {
    return downloads.get();
  }

  List<String> requests() {
    return requests;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.add(exchange.getRequestMethod() + " " + path);
    byte[] body = null;
    String type = "application/octet-stream";
    if (!exchange.getRequestMethod().equals("GET")) {
      body = null;
    } else if (files.containsKey(path)) {
      downloads.incrementAndGet();
      body = files.get(path);
    } else if (path.equals("/api/repos/actions/runner/releases/latest") && latest != null) {
      body = releases.get(latest).getBytes(StandardCharsets.UTF_8);
      type = "application/json; charset=utf-8";
    } else if (path.startsWith("/api/repos/actions/runner/releases/tags/v")) {
      String release = releases.get(path.substring(path.lastIndexOf("/v") + 2));
      if (release != null) {
        body = release.getBytes(StandardCharsets.UTF_8);
        type = "application/json; charset=utf-8";
      }
    }
    if (body == null) {
      body = "{\"message\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      exchange.sendResponseHeaders(404, body.length);
    } else {
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(200, body.length);
    }
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
