#!/bin/sh
# kanban-fanout.sh: one board task per file, a final task that needs them
# all, then workers until the board is done.  Each summary task runs in
# its own worker; the report waits for every summary, and its worker's
# prompt carries their results.
#
#   examples/kanban-fanout.sh docs/*.md
#   examples/kanban-fanout.sh -n docs/*.md     # add the tasks, run nothing
#
# Prints the id of the report task, then runs the board; the dispatcher
# says on stderr what each worker did.  Exits 0 when the report is done,
# else the dispatcher's status when it failed (1: no worker finished, 4:
# another dispatcher runs this board), else 1.  Works the same from cron
# or CI: the ids come from hermes-kanban add's stdout, nothing is parsed
# from prose.
set -eu

run=1
if [ "${1:-}" = -n ]; then
	run=
	shift
fi
[ $# -ge 1 ] || { echo "usage: kanban-fanout.sh [-n] FILE..." >&2; exit 2; }

needs=
for f in "$@"; do
	[ -f "$f" ] || { echo "kanban-fanout.sh: no file '$f'" >&2; exit 1; }
	id=$(hermes-kanban add -a writer -b "Summarise $f in five lines." \
		"summarise $f")
	needs="$needs --needs $id"
done
# shellcheck disable=SC2086 # $needs is a list of options on purpose
report=$(hermes-kanban add -a writer $needs \
	-b "Join the summaries of the tasks this one needs into one report." \
	"report on $# files")
echo "$report"
[ -n "$run" ] || exit 0

# Pass after pass, until nothing is ready or running: the summaries, then
# the report they make ready.
rc=0
hermes-kanban dispatch --until-done >&2 || rc=$?
if hermes-kanban list -s "done" | cut -f1 | grep -qx "$report"; then
	exit 0
fi
echo "kanban-fanout.sh: the report $report is not done" \
	"(hermes-kanban show $report says why)" >&2
[ "$rc" -ne 0 ] || rc=1
exit "$rc"
