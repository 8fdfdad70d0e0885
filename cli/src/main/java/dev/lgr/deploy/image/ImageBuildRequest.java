package dev.lgr.deploy.image;

/**
 * What to build.
 *
 * @param arch the image's architecture
 * @param baseImage the base image reference (a Lambda Java 21 image with the OS packages)
 * @param target where the image goes
 * @param runnerVersion the GitHub runner version, {@code latest}, or null for lgr's own
 * @param functionJars the runner function's jars, or null for those lgr was built with
 * @param credentials credentials for the base and target registries
 */
public record ImageBuildRequest(
    Arch arch,
    String baseImage,
    ImageTarget target,
    String runnerVersion,
    FunctionJars functionJars,
    RegistryCredentials credentials) {}
