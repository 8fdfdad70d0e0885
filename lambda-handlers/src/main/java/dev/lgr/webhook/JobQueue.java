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

  /**
   * Sends a request once more, apart from the message being handled for the same job: in its own
   * message group and with its own deduplication id, both tagged with {@code tag}, so that neither
   * the message in flight nor SQS's deduplication window holds it back. The runner function uses it
   * when its runner took another job while its own still waits. A queue without groups or
   * deduplication just sends it.
   *
   * @throws QueueException as {@link #send}
   */
  default void sendAgain(JobRequest request, String tag) {
    send(request);
  }

  /** A send that failed; its message is safe to log. */
  final class QueueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueueException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
