package dev.lgr.cli;

import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** {@code --profile} and {@code --region}, over the AWS SDK's default chains. */
public final class AwsOptions {
  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description =
          "AWS profile from ~/.aws/config (default: AWS_PROFILE, else the default chain).")
  String profile;

  @Option(
      names = "--region",
      paramLabel = "REGION",
      description = "AWS region (default: AWS_REGION, else the profile's region).")
  String region;

  /** The region from the flag or the SDK's chain (environment, profile). */
  public Region region() {
    if (region != null) {
      return Region.of(region);
    }
    try {
      DefaultAwsRegionProviderChain.Builder chain = DefaultAwsRegionProviderChain.builder();
      if (profile != null) {
        chain.profileName(profile);
      }
      return chain.build().getRegion();
    } catch (SdkClientException e) {
      throw new LgrException(
          ExitCode.USAGE, "no AWS region: pass --region, set AWS_REGION, or give the profile one");
    }
  }

  /** Credentials from the SDK's default chain, for the profile when one is named. */
  public AwsCredentialsProvider credentials() {
    DefaultCredentialsProvider.Builder chain = DefaultCredentialsProvider.builder();
    if (profile != null) {
      chain.profileName(profile);
    }
    return chain.build();
  }

  /** Uses lgr.yaml's profile and region where no flag gave one. */
  public void applyDefaults(String profileFromFile, String regionFromFile) {
    if (profile == null) {
      profile = profileFromFile;
    }
    if (region == null) {
      region = regionFromFile;
    }
  }

  /**
   * Whether {@code AWS_ENDPOINT_URL} points every client elsewhere (a local stand-in): S3 then
   * needs path-style addresses.
   */
  public boolean endpointOverridden() {
    String endpoint = System.getenv("AWS_ENDPOINT_URL");
    return endpoint != null && !endpoint.isBlank();
  }

  /** A client with this region and credentials (the SDK honours {@code AWS_ENDPOINT_URL}). */
  public <C, B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, C>>
      C client(B builder) {
    return builder.region(region()).credentialsProvider(credentials()).build();
  }
}
