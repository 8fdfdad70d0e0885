package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GitHub's X-Hub-Signature-256, checked against the example GitHub's documentation gives. */
class WebhookSignatureTest {
  // docs.github.com, "Validating webhook deliveries": this secret and payload give this signature.
  private static final byte[] DOCS_SECRET = WebhookSignature.key("It's a Secret to Everybody");
  private static final byte[] DOCS_PAYLOAD = "Hello, World!".getBytes(StandardCharsets.UTF_8);
  private static final String DOCS_SIGNATURE =
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

  @Test
  void sign_matchesGitHubsDocumentedExample() {
    assertThat(WebhookSignature.sign(DOCS_SECRET, DOCS_PAYLOAD)).isEqualTo(DOCS_SIGNATURE);
  }

  @Test
  void verify_acceptsGitHubsDocumentedExample() {
    assertThat(WebhookSignature.verify(DOCS_SECRET, DOCS_PAYLOAD, DOCS_SIGNATURE)).isTrue();
  }

  @Test
  void verify_rejectsAnotherBodySecretOrSignature() {
    assertThat(WebhookSignature.verify(DOCS_SECRET, "Hello, World?".getBytes(), DOCS_SIGNATURE))
        .isFalse();
    assertThat(
            WebhookSignature.verify(
                WebhookSignature.key("It's a secret to everybody"), DOCS_PAYLOAD, DOCS_SIGNATURE))
        .isFalse();
    assertThat(
            WebhookSignature.verify(
                DOCS_SECRET, DOCS_PAYLOAD, DOCS_SIGNATURE.substring(0, 70) + "0"))
        .isFalse();
  }

  @Test
  void verify_withAnEmptySecret_isFalse() {
    assertThat(WebhookSignature.verify(new byte[0], DOCS_PAYLOAD, DOCS_SIGNATURE)).isFalse();
  }

  @Test
  void isWellFormed_takesOnlySha256AndSixtyFourHexDigits() {
    String hex = DOCS_SIGNATURE.substring(7);
    assertThat(WebhookSignature.isWellFormed(DOCS_SIGNATURE)).isTrue();
    List<String> malformed =
        List.of(
            "",
            "sha256=",
            "sha1=" + hex.substring(0, 40),
            "sha1=" + hex,
            "sha256=" + hex.substring(1),
            DOCS_SIGNATURE + "0",
            "sha256=" + hex.substring(0, 62) + "0x",
            "sha256=" + hex.substring(0, 63) + "-",
            "sha256=" + "\u0660".repeat(64),
            "sha256=" + "\uFF41".repeat(64),
            "sha256 " + hex,
            hex + "1234567");
    for (String header : malformed) {
      assertThat(WebhookSignature.isWellFormed(header)).as(header).isFalse();
      assertThat(WebhookSignature.verify(DOCS_SECRET, DOCS_PAYLOAD, header)).as(header).isFalse();
    }
    assertThat(WebhookSignature.isWellFormed(null)).isFalse();
  }

  @Test
  void key_isTheSecretsUtf8Bytes() {
    assertThat(WebhookSignature.key("päss")).isEqualTo("päss".getBytes(StandardCharsets.UTF_8));
  }
}
