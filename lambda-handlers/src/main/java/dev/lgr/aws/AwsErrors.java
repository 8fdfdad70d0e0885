package dev.lgr.aws;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** Short, loggable descriptions of SDK failures. */
final class AwsErrors {
  private AwsErrors() {}

  static String describe(SdkException e) {
    if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
      return service.awsErrorDetails().errorCode() + " (HTTP " + service.statusCode() + ")";
    }
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message;
  }
}
