#!/bin/sh
test_description='examples/ are linted and run'
. "${0%/*}/lib.sh"

EX="$SRC_ROOT/examples"

for f in "$EX"/*.sh "$EX"/post-commit; do
	n=${f##*/}
	test_expect_success "$n parses (sh -n)" "sh -n '$f'"
	if test_have shellcheck; then
		test_expect_success "$n passes shellcheck" "shellcheck -s sh '$f'"
	else
		test_skip "$n passes shellcheck" 'no shellcheck'
	fi
done

test_expect_success 'import-notes.sh fills memory and skips duplicates' '
	cat >notes <<-\EOT &&
	# build notes
	the build uses make

	tests run with prove
	the build uses make
	EOT
	"$EX/import-notes.sh" notes 2>err &&
	hermes-memory list >out &&
	printf "the build uses make\ntests run with prove\n" >want &&
	test_cmp want out &&
	grep -q "already in MEMORY.md" err
'

test_expect_success 'import-notes.sh -u stops at the cap with exit 1' '
	echo "memory.user_max_chars = 30" >"$HERMES_HOME/config" &&
	printf "likes tea\nthis line is much too long to fit the cap\n" >me &&
	test_expect_code 1 "$EX/import-notes.sh" -u me 2>err &&
	grep -q consolidate err &&
	hermes-memory -u list >out && echo "likes tea" >want &&
	test_cmp want out
'

if test_have git; then
	test_expect_success 'memory-snapshot.sh commits changes, once' '
		"$EX/memory-snapshot.sh" >out && test_line_count = 1 out &&
		"$EX/memory-snapshot.sh" >out && test_line_count = 0 out &&
		hermes-memory add "a new fact" &&
		"$EX/memory-snapshot.sh" >out && test_line_count = 1 out &&
		git -C "$HERMES_HOME/memories" log --oneline >log &&
		test_line_count = 2 log
	'
else
	test_skip 'memory-snapshot.sh' 'no git'
fi

. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'post-commit writes a review of the commit' '
	git init -q repo && cd repo &&
	cp "$EX/post-commit" .git/hooks/post-commit &&
	echo "int main(void) { return 0; }" >main.c && git add main.c &&
	echo "[\"No problems found.\"]" >../s.json &&
	fake_llm_start openai ../s.json &&
	git -c user.name=t -c user.email=t@t commit -q -m "add main" 2>../hookerr &&
	test -f ".git/hermes-reviews/$(git rev-parse HEAD).md" &&
	grep -q "No problems found." .git/hermes-reviews/*.md &&
	fake_llm_jq 1 "b[\"messages\"][-1][\"content\"]" >sent &&
	grep -q "int main(void)" sent && grep -q "^Review this commit" sent
'

test_expect_success 'post-commit never fails the commit' '
	cd repo &&
	echo "[{\"status\": 401}]" >../s.json &&
	fake_llm_start openai ../s.json &&
	echo x >>main.c &&
	git -c user.name=t -c user.email=t@t commit -q -am "second" &&
	test "$(git rev-list --count HEAD)" = 2 &&
	grep -q "HTTP 401" .git/hermes-reviews/last-error
'

test_expect_success 'kanban-fanout.sh: a task per file and a report that needs them all' '
	echo one >a.md && echo two >b.md &&
	report=$("$EX/kanban-fanout.sh" -n a.md b.md) &&
	hermes-kanban list -s ready | cut -f5 | sort >ready &&
	printf "summarise a.md\nsummarise b.md\n" >want && test_cmp want ready &&
	hermes-kanban --json show "$report" >j &&
	grep -q "\"status\":\"todo\"" j &&
	test "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))[\"needs\"]))" j)" = 2 &&
	test_expect_code 1 "$EX/kanban-fanout.sh" -n missing.md 2>err &&
	grep -q "no file" err
'

# One worker at a time, so the fake's steps go to the workers in order:
# the two summaries (claimed oldest first), then the report.
test_expect_success 'kanban-fanout.sh runs its board to the end; the report gets the summaries' '
	HERMES_HOME=$TEST_TMP/fanout && export HERMES_HOME && mkdir -p "$HERMES_HOME" &&
	printf "kanban.max_workers = 1\nprovider.retry_delay_ms = 10\n" >"$HERMES_HOME/config" &&
	echo one >a.md && echo two >b.md &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "SUMMARY-A: one"}}]}, {"text": "ok"},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "SUMMARY-B: two"}}]}, {"text": "ok"},
	 {"tool_calls": [{"name": "kanban_complete", "arguments": {"result": "the report"}}]}, {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	timeout 120 "$EX/kanban-fanout.sh" a.md b.md >out 2>err &&
	test_line_count = 1 out && report=$(cat out) &&
	hermes-kanban list | cut -f2 | sort -u >states &&
	echo done >want && test_cmp want states &&
	hermes-kanban list >all && test_line_count = 3 all &&
	grep -q "^hermes-kanban: $report done: the report$" err &&
	fake_llm_jq 5 "b[\"messages\"][-1][\"content\"]" >prompt &&
	grep -q "Your task is $report" prompt &&
	grep -q "^SUMMARY-A: one$" prompt && grep -q "^SUMMARY-B: two$" prompt
'

test_expect_success 'kanban-fanout.sh says so and exits 1 when the report is not done' '
	HERMES_HOME=$TEST_TMP/fanout2 && export HERMES_HOME && mkdir -p "$HERMES_HOME" &&
	printf "kanban.max_workers = 1\nprovider.retry_delay_ms = 10\n" >"$HERMES_HOME/config" &&
	echo one >a.md &&
	echo "[{\"status\": 401, \"repeat\": 8}]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 timeout 120 "$EX/kanban-fanout.sh" a.md >out 2>err &&
	report=$(cat out) &&
	grep -q "the report $report is not done" err &&
	grep -q "failed (attempt 2 of 2, now blocked)" err &&
	hermes-kanban list -s todo | cut -f1 | grep -qx "$report"
'

test_done
