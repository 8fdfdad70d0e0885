package dev.lgr.deploy.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lgr.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** The deploy's secrets and code upload, against Secrets Manager and S3 on moto server. */
class DeployStorageIT {
  private final SecretsManagerClient secretsManager = MotoServer.clients().secretsManager();
  private final S3Client s3 =
      S3Client.builder()
          .region(MotoServer.REGION)
          .credentialsProvider(MotoServer.credentials())
          .endpointOverride(MotoServer.endpoint())
          .forcePathStyle(true)
          .build();

  @Test
  void gitHubCredential_isCreatedOnce_thenUpdatedOnlyWhenItChanges() {
    DeploySecrets secrets = new DeploySecrets(secretsManager, MotoServer.unique("stack"));

    DeploySecrets.Secret first = secrets.putGitHubCredential("fake-gh-token-first");
    DeploySecrets.Secret again = secrets.putGitHubCredential("fake-gh-token-first");
    DeploySecrets.Secret changed = secrets.putGitHubCredential("fake-gh-token-second");

    assertThat(first.change()).isEqualTo(DeploySecrets.Change.CREATED);
    assertThat(again.change()).isEqualTo(DeploySecrets.Change.UNCHANGED);
    assertThat(changed.change()).isEqualTo(DeploySecrets.Change.UPDATED);
    assertThat(again.arn()).isEqualTo(first.arn()).isEqualTo(changed.arn());
    assertThat(secretsManager.getSecretValue(b -> b.secretId(first.arn())).secretString())
        .isEqualTo("fake-gh-token-second");
    assertThat(secretsManager.listSecretVersionIds(b -> b.secretId(first.arn())).versions().size())
        .as("an unchanged deploy adds no version")
        .isEqualTo(2);
    assertThat(changed.toString()).doesNotContain("fake-gh-token-second");
  }

  @Test
  void webhookSecret_isGeneratedOnce_andKeptAcrossDeploys() {
    DeploySecrets secrets = new DeploySecrets(secretsManager, MotoServer.unique("stack"));

    DeploySecrets.Secret first = secrets.webhookSecret();
    DeploySecrets.Secret second = secrets.webhookSecret();

    assertThat(first.change()).isEqualTo(DeploySecrets.Change.CREATED);
    assertThat(first.value()).matches("[0-9a-f]{64}");
    assertThat(second.change()).isEqualTo(DeploySecrets.Change.UNCHANGED);
    assertThat(second.value()).isEqualTo(first.value());
    assertThat(
            new DeploySecrets(secretsManager, MotoServer.unique("other")).webhookSecret().value())
        .isNotEqualTo(first.value());
  }

  @Test
  void emptyToken_isRefusedBeforeAnythingIsWritten() {
    String stack = MotoServer.unique("stack");
    DeploySecrets secrets = new DeploySecrets(secretsManager, stack);

    assertThatThrownBy(() -> secrets.putGitHubCredential(" "))
        .hasMessageContaining("GitHub token is empty");
    assertThat(secretsManager.listSecrets().secretList())
        .noneMatch(s -> s.name().equals(secrets.credentialName()));
  }

  @Test
  void functionCode_goesUnderItsHash_andIsNotUploadedTwice(@TempDir Path temp) throws Exception {
    String bucket = MotoServer.unique("lgr-code");
    s3.createBucket(b -> b.bucket(bucket));
    Path jar = Files.write(temp.resolve("webhook.jar"), "PK fake jar bytes".getBytes());
    String sha256 = FunctionCode.sha256(jar);
    FunctionCode code = new FunctionCode(s3);

    FunctionCode.Upload first = code.upload(bucket, "webhook", jar);
    FunctionCode.Upload second = code.upload(bucket, "webhook", jar);
    Files.write(jar, "PK changed".getBytes());
    FunctionCode.Upload third = code.upload(bucket, "webhook", jar);

    assertThat(first.uploaded()).isTrue();
    assertThat(first.key()).isEqualTo("webhook/" + sha256 + ".jar");
    assertThat(sha256)
        .as("the file's SHA-256, as sha256sum gives it")
        .isEqualTo("da31296fdf833a277511551978f2cf0f2de7d837aab8dc104c678d14c81bfcff");
    assertThat(second.uploaded()).as("same content, same key, no upload").isFalse();
    assertThat(second.key()).isEqualTo(first.key());
    assertThat(third.uploaded()).isTrue();
    assertThat(third.key()).isNotEqualTo(first.key());
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(first.key())).asUtf8String())
        .isEqualTo("PK fake jar bytes");
  }

  @Test
  void functionCode_missingBucket_saysWhich(@TempDir Path temp) throws Exception {
    Path jar = Files.write(temp.resolve("webhook.jar"), "PK".getBytes());

    assertThatThrownBy(() -> new FunctionCode(s3).upload("no-such-bucket-lgr", "webhook", jar))
        .isInstanceOf(AwsStepException.class)
        .hasMessageContaining("s3://no-such-bucket-lgr/webhook/");
  }
}
