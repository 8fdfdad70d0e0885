package dev.lgr.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Properties of the parts: GitHub's label rule, the queue message, the signature. */
class WebhookPartsPropertiesTest {
  private static final String LABEL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.";

  @Property(tries = 1_000)
  void job_matchesExactlyWhenEachOfItsLabelsIsARunnerLabelInSomeCase(
      @ForAll("labelLists") List<String> runnerLabels,
      @ForAll("labelLists") List<String> otherLabels,
      @ForAll long seed) {
    Random random = new Random(seed);
    // A job label is one of the runners' labels in another case, or any other label.
    List<String> jobLabels = new ArrayList<>();
    for (String label : otherLabels) {
      jobLabels.add(
          random.nextInt(3) > 0
              ? WebhookFixtures.recase(
                  runnerLabels.get(random.nextInt(runnerLabels.size())), random)
              : label);
    }
    RoutingRules rules = new RoutingRules(runnerLabels, List.of("o/r"), List.of());

    boolean expected =
        !jobLabels.isEmpty()
            && jobLabels.stream()
                .allMatch(job -> runnerLabels.stream().anyMatch(job::equalsIgnoreCase));
    assertThat(rules.matchesLabels(jobLabels)).isEqualTo(expected);
  }

  @Property(tries = 1_000)
  void jobRequest_readsBackAsWritten(@ForAll("requests") JobRequest request) {
    assertThat(JobRequest.fromJson(request.toJson())).isEqualTo(request);
    assertThat(request.deduplicationId()).isEqualTo(request.jobId() + "-" + request.runAttempt());
    assertThat(request.messageGroupId()).isEqualTo(Long.toString(request.jobId()));
  }

  @Property(tries = 1_000)
  void signature_verifiesItsOwnBodyOnly(
      @ForAll @StringLength(min = 1, max = 40) String secret,
      @ForAll @Size(max = 300) byte[] body,
      @ForAll long seed) {
    byte[] key = WebhookSignature.key(secret);
    String signature = WebhookSignature.sign(key, body);

    assertThat(signature).matches("sha256=[0-9a-f]{64}");
    assertThat(WebhookSignature.verify(key, body, signature)).isTrue();

    Random random = new Random(seed);
    byte[] other = body.length == 0 ? new byte[] {0} : body.clone();
    if (body.length > 0) {
      int at = random.nextInt(other.length);
      other[at] = (byte) (other[at] ^ (1 << random.nextInt(8)));
    }
    assertThat(WebhookSignature.verify(key, other, signature)).isFalse();
    assertThat(WebhookSignature.verify(WebhookSignature.key(secret + "x"), body, signature))
        .isFalse();
  }

  @Provide
  Arbitrary<List<String>> labelLists() {
    return Arbitraries.strings()
        .withChars(LABEL_CHARS)
        .ofMinLength(1)
        .ofMaxLength(12)
        .list()
        .ofMinSize(1)
        .ofMaxSize(5);
  }

  @Provide
  Arbitrary<JobRequest> requests() {
    Arbitrary<String> names =
        Arbitraries.strings().withChars(LABEL_CHARS).ofMinLength(1).ofMaxLength(20);
    return Combinators.combine(
            names,
            names,
            Arbitraries.of(RoutingRules.Scope.class),
            Arbitraries.longs(),
            Arbitraries.longs(),
            Arbitraries.longs().between(1, 100),
            Arbitraries.strings().all().ofMaxLength(20).list().ofMaxSize(5),
            Arbitraries.strings().all().ofMaxLength(40))
        .as(
            (owner, name, scope, jobId, runId, runAttempt, labels, deliveryId) ->
                new JobRequest(
                    owner + "/" + name, scope, jobId, runId, runAttempt, labels, deliveryId));
  }
}
