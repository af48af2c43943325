#!/bin/sh
# import-notes.sh: seed the agent's memory from a notes file, one entry a
# line (blank lines and "#" comments skipped).  Duplicates are skipped by
# hermes-memory itself; the first entry that does not fit stops the import
# with hermes-memory's own "consolidate" message and exit 1.
#
#   examples/import-notes.sh notes.txt          # into MEMORY.md
#   examples/import-notes.sh -u about-me.txt    # into USER.md
set -eu

user=
if [ "${1:-}" = -u ]; then
	user=-u
	shift
fi
[ $# -eq 1 ] || { echo "usage: import-notes.sh [-u] FILE" >&2; exit 2; }

n=0
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'' | '#'*) continue ;;
	esac
	hermes-memory $user add -- "$line"
	n=$((n + 1))
done <"$1"
echo "imported $n entries; now $(hermes-memory $user usage) chars" >&2
