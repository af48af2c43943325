#!/bin/sh
test_description='examples/ are linted and run'
. "${0%/*}/lib.sh"

EX="$SRC_ROOT/examples"

for f in "$EX"/*.sh; do
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

test_done
