package dev.lgr.deploy.image;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException;
import java.util.Optional;

/** Where the credentials for a registry come from; empty means "try without". */
@FunctionalInterface
public interface RegistryCredentials {
  /**
   * @param registry a registry host, as in {@code 123456789012.dkr.ecr.eu-west-1.amazonaws.com}
   */
  Optional<Credential> forRegistry(String registry);

  /** Anonymous access everywhere. */
  static RegistryCredentials none() {
    return registry -> Optional.empty();
  }

  /** {@code credential} for {@code registry} only. */
  static RegistryCredentials of(String registry, Credential credential) {
    return host -> host.equals(registry) ? Optional.of(credential) : Optional.empty();
  }

  /**
   * What {@code docker login} left: ~/.docker/config.json, its credential helpers, and the
   * well-known helpers on the PATH.
   */
  static RegistryCredentials dockerConfig() {
    return registry -> {
      CredentialRetrieverFactory factory =
          CredentialRetrieverFactory.forImage(
              ImageReference.of(registry, "lgr", null), event -> {});
      try {
        Optional<Credential> credential = factory.dockerConfig().retrieve();
        return credential.isPresent()
            ? credential
            : factory.wellKnownCredentialHelpers().retrieve();
      } catch (CredentialRetrievalException e) {
        throw new ImageBuildException(
            ImageBuildException.Kind.REMOTE,
            "cannot read the Docker credentials for " + registry + ": " + e.getMessage(),
            e);
      }
    };
  }

  /** These credentials, else {@code other}'s. */
  default RegistryCredentials orElse(RegistryCredentials other) {
    return registry -> {
      Optional<Credential> mine = forRegistry(registry);
      return mine.isPresent() ? mine : other.forRegistry(registry);
    };
  }
}
