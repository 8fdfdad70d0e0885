package dev.lgr.deploy;

import dev.lgr.deploy.aws.AwsStepException;
import dev.lgr.deploy.aws.DeploySecrets;
import dev.lgr.deploy.github.GitHubListener;
import dev.lgr.deploy.github.GitHubService;
import dev.lgr.deploy.stack.StackDeployer;
import dev.lgr.github.RunnerScope;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@code lgr destroy}'s engine: removes what deploy made, in reverse, and says what was already
 * gone, so that it can run again after a partial failure. Never prints.
 */
public final class DestroyService {
  /** What a destroy reports while it works. */
  public interface Listener extends StackDeployer.Listener, GitHubListener {
    /** A step begins. */
    void stepTitle(String title);

    /** A line of detail. */
    void detail(String message);
  }

  private final StackDeployer stacks;
  private final DeploySecrets.Factory secrets;
  private final GitHubService github;
  private final EcrClient ecr;
  private final S3Client s3;
  private final Listener listener;

  public DestroyService(
      StackDeployer stacks,
      DeploySecrets.Factory secrets,
      GitHubService github,
      EcrClient ecr,
      S3Client s3,
      Listener listener) {
    this.stacks = stacks;
    this.secrets = secrets;
    this.github = github;
    this.ecr = ecr;
    this.s3 = s3;
    this.listener = listener;
  }

  /**
   * Removes the stack's webhooks and runners, the main stack and its secrets; with {@code all},
   * also the bootstrap stack with its image repository and code bucket (shared by every lgr stack
   * in the account and region).
   */
  public void destroy(String stackName, boolean all) throws InterruptedException {
    Optional<Stack> stack = stacks.describe(stackName);

    listener.stepTitle("GitHub: webhooks and runners");
    if (stack.isPresent()) {
      Map<String, String> outputs = stacks.outputs(stackName);
      String url = outputs.get("WebhookUrl");
      for (RunnerScope scope : DeployService.scopes(stack.get())) {
        if (url != null) {
          if (github.removeWebhooks(scope, URI.create(url), listener) == 0) {
            listener.detail("No lgr webhook on " + scope + " (already gone)");
          }
        }
        if (github.removeLgrRunners(scope, listener).isEmpty()) {
          listener.detail("No lgr runner on " + scope + " (already gone)");
        }
      }
    } else {
      listener.detail("Stack " + stackName + " is gone: its repositories are unknown, skipped");
    }

    listener.stepTitle("Main stack " + stackName);
    if (!stacks.delete(stackName)) {
      listener.detail("Stack " + stackName + " was already gone");
    }

    listener.stepTitle("Secrets");
    secrets
        .forStack(stackName)
        .delete()
        .forEach(
            (name, deleted) ->
                listener.detail(
                    deleted
                        ? name
                            + " scheduled for deletion; restorable for "
                            + DeploySecrets.RECOVERY_DAYS
                            + " days (aws secretsmanager restore-secret --secret-id "
                            + name
                            + ")"
                        : name + " was already gone (or scheduled for deletion)"));

    if (all) {
      listener.stepTitle("Bootstrap stack " + DeploySettings.bootstrapStackName());
      String name = DeploySettings.bootstrapStackName();
      Optional<Stack> bootstrap = stacks.describe(name);
      if (bootstrap.isEmpty()) {
        listener.detail(name + " was already gone");
        return;
      }
      Map<String, String> outputs = stacks.outputs(name);
      // Both are kept when the stack goes (DeletionPolicy: Retain): remove them explicitly.
      stacks.delete(name);
      removeRepository(outputs.get("RepositoryName"));
      removeBucket(outputs.get("CodeBucketName"));
    }
  }

  private void removeRepository(String repository) {
    if (repository == null) {
      return;
    }
    try {
      ecr.deleteRepository(b -> b.repositoryName(repository).force(true));
      listener.detail("Removed the image repository " + repository + " and its images");
    } catch (RepositoryNotFoundException e) {
      listener.detail("The image repository " + repository + " was already gone");
    } catch (EcrException e) {
      throw AwsStepException.of("remove the image repository " + repository, e);
    }
  }

  private void removeBucket(String bucket) {
    if (bucket == null) {
      return;
    }
    try {
      int removed = 0;
      while (true) {
        var versions = s3.listObjectVersions(b -> b.bucket(bucket));
        List<ObjectIdentifier> objects = new ArrayList<>();
        versions
            .versions()
            .forEach(
                v ->
                    objects.add(
                        ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
        versions
            .deleteMarkers()
            .forEach(
                m ->
                    objects.add(
                        ObjectIdentifier.builder().key(m.key()).versionId(m.versionId()).build()));
        if (objects.isEmpty()) {
          break;
        }
        s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(objects)));
        removed += objects.size();
      }
      s3.deleteBucket(b -> b.bucket(bucket));
      listener.detail("Removed the code bucket " + bucket + " (" + removed + " objects)");
    } catch (NoSuchBucketException e) {
      listener.detail("The code bucket " + bucket + " was already gone");
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        listener.detail("The code bucket " + bucket + " was already gone");
        return;
      }
      throw AwsStepException.of("remove the code bucket " + bucket, e);
    }
  }
}
