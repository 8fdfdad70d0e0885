package dev.lgr.deploy.github;

import java.net.URI;

/**
 * lgr's webhook on a repository or organization.
 *
 * @param id GitHub's hook id
 * @param url where GitHub delivers ({@code config.url})
 * @param created true when this run created it, false when it updated the one lgr made before
 */
public record Webhook(long id, URI url, boolean created) {}
