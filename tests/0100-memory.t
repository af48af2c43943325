#!/bin/sh
test_description='hermes-memory verbs over MEMORY.md and USER.md'
. "${0%/*}/lib.sh"

M="$HERMES_HOME/memories/MEMORY.md"
U="$HERMES_HOME/memories/USER.md"

test_expect_success 'list on a fresh home prints nothing' '
	hermes-memory list >out && test_line_count = 0 out
'

test_expect_success 'add writes the original format' '
	hermes-memory add "project uses tabs" &&
	hermes-memory add "deploys go through make release" &&
	printf "project uses tabs\n§\ndeploys go through make release\n" >want &&
	test_cmp want "$M"
'

test_expect_success 'the memory file is mode 0600' '
	test "$(stat -c %a "$M")" = 600
'

test_expect_success 'list prints one entry a line, newlines escaped' '
	hermes-memory add "$(printf "two\nlines\twith tab")" &&
	hermes-memory list >out &&
	cat >want <<-\EOT &&
	project uses tabs
	deploys go through make release
	two\nlines\twith tab
	EOT
	test_cmp want out
'

test_expect_success 'list --json prints one object a line' '
	hermes-memory list --json >out &&
	test_line_count = 3 out &&
	python3 -c "
import json, sys
rows = [json.loads(l) for l in open(\"out\")]
assert rows[2][\"text\"] == \"two\nlines\twith tab\", rows
assert [r[\"index\"] for r in rows] == [1, 2, 3]
"
'

test_expect_success 'a duplicate add exits 0, says so, adds nothing' '
	cp "$M" before &&
	hermes-memory add "project uses tabs" 2>err &&
	grep -q "already in MEMORY.md" err &&
	test_cmp before "$M"
'

test_expect_success 'usage prints USED/LIMIT characters' '
	hermes-memory usage >out &&
	n=$(python3 -c "print(len(open(\"$M\", encoding=\"utf-8\").read().rstrip(\"\n\")))") &&
	echo "$n/2200" >want && test_cmp want out
'

test_expect_success 'characters, not bytes, count toward the cap' '
	hermes-memory -u add "prénom: José — 日本" &&
	hermes-memory -u usage >out &&
	echo "17/1375" >want && test_cmp want out
'

test_expect_success '-u works on USER.md and leaves MEMORY.md alone' '
	cp "$M" before &&
	hermes-memory --user add "prefers short answers" &&
	grep -q "prefers short answers" "$U" &&
	test_cmp before "$M"
'

test_expect_success 'replace rewrites the one entry containing OLD' '
	hermes-memory replace "uses tabs" "project uses 4-space indents" &&
	hermes-memory list >out &&
	grep -q "^project uses 4-space indents$" out &&
	! grep -q "uses tabs" out
'

test_expect_success 'replace with no match exits 1 naming the text' '
	cp "$M" before &&
	test_expect_code 1 hermes-memory replace "no such thing" "x" 2>err &&
	test_one_line err &&
	grep -q "no such thing" err &&
	test_cmp before "$M"
'

test_expect_success 'an ambiguous OLD exits 1 naming every match' '
	hermes-memory add "go version is 1.22" &&
	cp "$M" before &&
	test_expect_code 1 hermes-memory remove "go" 2>err &&
	test_one_line err &&
	grep -q "deploys go through" err &&
	grep -q "go version is 1.22" err &&
	test_cmp before "$M"
'

test_expect_success 'an entry equal to OLD wins over longer matches' '
	hermes-memory add "tabs" &&
	hermes-memory add "no tabs in yaml" &&
	hermes-memory remove "tabs" &&
	hermes-memory list >out &&
	! grep -q "^tabs$" out && grep -q "^no tabs in yaml$" out
'

test_expect_success 'remove drops exactly one entry' '
	hermes-memory list >before &&
	hermes-memory remove "version is 1.22" &&
	hermes-memory list >after &&
	grep -v "version is 1.22" before >want &&
	test_cmp want after
'

test_expect_success 'replacing into an existing entry merges them' '
	hermes-memory add "alpha" && hermes-memory add "beta" &&
	hermes-memory replace "alpha" "beta" &&
	hermes-memory list >out &&
	test "$(grep -c "^beta$" out)" = 1 && ! grep -q "^alpha$" out
'

test_expect_success 'add - reads the entry from stdin' '
	printf "from a pipe\nsecond line\n" | hermes-memory add - &&
	hermes-memory list >out &&
	grep -q "^from a pipe\\\\nsecond line$" out
'

test_expect_success 'an entry starting with a dash needs --' '
	test_expect_code 2 hermes-memory add "-x marks" 2>err &&
	hermes-memory add -- "-x marks the spot" &&
	hermes-memory list | grep -q "^-x marks the spot$"
'

test_expect_success 'show prints the file as stored' '
	hermes-memory show >out && test_cmp "$M" out
'

test_expect_success 'usage --json' '
	hermes-memory usage --json >out &&
	python3 -c "
import json
o = json.load(open(\"out\"))
assert o[\"file\"] == \"MEMORY.md\" and o[\"limit\"] == 2200, o
assert o[\"used\"] > 0 and o[\"entries\"] >= 5, o
"
'

test_expect_success 'a hand-edited file with loose separators still parses' '
	printf "  first  \r\n §  \r\nsecond\n\n§\n\n§\nthird" >"$U" &&
	hermes-memory -u list >out &&
	printf "first\nsecond\nthird\n" >want && test_cmp want out
'

test_expect_success 'edit runs $EDITOR on a copy and saves the result' '
	printf "one\n§\ntwo\n" >"$U" &&
	EDITOR="sed -i s/two/deux/" hermes-memory -u edit &&
	printf "one\n§\ndeux\n" >want && test_cmp want "$U"
'

test_expect_success 'a failing editor changes nothing' '
	cp "$U" before &&
	test_expect_code 1 env EDITOR=false hermes-memory -u edit 2>err &&
	test_one_line err &&
	test_cmp before "$U"
'

test_expect_success 'edit that leaves invalid UTF-8 keeps the old file' '
	cp "$U" before &&
	EDITOR="printf \"\\377\\376\" >" hermes-memory -u edit 2>err;
	test $? -ne 0 &&
	grep -q "not valid UTF-8" err &&
	grep -q "your edit is kept" err &&
	test_cmp before "$U"
'

test_expect_success 'profiles have their own memories' '
	HERMES_PROFILE=worker hermes-memory add "worker note" &&
	test -f "$HERMES_HOME/profiles/worker/memories/MEMORY.md" &&
	! grep -q "worker note" "$M"
'

test_done
