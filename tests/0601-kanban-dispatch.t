#!/bin/sh
test_description='hermes-kanban: 16 claimers, the dispatcher, worktree workers, plan'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

GIT="git -c user.name=t -c user.email=t@example.com"

# events KIND: how many events of that kind the board holds
events() {
	sqlite3 "$HERMES_HOME/kanban.db" "SELECT count(*) FROM events WHERE kind = '$1'"
}

WORKER="hermes-ask --json -q --source kanban"

# workers_to FILE: write the pids of our workers to FILE; 0 when any.
workers_to() {
	test_pgrep "$WORKER" >"$1"
}

# done_watching ID: is task ID done?  Meanwhile $max keeps the most
# workers seen alive at once (wait_for runs it in this shell).
done_watching() {
	n=$(test_pgrep "$WORKER" | wc -l)
	[ "$n" -le "$max" ] || max=$n
	hermes-kanban list -s done | cut -f1 | grep -qx "$1"
}

test_expect_success 'setup: a repository with one commit' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	git init -q repo && echo "# project" >repo/README.md &&
	$GIT -C repo add README.md && $GIT -C repo commit -q -m init
'

test_expect_success '16 concurrent claimers on 1,000 tasks: every task claimed exactly once' '
	i=0 && while [ $i -lt 1000 ]; do echo "task $i"; i=$((i + 1)); done >titles &&
	while read -r t; do hermes-kanban add "$t" || exit 1; done <titles >ids &&
	test_line_count = 1000 ids &&
	n=0 && while [ $n -lt 16 ]; do
		{ (while hermes-kanban claim --next 2>/dev/null; do :; done) >"won.$n" & } ;
		n=$((n + 1))
	done &&
	wait &&
	cat won.* | sort >won &&
	sort ids >want && test_cmp want won &&
	test "$(events claim)" = 1000 &&
	test "$(sqlite3 "$HERMES_HOME/kanban.db" "SELECT count(DISTINCT task) FROM events WHERE kind = '"'"'claim'"'"'")" = 1000 &&
	for id in $(cat ids); do hermes-kanban rm "$id" >/dev/null || return 1; done
'

test_expect_success 'a worker in its worktree commits and completes the task' '
	id=$(hermes-kanban add --repo "$TEST_TMP/repo" -b "add notes.txt and commit it" "write notes") &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "terminal", "arguments": {"command": "echo hello >notes.txt && git add notes.txt && git -c user.name=w -c user.email=w@example.com commit -q -m notes"}}]},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "notes committed"}}]},
	 {"text": "Done."}]
	EOT
	fake_llm_start openai s.json &&
	timeout 60 hermes-kanban dispatch --once &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"done\"" j &&
	grep -q "\"result\":\"notes committed\"" j &&
	grep -q "\"branch\":\"kanban/$id\"" j &&
	test -f "$HERMES_HOME/worktrees/$id/notes.txt" &&
	git -C repo log --format=%s "kanban/$id" >log &&
	head -1 log | grep -q "^notes$" &&
	git -C repo worktree list | grep -q "worktrees/$id" &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" | grep -q "$id" &&
	fake_llm_jq 1 "\" \".join(t[\"function\"][\"name\"] for t in b[\"tools\"])" >tools &&
	grep -q kanban_complete tools && grep -q kanban_block tools
'

test_expect_success 'a worker that ends without completing is a failed attempt (its answer shown inert); the second blocks it' '
	id=$(hermes-kanban add "give up") &&
	cat >s.json <<-\EOT &&
	[{"text": "I will \u001b[2Jnot do it.", "repeat": 4}]
	EOT
	fake_llm_start openai s.json &&
	test_expect_code 1 timeout 60 hermes-kanban dispatch --once 2>err &&
	grep -q "^hermes-kanban: $id started" err &&
	grep -q "^hermes-kanban: $id failed (attempt 1 of 2, now ready): the worker exited with status 0 without completing or blocking the task: its answer: I will ?\[2Jnot do it.$" err &&
	! grep -q "$(printf "\033")" err &&
	grep -q "^hermes-kanban: 1 started, 0 done, 0 blocked, 1 failed" err &&
	grep -q "^hermes-kanban: no worker finished its task: 1 failed$" err &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"ready\"" j && grep -q "\"attempts\":1" j &&
	test_expect_code 1 timeout 60 hermes-kanban dispatch --once 2>err &&
	grep -q "$id failed (attempt 2 of 2, now blocked)" err &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"blocked\"" j &&
	grep -q "failed 2 attempts" j &&
	grep -q "without completing" j
'

test_expect_success 'a worker the provider refuses: its error line on stderr, exit 1' '
	id=$(hermes-kanban add "meet a bad key") &&
	echo "[{\"status\": 401, \"repeat\": 4}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 timeout 60 hermes-kanban dispatch --once 2>err &&
	grep "^hermes-kanban: $id failed (attempt 1 of 2, now ready): the worker exited with status 1 without" err >line &&
	grep -q "401" line &&
	hermes-kanban show "$id" | grep -q "	fail	.*401" &&
	hermes-kanban rm "$id" >/dev/null
'

test_expect_success 'one worker done and one failed: exit 0, each said' '
	a=$(hermes-kanban add --priority 2 "finish") &&
	b=$(hermes-kanban add --priority 1 "give up") &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "finished\nwith a second line"}}]},
	 {"text": "Done."},
	 {"text": "No.", "repeat": 2}]
	EOT
	fake_llm_start openai s.json &&
	timeout 60 hermes-kanban dispatch --until-done --max 1 2>err &&
	grep -q "^hermes-kanban: $a done: finished...$" err &&
	grep -q "^hermes-kanban: $b failed (attempt 1 of 2, now ready)" err &&
	grep -q "^hermes-kanban: $b failed (attempt 2 of 2, now blocked)" err &&
	grep -q "^hermes-kanban: 3 started, 1 done, 0 blocked, 2 failed; left: .*blocked$" err &&
	hermes-kanban rm "$b" >/dev/null
'

test_expect_success 'a worker killed with SIGKILL: a second attempt succeeds, never two alive' '
	id=$(hermes-kanban add "survive a kill") &&
	cat >s.json <<-\EOT &&
	[{"text": "slow", "delay": 30},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "second time lucky"}}]},
	 {"text": "Done."}]
	EOT
	fake_llm_start openai s.json &&
	{ hermes-kanban dispatch --max 2 2>dispatch.err & dp=$!; } &&
	wait_for workers_to pids &&
	test_line_count = 1 pids &&
	test_expect_code 4 hermes-kanban dispatch --once 2>err &&
	grep -q "another dispatcher" err &&
	kill -9 "$(cat pids)" &&
	max=0 && wait_for done_watching "$id" &&
	kill -TERM $dp && wait $dp;
	test "$max" -le 1 &&
	grep -q "^hermes-kanban: $id failed (attempt 1 of 2, now ready): the worker was killed by signal 9" dispatch.err &&
	grep -q "^hermes-kanban: $id done: second time lucky$" dispatch.err &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"done\"" j &&
	grep -q "\"attempts\":2" j &&
	grep -q "second time lucky" j &&
	hermes-kanban show "$id" | grep -q "killed by signal 9"
'

# The first dispatcher claims at 10:00 for the default 900 s; the second
# runs at 11:00, when that lease has run out.
test_expect_success 'a dispatcher killed with its worker alive: after the lease, the next one stops the old worker first' '
	id=$(hermes-kanban add "outlive a dispatcher") &&
	cat >s.json <<-\EOT &&
	[{"text": "stuck", "delay": 40},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "after the takeover"}}]},
	 {"text": "Done."}]
	EOT
	fake_llm_start openai s.json &&
	{ hermes-kanban dispatch --now 2031-03-01T10:00:00Z 2>d1.err & d1=$!; } &&
	wait_for workers_to old &&
	test_line_count = 1 old &&
	kill -9 $d1 && wait $d1 2>/dev/null;
	kill -0 "$(cat old)" &&
	hermes-kanban reclaim --now 2031-03-01T10:14:59Z 2>err &&
	grep -q "0 leases expired" err &&
	{ hermes-kanban dispatch --now 2031-03-01T11:00:00Z 2>d2.err & d2=$!; } &&
	max=0 && wait_for done_watching "$id" &&
	kill -TERM $d2 && wait $d2;
	test "$max" -le 1 &&
	grep -q "^hermes-kanban: $id reclaimed" d2.err &&
	! kill -0 "$(cat old)" 2>/dev/null &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"done\"" j && grep -q "after the takeover" j &&
	hermes-kanban show "$id" | grep -q "	reclaim	"
'

# The child's worker is the second to run: its first request is POST 3.
test_expect_success 'a worker gets the results and branches of the tasks it needs; long results are cut' '
	a=$(hermes-kanban add --repo "$TEST_TMP/repo" "find the facts") &&
	b=$(hermes-kanban add "a long parent") &&
	c=$(hermes-kanban add --needs "$a" --needs "$b" -b "write them up" "use the facts") &&
	printf "%05000d" 0 >long &&
	hermes-kanban complete -r - "$b" <long &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "FACT-42: the build needs make"}}]},
	 {"text": "Done."},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "written up"}}]},
	 {"text": "Done."}]
	EOT
	fake_llm_start openai s.json &&
	timeout 60 hermes-kanban dispatch --until-done 2>err &&
	grep -q "^hermes-kanban: $a done: FACT-42" err &&
	grep -q "^hermes-kanban: $c done: written up$" err &&
	grep -q "^hermes-kanban: 2 started, 2 done, 0 blocked, 0 failed" err &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" >prompt &&
	grep -q "Your task is $c: use the facts" prompt &&
	grep -q "^## $a: find the facts$" prompt &&
	grep -q "^FACT-42: the build needs make$" prompt &&
	grep -q "^Branch: kanban/$a" prompt &&
	grep -q "^## $b: a long parent$" prompt &&
	grep -q "3000 more bytes cut: kanban_show $b has the whole result" prompt &&
	test "$(grep -o 0 prompt | wc -l)" -lt 2100 &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" >first &&
	! grep -q "It comes after" first
'

test_expect_success 'dispatch --until-done runs a chain to its end, then exits' '
	x=$(hermes-kanban add "step one") &&
	y=$(hermes-kanban add --needs "$x" "step two") &&
	z=$(hermes-kanban add --needs "$y" "step three") &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "one"}}]}, {"text": "ok"},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "two"}}]}, {"text": "ok"},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "three"}}]}, {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	timeout 60 hermes-kanban dispatch --until-done 2>err &&
	for t in $x $y $z; do
		hermes-kanban --json show "$t" | grep -q "\"status\":\"done\"" || return 1
	done &&
	test "$(fake_llm_requests)" = 6 &&
	fake_llm_jq 5 "b[\"messages\"][-1][\"content\"]" | grep -q "^two$" &&
	test_expect_code 2 hermes-kanban dispatch --once --until-done 2>err &&
	test_expect_code 2 hermes-kanban dispatch --now tomorrow 2>err &&
	grep -q "not an ISO 8601 time" err
'

test_expect_success 'malformed input to the worker-facing verbs' '
	test_expect_code 1 hermes-kanban heartbeat t_deadbeef 2>err &&
	test_expect_code 1 hermes-kanban unblock t_deadbeef 2>err &&
	test_expect_code 1 hermes-kanban comment t_deadbeef hi 2>err &&
	test_expect_code 1 hermes-kanban rm t_deadbeef 2>err &&
	grep -q "t_deadbeef" err &&
	test_expect_code 2 hermes-kanban dispatch --max zero 2>err &&
	test_expect_code 2 hermes-kanban comment 2>err &&
	test_expect_code 2 hermes-kanban plan 2>err
'

test_expect_success 'plan: the model breaks a goal into linked tasks' '
	cat >s.json <<-\EOT &&
	[{"text": "{\"tasks\": [{\"key\": \"a\", \"title\": \"collect the data\", \"body\": \"from the logs\"}, {\"key\": \"b\", \"title\": \"chart it\", \"needs\": [\"a\"]}]}"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-kanban plan -a analyst "a chart of last week" >ids &&
	test_line_count = 2 ids &&
	a=$(sed -n 1p ids) && b=$(sed -n 2p ids) &&
	hermes-kanban --json show "$b" >j &&
	grep -q "\"needs\":\[\"$a\"\]" j && grep -q "\"status\":\"todo\"" j &&
	grep -q "\"assignee\":\"analyst\"" j
'

test_expect_success 'plan: a plan whose needs make a cycle adds nothing' '
	cat >s.json <<-\EOT &&
	[{"text": "{\"tasks\": [{\"key\": \"a\", \"title\": \"A\", \"needs\": [\"b\"]}, {\"key\": \"b\", \"title\": \"B\", \"needs\": [\"a\"]}]}"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-kanban list >before &&
	test_expect_code 1 hermes-kanban plan "circular" 2>err &&
	grep -q "cycle" err &&
	hermes-kanban list >after && test_cmp before after
'

test_done
