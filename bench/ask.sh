#!/bin/sh
# ask.sh: hermes-ask against the scripted fake provider answering at once.
# Reports: wall time and peak RSS of a one-prompt run, harness cost per
# tool step over a 100-step tool loop (wall and CPU of hermes-ask alone),
# and the size of the fixed part of the first request.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$top/bench/ask.py" "$top"
