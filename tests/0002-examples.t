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

test_done
