#!/usr/bin/env bash
# Benchmark of `lgr build-image` (not a test: prints figures, never fails on a number).
#
# Runs the installed-style jar (cli/target/lgr.jar, a new JVM per run, as a user runs it) against
# loopback stand-ins: Debian's CNCF registry (TLS, htpasswd) and a static server for GitHub's release
# download and API. The runner archive is a stand-in of realistic size (RUNNER_MB of incompressible
# data in RUNNER_FILES files plus the runner's layout; the real 2.338.0 archive is ~228 MB); the base
# image is `scratch`, so base layers are not part of the figures.
#
# Prints the median of RUNS runs of:
#   first   build and push with an empty cache, to an empty registry
#   rebuild the same build again (target: <= 3 s and 0 layers pushed)
#   change  one file changed in the runner function's jar (target: 1 layer pushed)
#
# Usage: ./mvnw -B -q -pl lambda-handlers,cli package -DskipTests && benchmarks/image-bench.sh
# RUNS (3), RUNNER_MB (200), RUNNER_FILES (100) and LGR_JAVA_OPTS (JVM options, as the installed
# launcher takes them) change the setup.
# Needs: java 17+, python3, docker-registry, htpasswd, openssl, keytool.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS="${RUNS:-3}"
RUNNER_MB="${RUNNER_MB:-200}"
RUNNER_FILES="${RUNNER_FILES:-100}"
VERSION=2.400.0
JAR="${LGR_JAR:-cli/target/lgr.jar}"

for tool in java python3 docker-registry htpasswd openssl keytool; do
  command -v "$tool" >/dev/null || { echo "image-bench: needs $tool" >&2; exit 2; }
done
[ -f "$JAR" ] || { echo "image-bench: build first: ./mvnw -B -q -pl lambda-handlers,cli package -DskipTests" >&2; exit 2; }

work="$(mktemp -d -t lgr-image-bench.XXXXXX)"
registry_pid=""
http_pid=""
stop() { # a server this script started
  if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi
}
cleanup() {
  stop "$registry_pid"
  stop "$http_pid"
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }

# --- TLS certificate, trust store, htpasswd, Docker-style credentials --------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
keytool -importcert -noprompt -alias bench -file "$work/cert.pem" -keystore "$work/trust.p12" \
  -storetype PKCS12 -storepass benchpass >/dev/null 2>&1
htpasswd -Bbn bench benchpass > "$work/htpasswd"
registry_port="$(free_port)"
registry="127.0.0.1:$registry_port"
mkdir -p "$work/home/.docker"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$registry" "$(printf 'bench:benchpass' | base64)" \
  > "$work/home/.docker/config.json"

start_registry() { # fresh, empty storage
  stop "$registry_pid"
  rm -rf "$work/registry" && mkdir -p "$work/registry"
  cat > "$work/registry.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: "$registry", tls: {certificate: $work/cert.pem, key: $work/key.pem}}
auth: {htpasswd: {realm: bench, path: $work/htpasswd}}
EOF
  docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$registry_port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "image-bench: the registry did not start" >&2; cat "$work/registry.log" >&2; exit 1
}

# --- stand-in runner archive and GitHub's side -------------------------------------------------
echo "image-bench: making a ${RUNNER_MB} MB stand-in runner archive..." >&2
python3 - "$work/site" "$VERSION" "$RUNNER_MB" "$RUNNER_FILES" <<'EOF'
import hashlib, io, json, os, sys, tarfile
site, version, megabytes, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
name = f"actions-runner-linux-x64-{version}.tar.gz"
os.makedirs(f"{site}/download/v{version}", exist_ok=True)
path = f"{site}/download/v{version}/{name}"
def add(tar, member, data, mode):
    info = tarfile.TarInfo(member); info.size = len(data); info.mode = mode; info.mtime = 0
    tar.addfile(info, io.BytesIO(data))
with tarfile.open(path, "w:gz", compresslevel=1) as tar:
    add(tar, "./run.sh", b"#!/bin/bash\nexec ./bin/Runner.Listener run \"$@\"\n", 0o755)
    add(tar, "./config.sh", b"#!/bin/bash\n", 0o755)
    add(tar, "./bin/Runner.Listener", b"#!/bin/bash\n", 0o755)
    size = megabytes * 1024 * 1024 // files
    for i in range(files):
        add(tar, f"./bin/lib{i:03d}.so", os.urandom(size), 0o644)
digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
os.makedirs(f"{site}/api/repos/actions/runner/releases/tags", exist_ok=True)
release = {"tag_name": f"v{version}",
           "body": f"- {name} <!-- BEGIN SHA linux-x64 -->{digest}<!-- END SHA linux-x64 -->",
           "assets": [{"name": name, "digest": f"sha256:{digest}"}]}
json.dump(release, open(f"{site}/api/repos/actions/runner/releases/tags/v{version}", "w"))
EOF
http_port="$(free_port)"
(cd "$work/site" && exec python3 -m http.server "$http_port" --bind 127.0.0.1) > "$work/http.log" 2>&1 &
http_pid=$!
sleep 0.5

# --- two lgr jars whose runner function jar differs by one file --------------------------------
python3 - "$JAR" "$work/lgr-a.jar" "$work/lgr-b.jar" <<'EOF'
import io, sys, zipfile
source, outputs = sys.argv[1], sys.argv[2:]
for n, output in enumerate(outputs):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("lambda-lib/function/") and item.filename.endswith(".jar"):
                buffer = io.BytesIO()
                with zipfile.ZipFile(io.BytesIO(data)) as inner, \
                        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
                    for entry in inner.infolist():
                        out.writestr(entry, inner.read(entry.filename))
                    out.writestr(zipfile.ZipInfo("dev/lgr/bench.txt", (1980, 1, 1, 0, 0, 0)),
                                 f"variant {n}\n")
                data = buffer.getvalue()
            dst.writestr(item, data)
EOF

# --- runs --------------------------------------------------------------------------------------
lgr() { # jar, cache folder, repository; prints "seconds pushed-layers"
  local jar="$1" cache="$2" repository="$3" start end
  start="$(now)"
  HOME="$work/home" XDG_CACHE_HOME="$cache" GITHUB_API_URL="http://127.0.0.1:$http_port/api" \
    LGR_RUNNER_DOWNLOAD_URL="http://127.0.0.1:$http_port/download" \
    java ${LGR_JAVA_OPTS:-} -Djavax.net.ssl.trustStore="$work/trust.p12" -Djavax.net.ssl.trustStorePassword=benchpass \
      -Djavax.net.ssl.trustStoreType=PKCS12 -Duser.home="$work/home" -jar "$jar" build-image \
      --to "$registry/$repository" --registry-auth docker --base-image scratch \
      --runner-version "$VERSION" --progress plain > "$work/out" 2> "$work/err" \
    || { echo "image-bench: lgr failed:" >&2; cat "$work/err" >&2; exit 1; }
  end="$(now)"
  echo "$(python3 -c "print(f'{$end - $start:.2f}')") $(sed -n 's/^Pushed \([0-9]*\) layer.*/\1/p' "$work/err")"
}
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.2f}")' "$@"; }

first=(); first_pushed=(); rebuild=(); rebuild_pushed=(); change=(); change_pushed=()
for run in $(seq 1 "$RUNS"); do
  start_registry
  cache="$work/cache-$run"
  read -r t p < <(lgr "$work/lgr-a.jar" "$cache" runner); first+=("$t"); first_pushed+=("$p")
  read -r t p < <(lgr "$work/lgr-a.jar" "$cache" runner); rebuild+=("$t"); rebuild_pushed+=("$p")
  read -r t p < <(lgr "$work/lgr-b.jar" "$cache" runner); change+=("$t"); change_pushed+=("$p")
  echo "image-bench: run $run: first ${first[-1]} s (${first_pushed[-1]} layers pushed)," \
    "rebuild ${rebuild[-1]} s (${rebuild_pushed[-1]})," \
    "one-file change ${change[-1]} s (${change_pushed[-1]})" >&2
done

echo "lgr build-image, median of $RUNS runs (new JVM each${LGR_JAVA_OPTS:+, $LGR_JAVA_OPTS}; ${RUNNER_MB} MB stand-in runner archive; base scratch; loopback registry with TLS):"
printf '  %-34s %6s s   layers pushed: %s\n' \
  "first build + push (empty cache)" "$(median "${first[@]}")" "${first_pushed[*]}" \
  "unchanged rebuild (target <= 3 s, 0)" "$(median "${rebuild[@]}")" "${rebuild_pushed[*]}" \
  "one file changed in the function jar" "$(median "${change[@]}")" "${change_pushed[*]}"
