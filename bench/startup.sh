#!/bin/sh
# startup.sh: cold start of the commands a script calls most.
# Reports min and median wall time.  Uses hyperfine when installed, else a
# loop over date +%s%N.  Target: under 2 ms.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
HERMES_HOME=$(mktemp -d)
export PATH HERMES_HOME
trap 'rm -rf "$HERMES_HOME"' EXIT

for i in $(seq 1 40); do hermes-memory add "bench entry $i" >/dev/null; done

run() {
	name=$1
	shift
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N --warmup 20 --runs 300 --export-json "$HERMES_HOME/h.json" \
			"$*" >/dev/null 2>&1
		python3 - "$name" "$HERMES_HOME/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))["results"][0]
print("%-28s min %.3f ms  median %.3f ms  (%d runs, hyperfine)" % (
    sys.argv[1], r["min"] * 1e3, r["median"] * 1e3, len(r["times"])))
PY
	else
		for i in $(seq 1 300); do
			s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
			echo $(((e - s) / 1000))
		done | sort -n | awk -v n="$name" '{ a[NR] = $1 }
			END { printf "%-28s min %.3f ms  median %.3f ms  (%d runs, loop)\n",
			    n, a[1] / 1000, a[int((NR + 1) / 2)] / 1000, NR }'
	fi
}

run "hermes --version" hermes --version
run "hermes-memory list (40)" hermes-memory list
run "hermes memory list (door)" hermes memory list
run "hermes-config get model" hermes-config get provider
