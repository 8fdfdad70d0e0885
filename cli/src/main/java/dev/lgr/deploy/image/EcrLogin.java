package dev.lgr.deploy.image;

import com.google.cloud.tools.jib.api.Credential;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;

/**
 * A registry login from ECR's GetAuthorizationToken: user {@code AWS} and a password valid for 12
 * hours, for the account's registry ({@code ACCOUNT.dkr.ecr.REGION.amazonaws.com}).
 *
 * @param registry the account's registry host, from the token's proxy endpoint
 * @param credential user and password
 */
public record EcrLogin(String registry, Credential credential) {
  private static final Pattern ECR_HOST =
      Pattern.compile("\\d{12}\\.dkr\\.ecr(-fips)?\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?");

  /** Asks ECR for a login with the client's credentials and region. */
  public static EcrLogin of(EcrClient ecr) {
    AuthorizationData data;
    try {
      data = ecr.getAuthorizationToken().authorizationData().stream().findFirst().orElse(null);
    } catch (SdkException e) {
      throw new ImageBuildException(
          ImageBuildException.Kind.REMOTE,
          "cannot get a registry login from ECR (GetAuthorizationToken): " + e.getMessage(),
          e);
    }
    if (data == null || data.authorizationToken() == null) {
      throw new ImageBuildException(
          ImageBuildException.Kind.REMOTE, "ECR's GetAuthorizationToken returned no token");
    }
    String decoded =
        new String(Base64.getDecoder().decode(data.authorizationToken()), StandardCharsets.UTF_8);
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new ImageBuildException(
          ImageBuildException.Kind.REMOTE, "ECR's authorization token is not user:password");
    }
    String endpoint = data.proxyEndpoint() == null ? "" : data.proxyEndpoint();
    String registry = endpoint.contains("://") ? URI.create(endpoint).getAuthority() : endpoint;
    return new EcrLogin(
        registry, Credential.from(decoded.substring(0, colon), decoded.substring(colon + 1)));
  }

  /** Whether {@code registry} is an ECR private registry host. */
  public static boolean isEcr(String registry) {
    return ECR_HOST.matcher(registry).matches();
  }

  /** This login's credentials, for {@code registry} (another host, as for a mirror or a test). */
  public RegistryCredentials forRegistry(String other) {
    return RegistryCredentials.of(other, credential);
  }
}
