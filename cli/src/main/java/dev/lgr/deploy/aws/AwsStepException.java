package dev.lgr.deploy.aws;

import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** An AWS call of a deploy step failed; the message says which and why, in the user's words. */
public final class AwsStepException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AwsStepException(String message, Throwable cause) {
    super(message, cause);
  }

  /** "cannot {what}: {AWS's error code}: {AWS's message}", with access problems spelled out. */
  public static AwsStepException of(String what, AwsServiceException e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    String message =
        e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
    String hint = "";
    if (code != null && (code.contains("AccessDenied") || code.equals("UnauthorizedOperation"))) {
      hint = " (the AWS credentials in use lack this permission)";
    } else if (code != null
        && (code.equals("ExpiredToken") || code.equals("ExpiredTokenException"))) {
      hint = " (the AWS session expired: log in again, e.g. `aws sso login`)";
    }
    return new AwsStepException(
        "cannot " + what + ": " + (code == null ? "" : code + ": ") + message + hint, e);
  }
}
