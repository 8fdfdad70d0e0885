package dev.lgr.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's {@code X-Hub-Signature-256}: {@code sha256=} and the lower-case hex HMAC-SHA256 of the
 * exact body bytes, keyed with the webhook secret.
 */
public final class WebhookSignature {
  private static final String PREFIX = "sha256=";
  private static final int HEX_LENGTH = 64;

  private WebhookSignature() {}

  /** The header value GitHub would send for {@code body} signed with {@code secret}. */
  public static String sign(byte[] secret, byte[] body) {
    byte[] mac = hmac(secret, body);
    StringBuilder out = new StringBuilder(PREFIX.length() + HEX_LENGTH).append(PREFIX);
    for (byte b : mac) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }

  /**
   * True when {@code header} is a well-formed {@code sha256=} signature of {@code body} under
   * {@code secret}. The comparison takes the same time wherever the first differing byte is.
   */
  public static boolean verify(byte[] secret, byte[] body, String header) {
    byte[] claimed = parse(header);
    return claimed != null
        && secret.length > 0
        && MessageDigest.isEqual(claimed, hmac(secret, body));
  }

  /** True when {@code header} has the shape of a sha256 signature (it may still be wrong). */
  public static boolean isWellFormed(String header) {
    return parse(header) != null;
  }

  private static byte[] parse(String header) {
    if (header == null
        || header.length() != PREFIX.length() + HEX_LENGTH
        || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return null;
    }
    byte[] out = new byte[HEX_LENGTH / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = hexDigit(header.charAt(PREFIX.length() + 2 * i));
      int lo = hexDigit(header.charAt(PREFIX.length() + 2 * i + 1));
      if (hi < 0 || lo < 0) {
        return null;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  /**
   * ASCII hex only: Character.digit would also take other scripts' digits and full-width letters.
   */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static byte[] hmac(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  /** The key bytes GitHub uses for a secret typed as text. */
  public static byte[] key(String secret) {
    return secret.getBytes(StandardCharsets.UTF_8);
  }
}
