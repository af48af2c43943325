#!/bin/sh
# memory-add.sh: throughput of hermes-memory add with 16 concurrent
# writers, each adding 50 distinct entries (800 locked read-modify-write
# cycles with fsync), and the same 800 adds from one writer for contrast.
# Checks that every entry landed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
HERMES_HOME=$(mktemp -d)
export PATH HERMES_HOME
trap 'rm -rf "$HERMES_HOME"' EXIT
echo "memory.max_chars = 10000000" >"$HERMES_HOME/config"

now() { date +%s%N; }

s=$(now)
for w in $(seq 1 16); do
	(for k in $(seq 1 50); do hermes-memory add "w$w e$k"; done) &
done
wait
e=$(now)
n=$(hermes-memory list | wc -l)
[ "$n" -eq 800 ] || { echo "lost entries: $n of 800" >&2; exit 1; }
awk -v ns=$((e - s)) 'BEGIN { printf "16 writers x 50 adds:   %d adds in %.0f ms = %.0f adds/s\n",
	800, ns / 1e6, 800 / (ns / 1e9) }'

rm -rf "$HERMES_HOME/memories"
s=$(now)
for k in $(seq 1 800); do hermes-memory add "single e$k"; done
e=$(now)
awk -v ns=$((e - s)) 'BEGIN { printf "1 writer x 800 adds:    %d adds in %.0f ms = %.0f adds/s\n",
	800, ns / 1e6, 800 / (ns / 1e9) }'
