package dev.lgr.bench;

import dev.lgr.lambda.webhook.WebhookFunction;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cold start of the webhook function, as one new Lambda execution environment without SnapStart
 * goes through it: construct {@link WebhookFunction} with its public constructor (settings from the
 * environment, SDK clients for SQS and Secrets Manager built), then hand it one API Gateway event,
 * then exit. Run it in a fresh JVM per measurement; the script times the whole process.
 *
 * <p>The first delivery does what a real one does: it reads the webhook secret from Secrets
 * Manager, verifies, parses and routes the 25 KB delivery, and sends the job to SQS, both calls
 * through the SDK (request marshalling, SigV4 signing, HTTP over the URL connection client,
 * response parsing and SQS's MD5 check) to a loopback stand-in ({@code AWS_ENDPOINT_URL}, see
 * {@link AwsStandIn}) that answers at once, so network and service time are not in the figure. Not
 * included either: the Lambda runtime client's own start (the same for any Java function).
 *
 * <p>With {@code --primed}, the function's SnapStart hook ({@code beforeCheckpoint}, which primes
 * the delivery path) runs between construction and the first delivery, so that {@code
 * first_delivery_us} shows what a restored SnapStart environment still has to do on its first
 * delivery: the classes and code the priming did not reach (the snapshot's own restore time is not
 * in it, and JIT state here is that of a fresh JVM after priming, as in a snapshot).
 *
 * <p>Prints to stderr {@code cold main_epoch_ms=… construct_us=… prime_us=… first_delivery_us=…}
 * for the script's phase breakdown; exits 1 unless the delivery was dispatched (HTTP 202).
 */
public final class WebhookColdStart {
  private WebhookColdStart() {}

  public static void main(String[] args) throws Exception {
    long mainEpochMs = System.currentTimeMillis();
    long t0 = System.nanoTime();
    byte[] event = Files.readAllBytes(Path.of(args[0]));

    WebhookFunction function = new WebhookFunction();
    long t1 = System.nanoTime();
    if (args.length > 1 && args[1].equals("--primed")) {
      function.beforeCheckpoint(null);
    }
    long primed = System.nanoTime();

    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    function.handleRequest(new ByteArrayInputStream(event), out, null);
    long t2 = System.nanoTime();

    String response = out.toString(StandardCharsets.UTF_8);
    if (!response.contains("\"statusCode\":202")) {
      System.err.println("webhook-cold-start: the delivery was not dispatched: " + response);
      System.exit(1);
    }
    // A StringBuilder, not printf or string concatenation: the harness's own output must not load
    // classes (Formatter, indy string concatenation) the function itself might not need.
    System.err.println(
        new StringBuilder("cold main_epoch_ms=")
            .append(mainEpochMs)
            .append(" construct_us=")
            .append((t1 - t0) / 1_000)
            .append(" prime_us=")
            .append((primed - t1) / 1_000)
            .append(" first_delivery_us=")
            .append((t2 - primed) / 1_000));
  }
}
