package dev.lgr.webhook;

/**
 * Where runner requests go: the SQS FIFO jobs queue in AWS, the same queue for {@code lgr serve}.
 */
public interface JobQueue {
  /**
   * Sends one request.
   *
   * @throws QueueException when the request may not have been queued; the delivery then fails so
   *     that GitHub shows it as failed and it can be redelivered
   */
  void send(JobRequest request);

  /** A send that failed; its message is safe to log. */
  final class QueueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueueException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
