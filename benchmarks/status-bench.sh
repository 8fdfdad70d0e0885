#!/usr/bin/env bash
# Benchmark of `lgr status` (not a test: prints figures, never fails on a number).
#
# Deploys a stack with `lgr deploy` to moto server (lgr's test launcher) and the stateful GitHub
# stand-in, both on loopback, then runs `lgr status --output json` RUNS times, each in a new JVM
# from the installed-style jar (cli/target/lgr.jar), as a user runs it, and prints the median wall
# time next to the median of `lgr --version` in the same JVM set-up (the JVM's own start). The
# target: under 2 s against the loopback stand-ins.
#
# Usage: benchmarks/status-bench.sh            (builds first; SKIP_BUILD=1 skips that)
# RUNS (9) and LGR_JAVA_OPTS (JVM options, as the installed launcher takes them) change the set-up.
# Needs: java 17+, python3 with moto[server] 5.x.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS="${RUNS:-9}"
JAVA="${BENCH_JAVA:-java}"
MVN_ARGS="${MVN_ARGS:--B -q}"
for tool in "$JAVA" python3; do
  command -v "$tool" >/dev/null || { echo "status-bench: needs $tool" >&2; exit 2; }
done
python3 -c 'import moto' 2>/dev/null || { echo "status-bench: needs moto: pip install 'moto[server]'" >&2; exit 2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "status-bench: building (SKIP_BUILD=1 skips this)..." >&2
  # shellcheck disable=SC2086
  ./mvnw $MVN_ARGS -pl lambda-handlers,cli,benchmarks package -DskipTests -DskipITs >&2
fi
for f in cli/target/lgr.jar benchmarks/target/benchmarks.jar benchmarks/target/classpath-test.txt; do
  [ -f "$f" ] || { echo "status-bench: missing $f: ./mvnw -B -pl lambda-handlers,cli,benchmarks package -DskipTests" >&2; exit 2; }
done

work="$(mktemp -d -t lgr-status-bench.XXXXXX)"
moto_pid=""
github_pid=""
stop() { # a server this script started
  if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi
}
cleanup() {
  exec 4>&- 2>/dev/null || true
  stop "$github_pid"
  stop "$moto_pid"
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# Private copies: a build running meanwhile in the working tree must not change what is measured.
cp cli/target/lgr.jar "$work/lgr.jar"

# --- moto server, through lgr's test launcher (it patches moto's CloudFormation gaps) -------------
moto_port="$(free_port)"
python3 lambda-handlers/src/test/resources/moto/lgr_moto_server.py -H 127.0.0.1 -p "$moto_port" \
  > "$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 200); do
  python3 - "$moto_port" <<'PY' 2>/dev/null && break
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
PY
  kill -0 "$moto_pid" 2>/dev/null || { echo "status-bench: moto did not start" >&2; cat "$work/moto.log" >&2; exit 1; }
  sleep 0.1
done

# --- the GitHub stand-in, serving while fd 4 stays open ------------------------------------------
token="fake-gh-token-bench$(date +%s)"
mkfifo "$work/github.in"
"$JAVA" -cp "benchmarks/target/benchmarks.jar:$(cat benchmarks/target/classpath-test.txt)" \
  dev.lgr.bench.GitHubStandInServer octo/bench "$token" < "$work/github.in" > "$work/github.out" 2>&1 &
github_pid=$!
exec 4>"$work/github.in"
github_url=""
for _ in $(seq 1 300); do
  github_url="$(sed -n 's/^url=//p' "$work/github.out")"
  [ -n "$github_url" ] && break
  kill -0 "$github_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$github_url" ] || { echo "status-bench: the GitHub stand-in did not start" >&2; cat "$work/github.out" >&2; exit 1; }

mkdir -p "$work/home"
lgr() { # lgr as a user runs it: a new JVM, no terminal
  # shellcheck disable=SC2086
  env -i PATH="$PATH" HOME="$work/home" AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    GITHUB_API_URL="$github_url" GH_TOKEN="$token" \
    "$JAVA" ${LGR_JAVA_OPTS:-} -jar "$work/lgr.jar" "$@" < /dev/null
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

image="123456789012.dkr.ecr.us-east-1.amazonaws.com/lgr-runner@sha256:$(printf 'bench' | sha256sum | cut -c1-64)"
echo "status-bench: deploying to moto and the GitHub stand-in..." >&2
(cd "$work/home" && lgr deploy --repo octo/bench --stack lgr-bench --image "$image" --yes \
  > "$work/deploy.out" 2> "$work/deploy.err") \
  || { echo "status-bench: deploy failed" >&2; cat "$work/deploy.err" >&2; exit 1; }

: > "$work/status.times"
: > "$work/version.times"
# bash's time: wall, then user + system CPU of the JVM (less sensitive to a busy machine).
TIMEFORMAT='%R %U %S'
: > "$work/status.cpu"
: > "$work/version.cpu"
for i in $(seq 1 "$RUNS"); do
  set +e
  t="$( { time (cd "$work/home" && lgr status --stack lgr-bench --output json > "$work/status.json" 2> "$work/status.err") ; } 2>&1 )"
  code=$?
  set -e
  [ "$code" = 0 ] || { echo "status-bench: lgr status exited $code" >&2; cat "$work/status.err" "$work/status.json" >&2; exit 1; }
  echo "$t" | awk '{print $1}' >> "$work/status.times"
  echo "$t" | awk '{print $2 + $3}' >> "$work/status.cpu"
  t="$( { time (cd "$work/home" && lgr --version > /dev/null) ; } 2>&1 )"
  echo "$t" | awk '{print $1}' >> "$work/version.times"
  echo "$t" | awk '{print $2 + $3}' >> "$work/version.cpu"
  echo "status-bench: run $i/$RUNS" >&2
done

status_median="$(median < "$work/status.times")"
version_median="$(median < "$work/version.times")"
printf 'lgr status (healthy, %s runs, new JVM each): median wall %.2f s (min %.2f, max %.2f), median CPU %.2f s; target < 2 s wall\n' \
  "$RUNS" "$status_median" "$(sort -n "$work/status.times" | head -1)" "$(sort -n "$work/status.times" | tail -1)" \
  "$(median < "$work/status.cpu")"
printf 'lgr --version (the JVM and picocli alone): median wall %.2f s, median CPU %.2f s\n' \
  "$version_median" "$(median < "$work/version.cpu")"
printf 'load average while measuring: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
