package dev.lgr.deploy.github;

import java.util.List;

/**
 * The placeholder runner ({@value GitHubService#PLACEHOLDER_NAME}).
 *
 * @param runnerId GitHub's runner id
 * @param name its name
 * @param labels its labels as GitHub lists them
 * @param created true when this run registered it, false when it was there already
 */
public record Placeholder(long runnerId, String name, List<String> labels, boolean created) {}
