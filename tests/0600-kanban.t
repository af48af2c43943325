#!/bin/sh
test_description='hermes-kanban: tasks, links, claims, leases, history, bad input'
. "${0%/*}/lib.sh"

test_expect_success 'add prints an id; list shows it ready' '
	id=$(hermes-kanban add "write the parser") &&
	echo "$id" | grep -q "^t_[0-9a-f]\{8\}$" &&
	hermes-kanban list >out &&
	printf "%s\tready\t0\t-\twrite the parser\n" "$id" >want &&
	test_cmp want out
'

test_expect_success 'a task that needs another waits in todo, and is promoted when it is done' '
	a=$(hermes-kanban add -a coder --priority 5 "build it") &&
	b=$(hermes-kanban add --needs "$a" -b "test what was built" "test it") &&
	hermes-kanban list -s todo | cut -f1 >todo &&
	echo "$b" >want && test_cmp want todo &&
	hermes-kanban complete -r built "$a" &&
	hermes-kanban list -s ready | cut -f1 | grep -q "^$b$" &&
	hermes-kanban --json show "$b" >j &&
	grep -q "\"needs\":\[\"$a\"\]" j
'

test_expect_success 'a link that would make a cycle is refused, naming it' '
	x=$(hermes-kanban add x) && y=$(hermes-kanban add --needs "$x" y) &&
	z=$(hermes-kanban add --needs "$y" z) &&
	test_expect_code 1 hermes-kanban link "$x" "$z" 2>err &&
	grep -q "cycle" err &&
	test_expect_code 1 hermes-kanban link "$x" "$x" 2>err &&
	hermes-kanban --json show "$x" | grep -q "\"needs\":\[\]"
'

test_expect_success 'claim prints the id; a second claim loses with exit 4' '
	id=$(hermes-kanban add --priority 9 "claim me") &&
	hermes-kanban claim "$id" >out &&
	echo "$id" >want && test_cmp want out &&
	test_expect_code 4 hermes-kanban claim "$id" 2>err &&
	grep -q "$id" err &&
	hermes-kanban list -s claimed | cut -f1 | grep -q "^$id$"
'

test_expect_success 'claim --next takes the highest priority; nothing ready exits 4' '
	top=$(hermes-kanban add --priority 7 "most urgent") &&
	hermes-kanban claim --next >first &&
	echo "$top" >want && test_cmp want first &&
	while hermes-kanban claim --next >/dev/null 2>&1; do :; done &&
	test_expect_code 4 hermes-kanban claim --next 2>err &&
	grep -q "no task is ready" err
'

test_expect_success 'heartbeat, block, unblock, comment and the history' '
	id=$(hermes-kanban add "history") &&
	hermes-kanban claim --ttl 60 "$id" >/dev/null &&
	hermes-kanban heartbeat --ttl 120 "$id" &&
	hermes-kanban comment "$id" "halfway there" &&
	hermes-kanban block -r "needs a decision" "$id" &&
	hermes-kanban list -s blocked | cut -f1 | grep -q "^$id$" &&
	hermes-kanban unblock "$id" &&
	hermes-kanban list -s ready | cut -f1 | grep -q "^$id$" &&
	hermes-kanban show "$id" >s &&
	grep -q "halfway there" s &&
	for k in add claim heartbeat comment block unblock; do
		grep -q "	$k	" s || { echo "no $k event"; return 1; }
	done
'

# Leases on a clock of our own: --now makes the instant, no sleeping.
# Each test has a board of its own, so the claims the tests above made on
# the real clock are not in the way, whatever today's date is.
T0=2031-03-01T10:00:00Z

test_expect_success 'an expired lease is reclaimed; the second failure blocks the task' '
	HERMES_HOME=$TEST_TMP/clock1 && export HERMES_HOME &&
	id=$(hermes-kanban add "flaky") &&
	hermes-kanban claim --now $T0 --ttl 60 "$id" >/dev/null &&
	hermes-kanban reclaim --now 2031-03-01T10:00:59Z 2>err &&
	grep -q "0 leases expired" err &&
	hermes-kanban list -s claimed | cut -f1 | grep -q "^$id$" &&
	hermes-kanban reclaim --now 2031-03-01T10:01:01Z 2>err &&
	grep -q "1 lease expired" err &&
	hermes-kanban list -s ready | cut -f1 | grep -q "^$id$" &&
	hermes-kanban claim --now $T0 --ttl 1 "$id" >/dev/null &&
	hermes-kanban reclaim --now 2031-03-01T10:00:02Z 2>/dev/null &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"blocked\"" j &&
	grep -q "failed 2 attempts" j
'

test_expect_success '--now: the claim, its lease and its heartbeat are at that time' '
	HERMES_HOME=$TEST_TMP/clock2 && export HERMES_HOME &&
	id=$(hermes-kanban add "on our clock") &&
	hermes-kanban claim --now $T0 --ttl 60 "$id" >/dev/null &&
	hermes-kanban --json show "$id" >j &&
	lease=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"lease\"])" j) &&
	test "$(date -u -d "$lease" +%s)" = "$(date -u -d 2031-03-01T10:01:00Z +%s)" &&
	hermes-kanban heartbeat --now 2031-03-01T10:00:50Z --ttl 60 "$id" &&
	hermes-kanban reclaim --now 2031-03-01T10:01:30Z 2>err &&
	grep -q "0 leases expired" err &&
	hermes-kanban reclaim --now 2031-03-01T10:01:51Z 2>err &&
	grep -q "1 lease expired" err &&
	hermes-kanban show "$id" >s &&
	grep -q "^2031-03-01T..:00:00.*	claim	" s &&
	grep -q "^2031-03-01T..:00:50.*	heartbeat	" s &&
	grep -q "^2031-03-01T..:01:51.*	reclaim	" s &&
	test_expect_code 2 hermes-kanban claim --now yesterday --next 2>err &&
	grep -q "not an ISO 8601 time" err &&
	test_expect_code 2 hermes-kanban reclaim --now 2031-02-30 2>err
'

test_expect_success 'rm removes a task and its links; its history stays' '
	p=$(hermes-kanban add parent) && c=$(hermes-kanban add --needs "$p" child) &&
	hermes-kanban rm "$p" >out && echo "$p" >want && test_cmp want out &&
	hermes-kanban list -s ready | cut -f1 | grep -q "^$c$" &&
	test_expect_code 1 hermes-kanban show "$p" 2>err &&
	grep -q "$p" err
'

test_expect_success 'the board shows one column a state; --json list is one object a line' '
	hermes-kanban board >b &&
	for s in todo ready claimed done failed blocked; do
		grep -q "^$s$" b || { echo "no column $s"; return 1; }
	done &&
	! grep -q "$(printf "\033")" b &&
	hermes-kanban --json list >j &&
	test "$(wc -l <j)" = "$(hermes-kanban list | wc -l)" &&
	python3 -c "
import json, sys
for l in open(sys.argv[1]):
    json.loads(l)
" j
'

test_expect_success 'malformed input: clear errors, nothing changed' '
	hermes-kanban list >before &&
	test_expect_code 2 hermes-kanban add 2>err &&
	test_expect_code 2 hermes-kanban add "" 2>err &&
	test_expect_code 2 hermes-kanban add --priority high x 2>err &&
	test_expect_code 1 hermes-kanban add --needs t_00000000 x 2>err &&
	grep -q "t_00000000" err &&
	test_expect_code 2 hermes-kanban list -s doing 2>err &&
	grep -q "not a status" err &&
	test_expect_code 1 hermes-kanban complete t_deadbeef 2>err &&
	test_expect_code 1 hermes-kanban link t_deadbeef t_beefdead 2>err &&
	test_expect_code 2 hermes-kanban block t_deadbeef 2>err &&
	test_expect_code 2 hermes-kanban claim 2>err &&
	test_expect_code 2 hermes-kanban claim --ttl 0 --next 2>err &&
	test_expect_code 2 hermes-kanban bogus 2>err &&
	hermes-kanban list >after &&
	test_cmp before after
'

test_expect_success 'fan-out from the shell: ids from add, ready ones cut from list' '
	for n in 1 2 3 4 5; do hermes-kanban add -a writer "summarise part $n" || return 1; done >ids &&
	test_line_count = 5 ids &&
	hermes-kanban list -s ready | grep "summarise part" | cut -f1 | sort >ready &&
	sort ids >want && test_cmp want ready
'

test_done
