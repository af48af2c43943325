#!/bin/sh
# kanban.sh: claims per second from the command line with 1 and 16
# claimers (each claim a hermes-kanban process, as scripts do it), and
# one dispatch --once pass over a board of 10,000 tasks.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$top/bench/kanban.py" "$top"
