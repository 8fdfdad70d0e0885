#!/usr/bin/env bash
# Benchmark of the webhook function (not a test: prints figures, never fails on a number).
#
# Measures the deployed artifact, lambda-handlers/target/lambda-handlers-<version>-lambda.jar:
#   cold   a fresh JVM per run, pinned to one CPU (taskset -c $CPU), from exec to exit, where the
#          program constructs WebhookFunction as Lambda does (settings from the environment, SDK
#          clients for Secrets Manager and SQS built) and handles one signed 25 KB workflow_job
#          queued delivery in an API Gateway event: secret read, verified, routed, sent. Both AWS
#          calls go through the SDK to a loopback stand-in (plain HTTP) that answers at once, so
#          network, TLS handshake and service time are left out. Next to each variant, a Java
#          hello-world with the same JVM and flags; medians of RUNS runs each, interleaved.
#   primed the same as under SnapStart (credentials from the container credentials endpoint, here
#          the stand-in, instead of access keys) with the function's SnapStart hook (beforeCheckpoint
#          priming) run before the first delivery: its first delivery time is what a restored
#          snapshot still has to do.
#   warm   CPU time of the handler's thread per delivery through WebhookService, after warm-up,
#          with an in-memory queue (no SQS call) and the secret cached; median over batches.
#   size   the shaded jar's size.
#
# Usage: benchmarks/webhook-bench.sh
#   Builds lambda-handlers and benchmarks with the Maven wrapper first (SKIP_BUILD=1 skips that;
#   MVN_ARGS, default "-B -q -o", are passed to it). RUNS (15), CPU (0; the stand-in runs on
#   STANDIN_CPU, default 1), BENCH_JAVA (java on PATH) and WARM_ARGS ("50000 200 100": warm-up
#   deliveries, batches, deliveries per batch) change the setup.
# Needs: java 17+, taskset, unzip, awk.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C

RUNS="${RUNS:-15}"
CPU="${CPU:-0}"
STANDIN_CPU="${STANDIN_CPU:-1}"
JAVA="${BENCH_JAVA:-java}"
MVN_ARGS="${MVN_ARGS:--B -q -o}"
read -r -a WARM <<< "${WARM_ARGS:-50000 200 100}"

for tool in "$JAVA" taskset unzip awk; do
  command -v "$tool" >/dev/null || { echo "webhook-bench: needs $tool" >&2; exit 2; }
done

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "webhook-bench: building lambda-handlers and benchmarks (SKIP_BUILD=1 skips this)..." >&2
  # shellcheck disable=SC2086
  ./mvnw $MVN_ARGS -pl benchmarks -am package -DskipTests >&2
fi
LAMBDA_JAR="$(ls lambda-handlers/target/lambda-handlers-*-lambda.jar 2>/dev/null | head -n 1 || true)"
BENCH_JAR=benchmarks/target/benchmarks.jar
BENCH_CP=benchmarks/target/classpath.txt
for f in "$LAMBDA_JAR" "$BENCH_JAR" "$BENCH_CP"; do
  [ -n "$f" ] && [ -f "$f" ] || {
    echo "webhook-bench: missing build output ($f): ./mvnw -B -pl benchmarks -am package -DskipTests" >&2
    exit 2
  }
done

work="$(mktemp -d -t lgr-webhook-bench.XXXXXX)"
standin_pid=""
cleanup() {
  if [ -n "$standin_pid" ]; then kill "$standin_pid" 2>/dev/null || true; wait "$standin_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# Private copies: a build running meanwhile in the working tree must not change what is measured.
cp "$LAMBDA_JAR" "$work/lambda.jar"
cp "$BENCH_JAR" "$work/benchmarks.jar"
REPORTED_JAR="$LAMBDA_JAR"
LAMBDA_JAR="$work/lambda.jar"
BENCH_JAR="$work/benchmarks.jar"

# --- inputs: the signed delivery, its API Gateway event, the function's settings -----------------
"$JAVA" -cp "$BENCH_JAR:$(cat "$BENCH_CP")" dev.lgr.bench.BenchDelivery "$work/in" > "$work/body-bytes"
# Lambda unpacks the function's jar into /var/task and loads classes from that folder.
mkdir -p "$work/task" "$work/bench-classes"
unzip -q "$LAMBDA_JAR" -d "$work/task"
unzip -q "$BENCH_JAR" -d "$work/bench-classes"

# --- the loopback AWS stand-in ------------------------------------------------------------------
taskset -c "$STANDIN_CPU" "$JAVA" -XX:TieredStopAtLevel=1 -cp "$LAMBDA_JAR:$BENCH_JAR" \
  dev.lgr.bench.AwsStandIn 0 > "$work/standin.out" 2>&1 &
standin_pid=$!
port=""
for _ in $(seq 1 200); do
  port="$(sed -n 's/^port=//p' "$work/standin.out")"
  [ -n "$port" ] && break
  kill -0 "$standin_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$port" ] || { echo "webhook-bench: the AWS stand-in did not start" >&2; cat "$work/standin.out" >&2; exit 1; }
standin_stats() {
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /lgr-bench/stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  tail -n 1 <&3
  exec 3<&-
}

# The function's environment, as the template sets it, plus AWS settings for the stand-in. Nothing
# from the caller's AWS or JVM configuration may leak in.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_REGION \
  AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN \
  JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS
# shellcheck disable=SC1091
source "$work/in/env.sh"
export AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_CONFIG_FILE="$work/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/no-aws-credentials"
# Role credentials as Lambda gives them: access keys in the environment, or, with SnapStart, the
# container credentials endpoint (here the stand-in) and no keys.
ENV_KEYS=(AWS_ACCESS_KEY_ID=BENCHEXAMPLEKEYID000 AWS_SECRET_ACCESS_KEY=bench-secret-key
  AWS_SESSION_TOKEN=bench-session-token)
ENV_SNAPSTART=(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$port/lgr-bench/credentials"
  AWS_CONTAINER_AUTHORIZATION_TOKEN=lgr-bench-container-token)

HELLO_MAIN=dev.lgr.bench.HelloWorld
HANDLER_MAIN=dev.lgr.bench.WebhookColdStart
EVENT="$work/in/event.json"

# --- AppCDS archives: one training run each, with the class path the timed runs use -------------
echo "webhook-bench: AppCDS training runs..." >&2
taskset -c "$CPU" "$JAVA" -XX:ArchiveClassesAtExit="$work/hello.jsa" -cp "$BENCH_JAR" "$HELLO_MAIN" \
  > "$work/train-hello.log" 2>&1
env "${ENV_KEYS[@]}" taskset -c "$CPU" "$JAVA" -XX:ArchiveClassesAtExit="$work/handler.jsa" \
  -cp "$LAMBDA_JAR:$BENCH_JAR" "$HANDLER_MAIN" "$EVENT" > "$work/train-handler.log" 2>&1
handler_runs=1

# variant | JVM flags (@JSA@: the program's archive) | class path form
VARIANTS=(
  "plain||jar"
  "c1|-XX:TieredStopAtLevel=1|jar"
  "appcds|-Xshare:on -XX:SharedArchiveFile=@JSA@|jar"
  "appcds+c1|-Xshare:on -XX:SharedArchiveFile=@JSA@ -XX:TieredStopAtLevel=1|jar"
  "lambda-like|-XX:+UseSerialGC -Xshare:auto -XX:+TieredCompilation -XX:TieredStopAtLevel=1|dir"
  "no-cds|-Xshare:off|jar"
)

mkdir -p "$work/t"
# run NAME PROGRAM FLAGS CPFORM CREDENTIALS [extra args]: one timed run; appends ms (and phases)
run() {
  local name="$1" program="$2" flags="$3" cpform="$4" credentials="$5"
  shift 5
  local -a creds=("${ENV_KEYS[@]}")
  [ "$credentials" = snapstart ] && creds=("${ENV_SNAPSTART[@]}")
  local cp main jsa
  if [ "$program" = hello ]; then
    main="$HELLO_MAIN"; jsa="$work/hello.jsa"
    if [ "$cpform" = dir ]; then cp="$work/bench-classes"; else cp="$BENCH_JAR"; fi
  else
    main="$HANDLER_MAIN"; jsa="$work/handler.jsa"
    if [ "$cpform" = dir ]; then cp="$work/task:$work/bench-classes"; else cp="$LAMBDA_JAR:$BENCH_JAR"; fi
  fi
  flags="${flags//@JSA@/$jsa}"
  local start end
  start="$EPOCHREALTIME"
  # shellcheck disable=SC2086
  if ! env "${creds[@]}" taskset -c "$CPU" "$JAVA" $flags -cp "$cp" "$main" "$@" > /dev/null 2> "$work/err"; then
    echo "webhook-bench: $name/$program failed:" >&2; cat "$work/err" >&2; exit 1
  fi
  end="$EPOCHREALTIME"
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f\n", (e - s) * 1000 }' >> "$work/t/$name.$program"
  if [ "$program" != hello ]; then
    handler_runs=$((handler_runs + 1))
    # boot: exec to main(); construct; prime; first delivery; exit: the rest (JVM shutdown)
    awk -v s="$start" -v e="$end" '
      /^cold / {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        boot = v["main_epoch_ms"] - s * 1000
        rest = (e - s) * 1000 - boot - (v["construct_us"] + v["prime_us"] + v["first_delivery_us"]) / 1000
        printf "%.1f %.1f %.1f %.1f %.1f\n", boot, v["construct_us"] / 1000, v["prime_us"] / 1000,
          v["first_delivery_us"] / 1000, rest
      }' "$work/err" >> "$work/t/$name.$program.phases"
  fi
}

echo "webhook-bench: $RUNS interleaved runs of ${#VARIANTS[@]} variants x (hello-world, handler) + primed..." >&2
for i in $(seq 1 "$RUNS"); do
  for v in "${VARIANTS[@]}"; do
    IFS='|' read -r name flags cpform <<< "$v"
    run "$name" hello "$flags" "$cpform" keys
    run "$name" handler "$flags" "$cpform" keys "$EVENT"
  done
  run primed handler "" jar snapstart "$EVENT" --primed
  run primed-c1 handler "-XX:TieredStopAtLevel=1" jar snapstart "$EVENT" --primed
  printf '.' >&2
done
echo >&2

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
median_col() { awk -v c="$2" '{ print $c }' "$1" > "$work/col"; median "$work/col"; }

# --- warm ---------------------------------------------------------------------------------------
echo "webhook-bench: warm runs..." >&2
warm_line() {
  # shellcheck disable=SC2086
  taskset -c "$CPU" "$JAVA" $1 -cp "$LAMBDA_JAR:$BENCH_JAR" dev.lgr.bench.WebhookWarmBench "$work/in" "${WARM[@]}"
}
warm_default="$(warm_line "")"
warm_c1="$(warm_line "-XX:TieredStopAtLevel=1")"
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< "$1"; }

stats="$(standin_stats)"
sent="$(sed -n 's/.*SendMessage=\([0-9]*\).*/\1/p' <<< "$stats")"

# --- report -------------------------------------------------------------------------------------
jar_bytes="$(stat -c %s "$LAMBDA_JAR")"
LAMBDA_JAR="$REPORTED_JAR"
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
java_version="$("$JAVA" -version 2>&1 | head -n 1)"
plain_hello="$(median "$work/t/plain.hello")"

echo "lgr webhook benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $cpu_model, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); timed JVMs pinned to CPU $CPU"
echo "java: $java_version ($JAVA)"
echo "jar: $LAMBDA_JAR"
echo "body: $(cat "$work/body-bytes") bytes (GitHub's workflow_job queued example, padded), HMAC-SHA256 signed"
echo
echo "Cold start: fresh JVM, exec to exit, medians of $RUNS runs (hello-world with the same JVM and flags)"
printf '%-12s %10s %11s %7s %9s  %s\n' variant "hello ms" "handler ms" ratio "vs plain" flags
for v in "${VARIANTS[@]}"; do
  IFS='|' read -r name flags cpform <<< "$v"
  h="$(median "$work/t/$name.hello")"
  f="$(median "$work/t/$name.handler")"
  shown="${flags//@JSA@/<trained archive>}"
  [ "$cpform" = dir ] && shown="$shown; classes from the unpacked jar, as in /var/task"
  awk -v n="$name" -v h="$h" -v f="$f" -v p="$plain_hello" -v fl="${shown:-(none)}" \
    'BEGIN { printf "%-12s %10.1f %11.1f %6.2fx %8.2fx  %s\n", n, h, f, f / h, f / p, fl }'
done
echo "(target: handler <= 2.0x hello-world)"
echo
echo "Where the handler's time goes (medians, ms): boot = exec to main(), construct = new WebhookFunction(),"
echo "prime = beforeCheckpoint, first = first delivery (secret read + verify + route + send), rest = exit"
printf '%-12s %7s %10s %7s %7s %7s %9s\n' variant boot construct prime first rest total
for name in plain c1 appcds appcds+c1 lambda-like no-cds primed primed-c1; do
  p="$work/t/$name.handler.phases"
  awk -v n="$name" -v b="$(median_col "$p" 1)" -v c="$(median_col "$p" 2)" -v pr="$(median_col "$p" 3)" \
    -v fd="$(median_col "$p" 4)" -v r="$(median_col "$p" 5)" -v t="$(median "$work/t/$name.handler")" \
    'BEGIN { printf "%-12s %7.1f %10.1f %7.1f %7.1f %7.1f %9.1f\n", n, b, c, pr, fd, r, t }'
done
echo "(primed: as under SnapStart: credentials from the container endpoint, beforeCheckpoint run after"
echo " construct; first = what a restored environment still does on its first delivery, besides restoring)"
echo
echo "Warm: CPU time per verified, routed delivery (WebhookService, in-memory queue), median over batches"
printf '%-22s %8s %8s %8s %10s\n' flags "cpu us" p10 p90 "wall us"
for pair in "default tiered|$warm_default" "C1 (TieredStopAtLevel=1)|$warm_c1"; do
  label="${pair%%|*}"; line="${pair#*|}"
  printf '%-22s %8s %8s %8s %10s\n' "$label" "$(field "$line" cpu_us_median)" "$(field "$line" cpu_us_p10)" \
    "$(field "$line" cpu_us_p90)" "$(field "$line" wall_us_median)"
done
echo "(target: <= 100 us; $(field "$warm_default" deliveries) deliveries per run)"
echo
awk -v b="$jar_bytes" 'BEGIN { printf "Jar: %d bytes = %.2f MB (%.2f MiB) (target: <= 8 MB)\n", b, b / 1e6, b / 1048576 }'
echo
echo "stand-in: $stats (handler runs: $handler_runs)"
if [ "$sent" != "$handler_runs" ]; then
  echo "webhook-bench: expected $handler_runs SendMessage calls, the stand-in saw $sent" >&2
  exit 1
fi
