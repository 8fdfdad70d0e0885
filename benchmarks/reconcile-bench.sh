#!/usr/bin/env bash
# Reconciler benchmark: GitHub API requests per run (and the wall time of a warm run) for 1, 10 and
# 100 repositories, against the OpenAPI-checked GitHub stand-in. Prints figures; asserts nothing.
#   benchmarks/reconcile-bench.sh [runs] [sizes...]     (SKIP_BUILD=1 to reuse the last build)
# The stand-in's OpenAPI validator comes from lambda-handlers' test class path (written to
# lambda-handlers/target/test-classpath.txt), not from the benchmarks module's dependencies.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-15}"
shift || true
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -B -q -o -pl benchmarks -am package -DskipTests >&2
  ./mvnw -B -q -o -pl lambda-handlers dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt >&2
fi
java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt):$(cat lambda-handlers/target/test-classpath.txt)" \
  dev.lgr.bench.ReconcileBench "$runs" "$@"
