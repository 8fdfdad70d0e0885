package dev.lgr.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lgr.testing.MotoServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The change-set deploy against CloudFormation on moto server, with a small template. */
class StackDeployerIT {
  private static final String TEMPLATE =
      """
      AWSTemplateFormatVersion: "2010-09-09"
      Parameters:
        Retention:
          Type: Number
          Default: 345600
      Resources:
        Queue:
          Type: AWS::SQS::Queue
          Properties:
            MessageRetentionPeriod: !Ref Retention
      Outputs:
        QueueUrl:
          Value: !Ref Queue
      """;

  private final CloudFormationClient cloudFormation =
      CloudFormationClient.builder()
          .region(MotoServer.REGION)
          .credentialsProvider(MotoServer.credentials())
          .endpointOverride(MotoServer.endpoint())
          .build();
  private final SqsClient sqs = MotoServer.clients().sqs();
  private final List<String> progress = Collections.synchronizedList(new ArrayList<>());
  private final List<StackEvent> events = Collections.synchronizedList(new ArrayList<>());
  private final StackDeployer deployer =
      new StackDeployer(
          cloudFormation,
          new StackDeployer.Listener() {
            @Override
            public void progress(String message) {
              progress.add(message);
            }

            @Override
            public void event(StackEvent event) {
              events.add(event);
            }
          },
          Duration.ofMillis(200),
          Duration.ofMinutes(2));

  @Test
  void newStack_plansAdds_thenCreatesIt_andReturnsItsOutputs() throws Exception {
    String stack = MotoServer.unique("lgr-test");

    StackDeployer.Plan plan = deployer.plan(stack, TEMPLATE, Map.of(), Map.of("lgr:stack", stack));

    assertThat(plan.create()).isTrue();
    assertThat(plan.changes())
        .extracting(StackDeployer.ResourceChangeLine::render)
        .containsExactly(String.format("%s %-7s %-36s %s", "+", "Add", "Queue", "AWS::SQS::Queue"));
    Map<String, String> outputs = deployer.execute(plan);

    assertThat(deployer.describe(stack).orElseThrow().stackStatus())
        .isEqualTo(StackStatus.CREATE_COMPLETE);
    String queueUrl = outputs.get("QueueUrl");
    assertThat(queueUrl).contains("/123456789012/");
    assertThat(
            sqs.getQueueUrl(b -> b.queueName(queueUrl.substring(queueUrl.lastIndexOf('/') + 1)))
                .queueUrl())
        .isNotBlank();
    assertThat(events).as("stack events reported").isNotEmpty();
    assertThat(progress).anyMatch(p -> p.startsWith("creating stack " + stack));
  }

  @Test
  void sameTemplateAgain_isAnEmptyPlan_thatExecutesToTheSameOutputs() throws Exception {
    String stack = MotoServer.unique("lgr-test");
    Map<String, String> outputs =
        deployer.execute(deployer.plan(stack, TEMPLATE, Map.of(), Map.of()));

    StackDeployer.Plan again = deployer.plan(stack, TEMPLATE, Map.of(), Map.of());

    assertThat(again.empty()).isTrue();
    assertThat(again.changes()).isEmpty();
    assertThat(deployer.execute(again)).isEqualTo(outputs);
  }

  @Test
  void changedTemplate_plansTheNewResource_andAppliesIt() throws Exception {
    String stack = MotoServer.unique("lgr-test");
    deployer.execute(deployer.plan(stack, TEMPLATE, Map.of(), Map.of()));
    String grown = TEMPLATE.replace("Outputs:", "  Second:\n    Type: AWS::SQS::Queue\nOutputs:");

    StackDeployer.Plan plan = deployer.plan(stack, grown, Map.of(), Map.of());

    assertThat(plan.create()).isFalse();
    assertThat(plan.changes())
        .extracting(StackDeployer.ResourceChangeLine::render)
        .containsExactly(
            String.format("%s %-7s %-36s %s", "+", "Add", "Second", "AWS::SQS::Queue"));
    deployer.execute(plan);
    assertThat(
            cloudFormation
                .describeStackResource(b -> b.stackName(stack).logicalResourceId("Second"))
                .stackResourceDetail()
                .physicalResourceId())
        .isNotBlank();
  }

  @Test
  void changeLines_renderAsAddModifyRemove() {
    assertThat(
            new StackDeployer.ResourceChangeLine("Add", "Queue", "AWS::SQS::Queue", null).render())
        .startsWith("+ Add     Queue ");
    assertThat(
            new StackDeployer.ResourceChangeLine("Modify", "Fn", "AWS::Lambda::Function", "True")
                .render())
        .startsWith("* Modify  Fn ")
        .endsWith("AWS::Lambda::Function  (replaced)");
    assertThat(
            new StackDeployer.ResourceChangeLine("Remove", "Old", "AWS::IAM::Role", "False")
                .render())
        .startsWith("- Remove  Old ");
  }

  @Test
  void discardedPlanForANewStack_leavesNoStack() throws Exception {
    String stack = MotoServer.unique("lgr-test");

    deployer.discard(deployer.plan(stack, TEMPLATE, Map.of(), Map.of()));

    assertThat(deployer.describe(stack)).isEmpty();
  }
}
