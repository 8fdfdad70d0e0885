package dev.lgr.deploy.stack;

import dev.lgr.deploy.aws.AwsStepException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Change;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetStatus;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.ResourceChange;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/**
 * Deploys a stack the way SAM and CDK do: a change set first (so the user sees what will change and
 * can say no), then its execution, with the stack's events reported as they come and the stack's
 * state polled until it settles. Never prints: everything goes to the {@link Listener}.
 */
public final class StackDeployer {
  /** What a deploy reports while it works. */
  public interface Listener {
    /** A step in words ("creating change set lgr-…"). */
    void progress(String message);

    /** One stack event, as CloudFormation recorded it. */
    void event(StackEvent event);

    /** Reports nothing: for reading a stack, which has no progress to show. */
    Listener QUIET =
        new Listener() {
          @Override
          public void progress(String message) {}

          @Override
          public void event(StackEvent event) {}
        };
  }

  /**
   * A reviewed change set.
   *
   * @param changeSetName null when there is nothing to change
   * @param create whether the stack is new
   */
  public record Plan(
      String stackName, String changeSetName, boolean create, List<ResourceChangeLine> changes) {
    public boolean empty() {
      return changeSetName == null;
    }
  }

  /** One line of a change set: {@code + Add / * Modify / - Remove}, the resource and its type. */
  public record ResourceChangeLine(
      String action, String logicalId, String type, String replacement) {
    /** {@code + Add WebhookFunction AWS::Lambda::Function}, with "(replaced)" when so. */
    public String render() {
      String sign =
          switch (action) {
            case "Add" -> "+";
            case "Remove" -> "-";
            default -> "*";
          };
      String replaced = "True".equals(replacement) ? "  (replaced)" : "";
      return String.format("%s %-7s %-36s %s%s", sign, action, logicalId, type, replaced);
    }
  }

  private static final Set<StackStatus> SETTLED_OK =
      Set.of(StackStatus.CREATE_COMPLETE, StackStatus.UPDATE_COMPLETE, StackStatus.IMPORT_COMPLETE);

  private final CloudFormationClient cloudFormation;
  private final Listener listener;
  private final Duration pollInterval;
  private final Duration timeout;

  public StackDeployer(
      CloudFormationClient cloudFormation,
      Listener listener,
      Duration pollInterval,
      Duration timeout) {
    this.cloudFormation = cloudFormation;
    this.listener = listener;
    this.pollInterval = pollInterval;
    this.timeout = timeout;
  }

  /** The stack as it is now, or empty when there is none (or only a deleted one). */
  public Optional<Stack> describe(String stackName) {
    try {
      List<Stack> stacks = cloudFormation.describeStacks(b -> b.stackName(stackName)).stacks();
      return stacks.stream()
          .filter(s -> s.stackStatus() != StackStatus.DELETE_COMPLETE)
          .findFirst();
    } catch (CloudFormationException e) {
      if (e.getMessage() != null && e.getMessage().contains("does not exist")) {
        return Optional.empty();
      }
      throw AwsStepException.of("describe stack " + stackName, e);
    }
  }

  /**
   * Makes a change set for the template and parameters and waits until CloudFormation has worked
   * out the changes. A stack left in {@code ROLLBACK_COMPLETE} by a failed first creation cannot be
   * updated: it is deleted first (it holds nothing), and said so.
   */
  public Plan plan(
      String stackName,
      String templateBody,
      Map<String, String> parameters,
      Map<String, String> tags)
      throws InterruptedException {
    Optional<Stack> stack = describe(stackName);
    if (stack.isPresent() && stack.get().stackStatus() == StackStatus.ROLLBACK_COMPLETE) {
      listener.progress(
          "stack "
              + stackName
              + " is ROLLBACK_COMPLETE from a failed first deploy and holds nothing: deleting it");
      deleteAndWait(stackName);
      stack = Optional.empty();
    }
    if (stack.isPresent()
        && stack.get().stackStatus().toString().endsWith("_IN_PROGRESS")
        && stack.get().stackStatus() != StackStatus.REVIEW_IN_PROGRESS) {
      throw new StackFailedException(
          "stack "
              + stackName
              + " is "
              + stack.get().stackStatus()
              + ": another deploy is running; wait for it, then run lgr deploy again");
    }
    boolean create = stack.isEmpty() || stack.get().stackStatus() == StackStatus.REVIEW_IN_PROGRESS;
    String changeSet = "lgr-" + Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14);
    listener.progress(
        (create ? "creating" : "updating") + " stack " + stackName + ": change set " + changeSet);
    try {
      cloudFormation.createChangeSet(
          b ->
              b.stackName(stackName)
                  .changeSetName(changeSet)
                  .changeSetType(create ? ChangeSetType.CREATE : ChangeSetType.UPDATE)
                  .templateBody(templateBody)
                  .capabilities(Capability.CAPABILITY_IAM, Capability.CAPABILITY_NAMED_IAM)
                  .parameters(
                      parameters.entrySet().stream()
                          .map(
                              p ->
                                  Parameter.builder()
                                      .parameterKey(p.getKey())
                                      .parameterValue(p.getValue())
                                      .build())
                          .toList())
                  .tags(
                      tags.entrySet().stream()
                          .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build())
                          .toList()));
    } catch (CloudFormationException e) {
      throw AwsStepException.of("create change set for stack " + stackName, e);
    }
    DescribeChangeSetResponse described = waitForChangeSet(stackName, changeSet);
    if (described.status() == ChangeSetStatus.FAILED) {
      String reason = String.valueOf(described.statusReason());
      if (reason.contains("didn't contain changes") || reason.contains("No updates")) {
        deleteChangeSet(stackName, changeSet);
        return new Plan(stackName, null, false, List.of());
      }
      throw new StackFailedException(
          "CloudFormation refused the change set for " + stackName + ": " + reason);
    }
    List<ResourceChangeLine> lines = new ArrayList<>();
    for (Change change : described.changes()) {
      ResourceChange rc = change.resourceChange();
      if (rc != null) {
        lines.add(
            new ResourceChangeLine(
                rc.actionAsString(),
                rc.logicalResourceId(),
                rc.resourceType(),
                rc.replacementAsString()));
      }
    }
    return new Plan(stackName, changeSet, create, lines);
  }

  /** Drops a change set the user said no to (a new stack's placeholder goes too). */
  public void discard(Plan plan) {
    if (plan.empty()) {
      return;
    }
    deleteChangeSet(plan.stackName(), plan.changeSetName());
    if (plan.create()) {
      Optional<Stack> stack = describe(plan.stackName());
      if (stack.isPresent() && stack.get().stackStatus() == StackStatus.REVIEW_IN_PROGRESS) {
        try {
          cloudFormation.deleteStack(b -> b.stackName(plan.stackName()));
        } catch (CloudFormationException e) {
          throw AwsStepException.of("remove the empty stack " + plan.stackName(), e);
        }
      }
    }
  }

  /**
   * Executes the change set, reports each new stack event, and waits (polling, not only SDK
   * waiters) until the stack settles.
   *
   * @return the stack's outputs
   * @throws StackFailedException when the stack rolled back or failed, with the first reason
   */
  public Map<String, String> execute(Plan plan) throws InterruptedException {
    if (plan.empty()) {
      return outputs(plan.stackName());
    }
    Set<String> seen = new HashSet<>();
    Instant since = Instant.now().minusSeconds(5);
    for (StackEvent old : events(plan.stackName())) {
      seen.add(old.eventId());
    }
    try {
      cloudFormation.executeChangeSet(
          b -> b.stackName(plan.stackName()).changeSetName(plan.changeSetName()));
    } catch (CloudFormationException e) {
      throw AwsStepException.of("execute change set " + plan.changeSetName(), e);
    }
    listener.progress("executing change set " + plan.changeSetName());
    Instant deadline = Instant.now().plus(timeout);
    String firstFailure = null;
    while (true) {
      List<StackEvent> fresh = new ArrayList<>();
      for (StackEvent event : events(plan.stackName())) {
        if (seen.add(event.eventId()) && !event.timestamp().isBefore(since)) {
          fresh.add(event);
        }
      }
      fresh.sort((a, b) -> a.timestamp().compareTo(b.timestamp()));
      for (StackEvent event : fresh) {
        listener.event(event);
        String status = event.resourceStatusAsString();
        if (firstFailure == null
            && status != null
            && status.endsWith("_FAILED")
            && event.resourceStatusReason() != null
            && !event.resourceStatusReason().contains("cancelled")) {
          firstFailure = event.logicalResourceId() + ": " + event.resourceStatusReason();
        }
      }
      Stack stack =
          describe(plan.stackName())
              .orElseThrow(
                  () ->
                      new StackFailedException(
                          "stack " + plan.stackName() + " disappeared while it was deployed"));
      StackStatus status = stack.stackStatus();
      if (SETTLED_OK.contains(status)) {
        return outputs(stack);
      }
      String name = status.toString();
      if (!name.endsWith("_IN_PROGRESS")) {
        throw new StackFailedException(
            "stack "
                + plan.stackName()
                + " ended "
                + name
                + (firstFailure != null
                    ? ": " + firstFailure
                    : stack.stackStatusReason() != null ? ": " + stack.stackStatusReason() : ""));
      }
      if (Instant.now().isAfter(deadline)) {
        throw new StackFailedException(
            "stack "
                + plan.stackName()
                + " is still "
                + name
                + " after "
                + timeout.toMinutes()
                + " min; lgr stopped waiting (CloudFormation goes on): see `lgr status`");
      }
      Thread.sleep(pollInterval.toMillis());
    }
  }

  /**
   * Deletes a stack, reporting its events, and waits until it is gone.
   *
   * @return false when there was no stack
   * @throws StackFailedException when the deletion failed (with the first reason)
   */
  public boolean delete(String stackName) throws InterruptedException {
    Optional<Stack> stack = describe(stackName);
    if (stack.isEmpty()) {
      return false;
    }
    String stackId = stack.get().stackId();
    Set<String> seen = new HashSet<>();
    for (StackEvent old : events(stackName)) {
      seen.add(old.eventId());
    }
    try {
      cloudFormation.deleteStack(b -> b.stackName(stackName));
    } catch (CloudFormationException e) {
      throw AwsStepException.of("delete stack " + stackName, e);
    }
    listener.progress("deleting stack " + stackName);
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      // By id: a deleted stack is no longer found by its name.
      List<StackEvent> fresh = new ArrayList<>();
      for (StackEvent event : events(stackId)) {
        if (seen.add(event.eventId())) {
          fresh.add(event);
        }
      }
      fresh.sort((a, b) -> a.timestamp().compareTo(b.timestamp()));
      fresh.forEach(listener::event);
      Optional<Stack> now = describe(stackId);
      if (now.isEmpty()) {
        return true;
      }
      if (now.get().stackStatus() == StackStatus.DELETE_FAILED) {
        throw new StackFailedException(
            "stack "
                + stackName
                + " could not be deleted: "
                + now.get().stackStatusReason()
                + " (run lgr destroy again once the named resource is fixed)");
      }
      if (Instant.now().isAfter(deadline)) {
        throw new StackFailedException(
            "stack " + stackName + " is still being deleted; lgr stopped waiting");
      }
      Thread.sleep(pollInterval.toMillis());
    }
  }

  /**
   * The stack's resources: logical id to physical id (a log group's name, a function's name), for
   * those that have one.
   */
  public Map<String, String> resources(String stackName) {
    try {
      Map<String, String> resources = new LinkedHashMap<>();
      cloudFormation
          .describeStackResources(b -> b.stackName(stackName))
          .stackResources()
          .forEach(
              r -> {
                if (r.physicalResourceId() != null) {
                  resources.put(r.logicalResourceId(), r.physicalResourceId());
                }
              });
      return resources;
    } catch (CloudFormationException e) {
      if (e.getMessage() != null && e.getMessage().contains("does not exist")) {
        throw new StackFailedException("stack " + stackName + " does not exist");
      }
      throw AwsStepException.of("list the resources of stack " + stackName, e);
    }
  }

  /** The outputs of a deployed stack. */
  public Map<String, String> outputs(String stackName) {
    return describe(stackName)
        .map(StackDeployer::outputs)
        .orElseThrow(() -> new StackFailedException("stack " + stackName + " does not exist"));
  }

  private static Map<String, String> outputs(Stack stack) {
    Map<String, String> outputs = new LinkedHashMap<>();
    stack.outputs().forEach(o -> outputs.put(o.outputKey(), o.outputValue()));
    return outputs;
  }

  private DescribeChangeSetResponse waitForChangeSet(String stackName, String changeSet)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    while (true) {
      DescribeChangeSetResponse response;
      try {
        response =
            cloudFormation.describeChangeSet(b -> b.stackName(stackName).changeSetName(changeSet));
      } catch (CloudFormationException e) {
        throw AwsStepException.of("describe change set " + changeSet, e);
      }
      if (response.status() == ChangeSetStatus.CREATE_COMPLETE
          || response.status() == ChangeSetStatus.FAILED) {
        if (response.nextToken() == null) {
          return response;
        }
        return allChanges(stackName, changeSet, response);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new StackFailedException(
            "change set " + changeSet + " is still " + response.status() + " after 5 min");
      }
      Thread.sleep(pollInterval.toMillis());
    }
  }

  private DescribeChangeSetResponse allChanges(
      String stackName, String changeSet, DescribeChangeSetResponse first) {
    List<Change> changes = new ArrayList<>(first.changes());
    String token = first.nextToken();
    while (token != null) {
      String next = token;
      DescribeChangeSetResponse page =
          cloudFormation.describeChangeSet(
              b -> b.stackName(stackName).changeSetName(changeSet).nextToken(next));
      changes.addAll(page.changes());
      token = page.nextToken();
    }
    return first.toBuilder().changes(changes).nextToken(null).build();
  }

  private void deleteChangeSet(String stackName, String changeSet) {
    try {
      cloudFormation.deleteChangeSet(b -> b.stackName(stackName).changeSetName(changeSet));
    } catch (CloudFormationException e) {
      throw AwsStepException.of("delete change set " + changeSet, e);
    }
  }

  private List<StackEvent> events(String stackName) {
    try {
      // The newest page is enough between two polls; CloudFormation lists newest first.
      return cloudFormation.describeStackEvents(b -> b.stackName(stackName)).stackEvents();
    } catch (CloudFormationException e) {
      if (e.getMessage() != null && e.getMessage().contains("does not exist")) {
        return List.of();
      }
      throw AwsStepException.of("read the events of stack " + stackName, e);
    }
  }

  private void deleteAndWait(String stackName) throws InterruptedException {
    try {
      cloudFormation.deleteStack(b -> b.stackName(stackName));
    } catch (CloudFormationException e) {
      throw AwsStepException.of("delete stack " + stackName, e);
    }
    Instant deadline = Instant.now().plus(timeout);
    while (describe(stackName).isPresent()) {
      if (Instant.now().isAfter(deadline)) {
        throw new StackFailedException("stack " + stackName + " is still being deleted");
      }
      Thread.sleep(pollInterval.toMillis());
    }
  }
}
