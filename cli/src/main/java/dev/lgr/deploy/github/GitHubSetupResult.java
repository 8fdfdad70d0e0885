package dev.lgr.deploy.github;

import java.util.Optional;

/**
 * What {@link GitHubService#setUp} did.
 *
 * @param webhook lgr's webhook
 * @param placeholder the placeholder runner, empty when it was not asked for
 * @param ping the ping's delivery
 */
public record GitHubSetupResult(
    Webhook webhook, Optional<Placeholder> placeholder, PingDelivery ping) {}
