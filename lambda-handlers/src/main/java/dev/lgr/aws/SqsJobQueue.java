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
    try {
      sqs.sendMessage(
          b ->
              b.queueUrl(queueUrl)
                  .messageBody(request.toJson())
                  .messageGroupId(request.messageGroupId())
                  .messageDeduplicationId(request.deduplicationId()));
    } catch (SdkException e) {
      throw new QueueException(AwsErrors.describe(e), e);
    }
  }
}
