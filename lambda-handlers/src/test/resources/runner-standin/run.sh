#!/bin/bash
# Stand-in for the GitHub runner's run.sh (tests only): same place in the layout, same arguments.
# Behaviour comes from the file `behaviour` beside it: "job SECONDS", "hang", "hang-ignoring-term",
# "crash", "crash-on-start". If `report-to` names a file, the arguments and environment are written there.
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "$1" != "--jitconfig" ] || [ -z "$2" ]; then
  echo "usage: run.sh --jitconfig CONFIG" >&2
  exit 2
fi
report="$(cat "$DIR/report-to" 2>/dev/null)"
if [ -n "$report" ]; then
  { echo "cwd: $PWD"; echo "args: $*"; echo "--- env"; env; } > "$report"
fi
# The real runner writes its settings and logs into its own folder: it must be writable.
touch "$DIR/.runner" && mkdir -p "$DIR/_diag" "$DIR/_work" || { echo "runner root is read-only" >&2; exit 3; }
"$DIR/bin/Runner.Listener" run --jitconfig "$2"
