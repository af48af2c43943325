#!/bin/sh
# memory-snapshot.sh: keep the history of what the agent remembers in git,
# so a bad consolidation can be undone with "git log -p" and a checkout.
# Run it from a crontab line:
#
#   17 * * * * /usr/local/share/hermes/examples/memory-snapshot.sh
#
# It commits only when something changed and never touches the live files
# except to read them.
set -eu

dir=$(hermes-config path memories)
[ -d "$dir" ] || exit 0
cd "$dir"
[ -d .git ] || git init -q
git add MEMORY.md USER.md 2>/dev/null || git add -A -- '*.md'
if git diff --cached --quiet; then
	exit 0
fi
git -c user.name=hermes -c user.email=hermes@localhost \
	commit -q -m "memory snapshot $(date -u +%Y-%m-%dT%H:%MZ)"
git rev-parse --short HEAD
