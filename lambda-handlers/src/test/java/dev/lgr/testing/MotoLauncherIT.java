package dev.lgr.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Change;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetStatus;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackResource;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/**
 * The moto that the integration tests use ({@link MotoServer}: moto with lgr's launcher, {@code
 * moto/lgr_moto_server.py}) still closes the gaps lgr's deploy depends on. When a moto upgrade
 * changes the internals the launcher patches, the launcher skips that patch with a warning and this
 * test fails here, rather than lgr's deploy tests failing somewhere less obvious.
 *
 * <p>Pointed at a plain moto server ({@code LGR_TEST_MOTO_URL}), it fails: such a server lacks the
 * patches.
 */
class MotoLauncherIT {
  private static final String IMAGE =
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/lgr-runner@sha256:" + "0".repeat(64);

  /** A queue with Outputs, and the Lambda version/alias and alarm types moto lacks. */
  private static final String TEMPLATE =
      """
      AWSTemplateFormatVersion: "2010-09-09"
      Parameters:
        Suffix:
          Type: String
      Resources:
        Queue:
          Type: AWS::SQS::Queue
        Role:
          Type: AWS::IAM::Role
          Properties:
            AssumeRolePolicyDocument:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Principal:
                    Service: lambda.amazonaws.com
                  Action: sts:AssumeRole
        Function:
          Type: AWS::Lambda::Function
          Properties:
            PackageType: Image
            Code:
              ImageUri: %s
            Role:
              Fn::GetAtt: [Role, Arn]
            Environment:
              Variables:
                SUFFIX:
                  Ref: Suffix
        Version:
          Type: AWS::Lambda::Version
          Properties:
            FunctionName:
              Ref: Function
            Description:
              Fn::Sub: settings ${Suffix}
        Alias:
          Type: AWS::Lambda::Alias
          Properties:
            FunctionName:
              Ref: Function
            FunctionVersion:
              Fn::GetAtt: [Version, Version]
            Name: live
        Alarm:
          Type: AWS::CloudWatch::Alarm
          Properties:
            Namespace: AWS/SQS
            MetricName: ApproximateNumberOfMessagesVisible
            Dimensions:
              - Name: QueueName
                Value:
                  Fn::GetAtt: [Queue, QueueName]
            Statistic: Maximum
            Period: 300
            EvaluationPeriods: 1
            Threshold: 0
            ComparisonOperator: GreaterThanThreshold
      Outputs:
        QueueUrl:
          Value:
            Ref: Queue
        QueueArn:
          Value:
            Fn::GetAtt: [Queue, Arn]
        Named:
          Value:
            Fn::Sub: ${Queue.QueueName}-${Suffix}
        AliasArn:
          Value:
            Ref: Alias
        VersionNumber:
          Value:
            Fn::GetAtt: [Version, Version]
        AlarmName:
          Value:
            Ref: Alarm
      """
          .formatted(IMAGE);

  private final CloudFormationClient cloudFormation =
      CloudFormationClient.builder()
          .httpClientBuilder(UrlConnectionHttpClient.builder())
          .region(MotoServer.REGION)
          .credentialsProvider(MotoServer.credentials())
          .endpointOverride(MotoServer.endpoint())
          .build();
  private final String stackName = MotoServer.unique("lgr-launcher");

  @AfterEach
  void tearDown() {
    cloudFormation.deleteStack(b -> b.stackName(stackName));
    cloudFormation.close();
  }

  @Test
  void changeSets_giveTheTemplatesOutputs_andTheAliasAndAlarmExist() throws Exception {
    List<String> created = deploy(ChangeSetType.CREATE, "one");
    assertThat(created).contains("Queue", "Function", "Version", "Alias", "Alarm");

    Stack stack = stack();
    assertThat(stack.stackStatus()).isEqualTo(StackStatus.CREATE_COMPLETE);
    Map<String, String> resources = physicalIds();
    assertThat(resources)
        .as("a row with a physical id for every resource (moto left Alias and Alarm blank)")
        .containsOnlyKeys("Queue", "Role", "Function", "Version", "Alias", "Alarm")
        .allSatisfy((id, physical) -> assertThat(physical).as(id).isNotBlank());
    String functionArn =
        "arn:aws:lambda:us-east-1:123456789012:function:" + resources.get("Function");
    Map<String, String> outputs = outputs(stack);
    assertThat(outputs)
        .as("outputs after ExecuteChangeSet (moto gave none)")
        .containsEntry("QueueUrl", resources.get("Queue"))
        .containsEntry("Named", queueName(resources.get("Queue")) + "-one")
        .containsEntry("AliasArn", functionArn + ":live")
        .containsEntry("VersionNumber", "1")
        .containsEntry("AlarmName", resources.get("Alarm"));
    assertThat(outputs.get("QueueArn")).startsWith("arn:aws:sqs:us-east-1:123456789012:");
    assertThat(resources.get("Alias")).isEqualTo(functionArn + ":live");
    assertThat(resources.get("Version")).isEqualTo(functionArn + ":1");

    List<String> modified = deploy(ChangeSetType.UPDATE, "two");
    assertThat(modified)
        .as("a parameter-only change lists what it changes")
        .contains("Function", "Version");
    stack = stack();
    assertThat(stack.stackStatus()).isEqualTo(StackStatus.UPDATE_COMPLETE);
    outputs = outputs(stack);
    assertThat(outputs)
        .as("outputs after an UPDATE change set, the alias moved to the new version")
        .containsEntry("Named", queueName(resources.get("Queue")) + "-two")
        .containsEntry("VersionNumber", "2")
        .containsEntry("AliasArn", functionArn + ":live");
    assertThat(stack.parameters())
        .singleElement()
        .satisfies(p -> assertThat(p.parameterValue()).isEqualTo("two"));
  }

  /** Creates and executes a change set; returns the logical ids it listed. */
  private List<String> deploy(ChangeSetType type, String suffix) throws InterruptedException {
    String changeSet = MotoServer.unique("lgr");
    cloudFormation.createChangeSet(
        b ->
            b.stackName(stackName)
                .changeSetName(changeSet)
                .changeSetType(type)
                .templateBody(TEMPLATE)
                .capabilities(Capability.CAPABILITY_IAM)
                .parameters(
                    Parameter.builder().parameterKey("Suffix").parameterValue(suffix).build()));
    DescribeChangeSetResponse described = waitFor(changeSet);
    assertThat(described.status())
        .as(String.valueOf(described.statusReason()))
        .isEqualTo(ChangeSetStatus.CREATE_COMPLETE);
    cloudFormation.executeChangeSet(b -> b.stackName(stackName).changeSetName(changeSet));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (stack().stackStatusAsString().endsWith("_IN_PROGRESS")
        && Instant.now().isBefore(deadline)) {
      Thread.sleep(200);
    }
    return described.changes().stream()
        .map(Change::resourceChange)
        .map(rc -> rc.logicalResourceId())
        .toList();
  }

  private DescribeChangeSetResponse waitFor(String changeSet) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (true) {
      DescribeChangeSetResponse response =
          cloudFormation.describeChangeSet(b -> b.stackName(stackName).changeSetName(changeSet));
      if (response.status() == ChangeSetStatus.CREATE_COMPLETE
          || response.status() == ChangeSetStatus.FAILED
          || Instant.now().isAfter(deadline)) {
        return response;
      }
      Thread.sleep(200);
    }
  }

  private Stack stack() {
    return cloudFormation.describeStacks(b -> b.stackName(stackName)).stacks().get(0);
  }

  private Map<String, String> physicalIds() {
    List<StackResource> rows =
        cloudFormation.describeStackResources(b -> b.stackName(stackName)).stackResources();
    assertThat(rows)
        .as("DescribeStackResources rows (moto gave blank ones for Alias and Alarm)")
        .allSatisfy(r -> assertThat(r.logicalResourceId()).isNotNull());
    return rows.stream()
        .collect(
            Collectors.toMap(
                StackResource::logicalResourceId,
                r -> r.physicalResourceId() == null ? "" : r.physicalResourceId()));
  }

  private static Map<String, String> outputs(Stack stack) {
    return stack.outputs().stream()
        .collect(Collectors.toMap(Output::outputKey, Output::outputValue));
  }

  private static String queueName(String queueUrl) {
    return queueUrl.substring(queueUrl.lastIndexOf('/') + 1);
  }
}
