#!/bin/sh
# gateway.sh: messages a second through hermes-gateway (fake Telegram,
# the instant fake provider, 100 chats at once) and its RSS as 10,000
# messages go through.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$top/bench/gateway.py" "$top" "${1:-10000}"
