package dev.lgr.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fixed settings the webhook benchmarks share: the secret the deliveries are signed with (and
 * the Secrets Manager stand-in answers with), and the webhook function's routing settings. Plain
 * constants, so the timed programs load nothing else for them.
 */
public final class BenchSettings {
  /** The webhook secret. */
  public static final String SECRET = "lgr-bench-webhook-secret-6f1c2a";

  /** The repository of GitHub's queued example used as the body. */
  public static final String REPOSITORY = "lineville/elastic-machines-testing";

  /** That example's job id: what must be dispatched. */
  public static final long JOB_ID = 12877621891L;

  /** The webhook function's own settings (the AWS ones come from the script). */
  public static final Map<String, String> FUNCTION_ENV;

  static {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LGR_LABELS", "self-hosted,lambda,k8s");
    env.put("LGR_REPOSITORIES", REPOSITORY);
    env.put("LGR_ORGANIZATIONS", "");
    env.put("LGR_JOBS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/lgr-jobs.fifo");
    env.put(
        "LGR_WEBHOOK_SECRET_ARN",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:lgr-webhook-secret-AbCdEf");
    FUNCTION_ENV = Collections.unmodifiableMap(env);
  }

  private BenchSettings() {}
}
