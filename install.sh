#!/usr/bin/env bash
# Builds lgr with the Maven wrapper (tests skipped) and installs the `lgr` command under $PREFIX.
#   ./install.sh                 installs to ~/.local (bin/lgr, lib/lgr/lgr.jar)
#   PREFIX=/usr/local ./install.sh
# Re-runnable: a second run replaces the previous install.
set -euo pipefail

PREFIX="${PREFIX:-$HOME/.local}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! command -v "$java_bin" >/dev/null 2>&1; then
  echo "install.sh: Java 17 or newer is needed and no 'java' was found." >&2
  echo "  Install a JDK (for example: sudo apt-get install openjdk-17-jdk, or https://adoptium.net)" >&2
  echo "  and run ./install.sh again (or set JAVA_HOME)." >&2
  exit 1
fi
java_version="$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
java_major="${java_version%%.*}"
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ] 2>/dev/null; then
  echo "install.sh: Java 17 or newer is needed; '$java_bin' is Java ${java_version:-unknown}." >&2
  echo "  Point JAVA_HOME at a newer JDK and run ./install.sh again." >&2
  exit 1
fi

echo "Building lgr with Java $java_version (tests skipped; run ./mvnw -B verify for them)..." >&2
(cd "$here" && ./mvnw -B -q -DskipTests -Dspotless.check.skip=true package)

jar="$here/cli/target/lgr.jar"
[ -f "$jar" ] || { echo "install.sh: the build did not produce $jar" >&2; exit 1; }

mkdir -p "$PREFIX/bin" "$PREFIX/lib/lgr"
# Copy then rename, so a running lgr never sees half a jar.
cp "$jar" "$PREFIX/lib/lgr/lgr.jar.tmp"
mv -f "$PREFIX/lib/lgr/lgr.jar.tmp" "$PREFIX/lib/lgr/lgr.jar"

launcher="$PREFIX/bin/lgr"
cat > "$launcher.tmp" <<LAUNCHER
#!/usr/bin/env bash
# lgr launcher, written by install.sh
if [ -n "\${JAVA_HOME:-}" ]; then java="\$JAVA_HOME/bin/java"; else java=java; fi
exec "\$java" \${LGR_JAVA_OPTS:-} -jar "$PREFIX/lib/lgr/lgr.jar" "\$@"
LAUNCHER
chmod 755 "$launcher.tmp"
mv -f "$launcher.tmp" "$launcher"

echo "Installed lgr:" >&2
echo "  command: $launcher" >&2
echo "  jar:     $PREFIX/lib/lgr/lgr.jar" >&2
case ":$PATH:" in
  *":$PREFIX/bin:"*) echo "$PREFIX/bin is on your PATH: run 'lgr --help'." >&2 ;;
  *)
    echo "$PREFIX/bin is NOT on your PATH. Add it, for example:" >&2
    echo "  echo 'export PATH=\"$PREFIX/bin:\$PATH\"' >> ~/.bashrc && export PATH=\"$PREFIX/bin:\$PATH\"" >&2
    ;;
esac
