#!/bin/sh
# cron.sh: hermes-cron tick with 1,000 jobs of which none is due, and
# with 100 due against the scripted fake provider answering at once.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$top/bench/cron.py" "$top"
