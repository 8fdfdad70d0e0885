#!/usr/bin/env bash
# Throughput benchmark of `lgr serve` (not a test: prints figures, never fails on a number).
#
# Starts moto server (the tests' launcher, lambda-handlers/src/test/resources/moto/lgr_moto_server.py)
# with an SQS FIFO jobs queue, starts `lgr serve` (cli/target/lgr.jar, the same WebhookService as the
# Lambda function, behind the JDK's HTTP server) against it, and runs ServeThroughputBench RUNS times
# (after one warm-up run that is not counted): CLIENTS concurrent senders post DELIVERIES signed
# workflow_job `queued` deliveries (GitHub's own example, one job id each, about 12 KB), each
# verified, routed and sent to the queue (SendMessage on moto). Every run checks that all were
# answered 202 and that the queue holds one message per delivery, then empties it. Next to each run,
# a baseline run sends the same number of job requests straight to moto's SQS with the same number of
# clients (SqsJobQueue, no HTTP, no signature), since moto's SendMessage dominates here. Prints each
# run and the medians of deliveries/s and p50/p90/p99 latency of both.
#
# Usage: benchmarks/serve-bench.sh
#   Builds cli and benchmarks with the Maven wrapper first (SKIP_BUILD=1 skips that; MVN_ARGS,
#   default "-B -q -o"). RUNS (5), DELIVERIES (500), CLIENTS (4), BENCH_JAVA (java on PATH).
# Needs: java 17+, python3 with moto[server], curl.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C

RUNS="${RUNS:-5}"
DELIVERIES="${DELIVERIES:-500}"
CLIENTS="${CLIENTS:-4}"
JAVA="${BENCH_JAVA:-java}"
MVN_ARGS="${MVN_ARGS:--B -q -o}"

for tool in "$JAVA" python3 curl awk; do
  command -v "$tool" >/dev/null || { echo "serve-bench: needs $tool" >&2; exit 2; }
done
python3 -c 'import moto, flask' 2>/dev/null || {
  echo "serve-bench: needs moto server: pip install 'moto[server]'" >&2; exit 2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "serve-bench: building cli and benchmarks (SKIP_BUILD=1 skips this)..." >&2
  # shellcheck disable=SC2086
  ./mvnw $MVN_ARGS -pl cli,benchmarks -am package -DskipTests >&2
fi
LGR_JAR=cli/target/lgr.jar
BENCH_JAR=benchmarks/target/benchmarks.jar
BENCH_CP=benchmarks/target/classpath.txt
for f in "$LGR_JAR" "$BENCH_JAR" "$BENCH_CP"; do
  [ -f "$f" ] || {
    echo "serve-bench: missing build output ($f): ./mvnw -B -pl cli,benchmarks -am package -DskipTests" >&2
    exit 2
  }
done

work="$(mktemp -d -t lgr-serve-bench.XXXXXX)"
moto_pid=""
serve_pid=""
cleanup() {
  for pid in "$serve_pid" "$moto_pid"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
# Private copies: a build running meanwhile in the working tree must not change what is measured.
cp "$LGR_JAR" "$work/lgr.jar"
cp "$BENCH_JAR" "$work/benchmarks.jar"
CP="$work/benchmarks.jar:$(cat "$BENCH_CP")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

moto_port="$(free_port)"
python3 lambda-handlers/src/test/resources/moto/lgr_moto_server.py -H 127.0.0.1 -p "$moto_port" \
  > "$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$moto_port/moto-api/" >/dev/null 2>&1 && break
  kill -0 "$moto_pid" 2>/dev/null || { echo "serve-bench: moto server exited:" >&2; cat "$work/moto.log" >&2; exit 1; }
  sleep 0.5
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export LGR_WEBHOOK_SECRET="lgr-bench-webhook-secret-$RANDOM$RANDOM"
queue_url="$("$JAVA" -cp "$CP" dev.lgr.bench.ServeThroughputBench create-queue lgr-bench-jobs.fifo)"

serve_port="$(free_port)"
"$JAVA" -jar "$work/lgr.jar" serve --port "$serve_port" --labels self-hosted,k8s \
  --repo lineville/elastic-machines-testing --jobs-queue-url "$queue_url" > /dev/null 2> "$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 60); do
  grep -q 'listening on' "$work/serve.log" && break
  kill -0 "$serve_pid" 2>/dev/null || { echo "serve-bench: lgr serve exited:" >&2; cat "$work/serve.log" >&2; exit 1; }
  sleep 0.5
done
url="http://127.0.0.1:$serve_port/webhook"
echo "serve-bench: lgr serve on $url, moto on $AWS_ENDPOINT_URL; $RUNS runs of $DELIVERIES deliveries, $CLIENTS clients (+1 warm-up)" >&2

"$JAVA" -cp "$CP" dev.lgr.bench.ServeThroughputBench run "$url" "$queue_url" "$DELIVERIES" "$CLIENTS" 0 \
  | sed 's/^/warm-up /' >&2
"$JAVA" -cp "$CP" dev.lgr.bench.ServeThroughputBench direct "$queue_url" "$DELIVERIES" "$CLIENTS" 0 \
  | sed 's/^/warm-up /' >&2
# Interleaved with each run, the baseline: the same sends straight to moto's SQS (no lgr serve).
for run in $(seq 1 "$RUNS"); do
  "$JAVA" -cp "$CP" dev.lgr.bench.ServeThroughputBench run "$url" "$queue_url" "$DELIVERIES" "$CLIENTS" "$run" \
    | tee -a "$work/runs.txt"
  "$JAVA" -cp "$CP" dev.lgr.bench.ServeThroughputBench direct "$queue_url" "$DELIVERIES" "$CLIENTS" "$run" \
    | tee -a "$work/runs.txt"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { awk -v m="$1" -v f="$2" '$1==m {for (i=1;i<NF;i++) if ($i==f) print $(i+1)}' "$work/runs.txt"; }
echo
echo "| median of $RUNS runs ($DELIVERIES deliveries, $CLIENTS clients) | deliveries/s | p50 ms | p90 ms | p99 ms |"
echo "| --- | ---: | ---: | ---: | ---: |"
for mode in serve direct; do
  label="lgr serve → moto SQS"
  [ "$mode" = direct ] && label="baseline: SendMessage straight to moto SQS"
  echo "| $label | $(field $mode per_second | median) | $(field $mode p50_ms | median) | $(field $mode p90_ms | median) | $(field $mode p99_ms | median) |"
done
