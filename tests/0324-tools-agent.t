#!/bin/sh
test_description='todo and delegate_task'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

test_expect_success 'todo replaces and reads the session task list' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "todo", "arguments": {"todos": [
	   {"content": "write tests", "status": "completed"},
	   {"content": "fix the bug", "status": "in_progress"},
	   {"id": "docs", "content": "update docs"}]}}]},
	 {"tool_calls": [{"name": "todo", "arguments": {}}]},
	 {"tool_calls": [{"name": "todo", "arguments": {"todos": [{"content": "x", "status": "maybe"}]}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q --json plan >out &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >r1 &&
	grep -q "^\[x\] 1 write tests$" r1 && grep -q "^\[>\] 2 fix the bug$" r1 &&
	grep -q "^\[ \] docs update docs$" r1 && grep -q "3 items, 2 open" r1 &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" >r2 && test_cmp r1 r2 &&
	fake_llm_jq 4 "b[\"messages\"][-1][\"content\"]" >r4 && grep -q "^error: todo 1 needs" r4 &&
	sid=$(python3 -c "import json; print(json.load(open(\"out\"))[\"session\"])") &&
	test -f "$HERMES_HOME/todos/$sid.json"
'

test_expect_success 'delegate_task runs a child agent and returns its answer' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "delegate_task", "arguments": {"goal": "count the files", "context": "in /tmp"}}]},
	 {"text": "child says: 42 files"},
	 {"text": "the child found 42"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q delegate it >out &&
	echo "the child found 42" >want && test_cmp want out &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >child &&
	grep -q "count the files" child && grep -q "Context:" child &&
	fake_llm_jq 2 "[t[\"function\"][\"name\"] for t in b[\"tools\"]]" >tools &&
	! grep -q memory tools && ! grep -q delegate_task tools &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" >res &&
	grep -q "^## Task 1: count the files" res && grep -q "child says: 42 files" res &&
	hermes-session list --source subagent >subs && test_line_count = 1 subs
'

test_expect_success 'delegate_task refuses to nest past delegate.max_depth' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "delegate_task", "arguments": {"goal": "x"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	HERMES_DELEGATE_DEPTH=1 hermes-ask -q -t delegate go >/dev/null &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" | grep -q "cannot nest"
'

test_expect_success 'a child that fails is reported, not fatal' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "delegate_task", "arguments": {"tasks": [{"goal": "doomed"}]}}]},
	 {"status": 400},
	 {"text": "handled"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q go >out &&
	grep -q handled out &&
	fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]" | grep -q "failed: .*HTTP 400"
'

test_done
