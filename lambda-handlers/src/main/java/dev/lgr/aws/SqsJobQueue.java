package dev.lgr.aws;

import dev.lgr.webhook.JobQueue;
import dev.lgr.webhook.JobRequest;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The jobs queue: an SQS FIFO queue, one message per runner request. */
public final class SqsJobQueue implements JobQueue {
  private final SqsClient sqs;
  private final String queueUrl;

  public SqsJobQueue(SqsClient sqs, String queueUrl) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
  }

  @Override
  public void send(JobRequest request) {
    send(request, request.messageGroupId(), request.deduplicationId());
  }

  @Override
  public void sendAgain(JobRequest request, String tag) {
    send(request, request.messageGroupId() + "-" + tag, request.deduplicationId() + "-" + tag);
  }

  private void send(JobRequest request, String group, String deduplicationId) {
    try {
      sqs.sendMessage(
          b ->
              b.queueUrl(queueUrl)
                  .messageBody(request.toJson())
                  .messageGroupId(group)
                  .messageDeduplicationId(deduplicationId));
    } catch (SdkException e) {
      throw new QueueException(AwsErrors.describe(e), e);
    }
  }
}
