#!/bin/sh
# tools.sh: what the tool schemas cost on every model call, per tool and
# in all, taken from the request hermes-ask --dry-run would send.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
HERMES_HOME=$(mktemp -d)
export HERMES_HOME
trap 'rm -rf "$HERMES_HOME"' EXIT
"$top/bin/hermes-ask" --dry-run hi 2>/dev/null | python3 -c '
import json, sys
b = json.load(sys.stdin)
tools = b.get("tools", [])
total = 0
for t in tools:
    n = len(json.dumps(t, separators=(",", ":")))
    total += n
    print("  %-16s %5d bytes  ~%4d tokens" % (t["function"]["name"], n, (n + 3) // 4))
sysp = len(json.dumps(b["messages"][0], separators=(",", ":")))
print("tool schemas:    %5d bytes  ~%4d tokens (%d tools)" % (total, (total + 3) // 4, len(tools)))
print("system prompt:   %5d bytes  ~%4d tokens (default SOUL.md, empty memory)" % (sysp, (sysp + 3) // 4))
'
