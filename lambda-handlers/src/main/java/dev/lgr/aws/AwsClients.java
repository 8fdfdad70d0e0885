package dev.lgr.aws;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Builds the SDK clients the handlers use, lean for cold starts: the JDK's URL connection instead
 * of Apache or Netty, and region and credentials given rather than searched for.
 */
public final class AwsClients {
  private final Region region;
  private final AwsCredentialsProvider credentials;
  private final URI endpoint;

  /**
   * @param region the region of the queue and the secret
   * @param credentials where credentials come from (in Lambda: the function's environment)
   * @param endpoint an endpoint override (a local stand-in), or null for AWS's own
   */
  public AwsClients(Region region, AwsCredentialsProvider credentials, URI endpoint) {
    this.region = region;
    this.credentials = credentials;
    this.endpoint = endpoint;
  }

  /**
   * The clients of a Lambda function acting with its own role: region and credentials from the
   * environment Lambda sets ({@code AWS_REGION}, {@code AWS_ACCESS_KEY_ID}, ...).
   */
  public static AwsClients forFunction(java.util.Map<String, String> env) {
    return new AwsClients(
        Region.of(env.getOrDefault("AWS_REGION", "us-east-1")),
        software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider.create(),
        null);
  }

  public SqsClient sqs() {
    return configure(SqsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()))
        .build();
  }

  public SecretsManagerClient secretsManager() {
    return configure(
            SecretsManagerClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()))
        .build();
  }

  public StsClient sts() {
    return configure(StsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()))
        .build();
  }

  private <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
    builder.region(region).credentialsProvider(credentials);
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder;
  }
}
