#!/bin/sh
test_description='hermes-kanban: 16 claimers, the dispatcher, worktree workers, plan'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

GIT="git -c user.name=t -c user.email=t@example.com"

# events KIND: how many events of that kind the board holds
events() {
	sqlite3 "$HERMES_HOME/kanban.db" "SELECT count(*) FROM events WHERE kind = '$1'"
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

test_expect_success 'a worker that ends without completing is a failed attempt; the second blocks it' '
	id=$(hermes-kanban add "give up") &&
	cat >s.json <<-\EOT &&
	[{"text": "I will not do it.", "repeat": 4}]
	EOT
	fake_llm_start openai s.json &&
	timeout 60 hermes-kanban dispatch --once &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"ready\"" j && grep -q "\"attempts\":1" j &&
	timeout 60 hermes-kanban dispatch --once &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"blocked\"" j &&
	grep -q "failed 2 attempts" j &&
	grep -q "without completing" j
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
	i=0 && while ! test_pgrep "hermes-ask --json -q --source kanban" >pids && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	test_line_count = 1 pids &&
	test_expect_code 4 hermes-kanban dispatch --once 2>err &&
	grep -q "another dispatcher" err &&
	kill -9 "$(cat pids)" &&
	max=0 && i=0 &&
	while ! hermes-kanban list -s done | grep -q "$id" && [ $i -lt 150 ]; do
		n=$(test_pgrep "hermes-ask --json -q --source kanban" | wc -l)
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.1; i=$((i + 1))
	done &&
	kill -TERM $dp && wait $dp;
	test "$max" -le 1 &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"done\"" j &&
	grep -q "\"attempts\":2" j &&
	grep -q "second time lucky" j &&
	hermes-kanban show "$id" | grep -q "killed by signal 9"
'

test_expect_success 'a dispatcher killed with its worker alive: after the lease, the next one stops the old worker first' '
	echo "kanban.ttl = 2" >>"$HERMES_HOME/config" &&
	id=$(hermes-kanban add "outlive a dispatcher") &&
	cat >s.json <<-\EOT &&
	[{"text": "stuck", "delay": 40},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "after the takeover"}}]},
	 {"text": "Done."}]
	EOT
	fake_llm_start openai s.json &&
	{ hermes-kanban dispatch 2>d1.err & d1=$!; } &&
	i=0 && while ! test_pgrep "hermes-ask --json -q --source kanban" >old && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	test_line_count = 1 old &&
	kill -9 $d1 && wait $d1 2>/dev/null;
	kill -0 "$(cat old)" &&
	sleep 2.5 &&
	{ hermes-kanban dispatch 2>d2.err & d2=$!; } &&
	max=0 && i=0 &&
	while ! hermes-kanban list -s done | grep -q "$id" && [ $i -lt 150 ]; do
		n=$(test_pgrep "hermes-ask --json -q --source kanban" | wc -l)
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.1; i=$((i + 1))
	done &&
	kill -TERM $d2 && wait $d2;
	test "$max" -le 1 &&
	! kill -0 "$(cat old)" 2>/dev/null &&
	hermes-kanban --json show "$id" >j &&
	grep -q "\"status\":\"done\"" j && grep -q "after the takeover" j &&
	hermes-kanban show "$id" | grep -q "	reclaim	"
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
