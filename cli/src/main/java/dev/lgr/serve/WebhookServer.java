package dev.lgr.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lgr.webhook.HttpRequest;
import dev.lgr.webhook.HttpResponse;
import dev.lgr.webhook.WebhookService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The webhook function's code behind a local HTTP server ({@code POST /webhook}), for trying a
 * repository's webhook through a tunnel and for tests. Uses the JDK's own HTTP server.
 */
public final class WebhookServer implements AutoCloseable {
  public static final String PATH = "/webhook";

  private final HttpServer server;
  private final ExecutorService workers;
  private final WebhookService service;

  private WebhookServer(HttpServer server, ExecutorService workers, WebhookService service) {
    this.server = server;
    this.workers = workers;
    this.service = service;
  }

  /**
   * Starts listening.
   *
   * @param address where to listen; port 0 picks a free one
   * @param service the webhook service every request goes to
   * @throws IOException when the address cannot be bound
   */
  public static WebhookServer start(InetSocketAddress address, WebhookService service)
      throws IOException {
    HttpServer server = HttpServer.create(address, 64);
    ExecutorService workers =
        Executors.newFixedThreadPool(
            Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
            runnable -> {
              Thread thread = new Thread(runnable, "lgr-serve");
              thread.setDaemon(true);
              return thread;
            });
    WebhookServer webhook = new WebhookServer(server, workers, service);
    server.createContext("/", webhook::exchange);
    server.setExecutor(workers);
    server.start();
    return webhook;
  }

  /** The URL GitHub (or a tunnel) should deliver to. */
  public URI url() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + address.getPort() + PATH);
  }

  private void exchange(HttpExchange exchange) throws IOException {
    try (exchange) {
      HttpResponse response;
      if (!exchange.getRequestURI().getPath().equals(PATH)) {
        response = new HttpResponse(404, "{\"reason\":\"not found: deliver to " + PATH + "\"}");
      } else {
        byte[] body = readAtMost(exchange.getRequestBody(), WebhookService.MAX_BODY_BYTES + 1);
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
          if (!header.getValue().isEmpty()) {
            headers.put(header.getKey(), header.getValue().get(0));
          }
        }
        response = service.handle(new HttpRequest(exchange.getRequestMethod(), headers, body));
      }
      byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(response.status(), bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** Reads up to {@code limit} bytes: enough to see that a body is over the cap, no more. */
  private static byte[] readAtMost(InputStream in, int limit) throws IOException {
    byte[] bytes = in.readNBytes(limit);
    if (bytes.length == limit) {
      in.skip(Long.MAX_VALUE);
    }
    return bytes;
  }

  /** Stops accepting, lets requests in flight finish (up to a second), and releases the port. */
  @Override
  public void close() {
    server.stop(1);
    workers.shutdown();
    try {
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
