package dev.lgr.webhook;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A webhook request as any front end sees it (API Gateway v1 or v2, a function URL, {@code lgr
 * serve}): method, headers looked up in any case, and the exact body bytes.
 */
public final class HttpRequest {
  private final String method;
  private final Map<String, String> headers;
  private final byte[] body;

  /**
   * @param method the HTTP method, or null when the front end does not say
   * @param headers header names in any case; for a repeated header, the first value
   * @param body the exact bytes received (decoded from base64 where the front end encoded them)
   */
  public HttpRequest(String method, Map<String, String> headers, byte[] body) {
    this.method = method;
    this.headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, value) -> {
          if (name != null && value != null) {
            this.headers.putIfAbsent(name, value);
          }
        });
    this.body = body;
  }

  public String method() {
    return method;
  }

  /** The header's value, whatever the case of its name, or null. */
  public String header(String name) {
    return headers.get(name);
  }

  public byte[] body() {
    return body;
  }

  /** The media type of {@code Content-Type}, lower-case, without parameters; null when absent. */
  public String mediaType() {
    String value = header("content-type");
    if (value == null) {
      return null;
    }
    int semicolon = value.indexOf(';');
    return (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }
}
