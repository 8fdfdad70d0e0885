#!/usr/bin/env bash
# Runner preparation benchmark: from the JIT configuration in hand to run.sh running, with a
# 200 MB runner tree, lgr's RunnerHome next to a full copy. Prints figures; asserts nothing.
#   benchmarks/runner-prep-bench.sh [runs]     (SKIP_BUILD=1 to reuse the last build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-15}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -B -q -pl benchmarks -am package -DskipTests >&2
fi
tmp="${TMPDIR:-/tmp}"
java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  dev.lgr.lambda.runner.RunnerPrepBench "$runs" "$tmp/lgr-bench-runner" "$tmp/lgr-bench-scratch"
rm -rf "$tmp/lgr-bench-scratch" "$tmp/lgr-bench-scratch-empty"
