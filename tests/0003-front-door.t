#!/bin/sh
test_description='hermes dispatches to hermes-CMD like git and seeds SOUL.md'
. "${0%/*}/lib.sh"

test_expect_success 'hermes CMD runs hermes-CMD with the arguments' '
	hermes memory add "via the front door" &&
	hermes-memory list >out &&
	grep -q "via the front door" out
'

test_expect_success 'hermes help CMD shows that command'"'"'s help' '
	hermes help memory >out && grep -q "^usage: hermes-memory" out
'

test_expect_success 'a hermes-foo on PATH extends hermes' '
	mkdir -p ext &&
	printf "#!/bin/sh\necho \"foo:\$*\"\n" >ext/hermes-foo &&
	chmod +x ext/hermes-foo &&
	PATH="$PWD/ext:$PATH" hermes foo a "b c" >out &&
	echo "foo:a b c" >want && test_cmp want out
'

test_expect_success 'the binary beside hermes wins over PATH' '
	mkdir -p ext2 &&
	printf "#!/bin/sh\necho impostor\n" >ext2/hermes-memory &&
	chmod +x ext2/hermes-memory &&
	PATH="$PWD/ext2:$PATH" hermes memory usage >out &&
	! grep -q impostor out
'

test_expect_success 'an unknown command exits 2 and suggests the nearest' '
	test_expect_code 2 hermes memroy list 2>err &&
	test_one_line err &&
	grep -q "did you mean .memory." err
'

test_expect_success 'a path is not a command' '
	test_expect_code 2 hermes ../bin/hermes-memory 2>err &&
	test_one_line err
'

test_expect_success 'first use writes a default SOUL.md' '
	rm -f "$HERMES_HOME/SOUL.md" &&
	hermes memory usage >/dev/null &&
	test -s "$HERMES_HOME/SOUL.md" &&
	grep -q Hermes "$HERMES_HOME/SOUL.md"
'

test_expect_success 'an existing SOUL.md is never overwritten' '
	echo "I am a pirate" >"$HERMES_HOME/SOUL.md" &&
	hermes memory usage >/dev/null &&
	echo "I am a pirate" >want &&
	test_cmp want "$HERMES_HOME/SOUL.md"
'

test_expect_success 'a profile gets its own SOUL.md' '
	HERMES_PROFILE=worker hermes memory usage >/dev/null &&
	test -s "$HERMES_HOME/profiles/worker/SOUL.md" &&
	echo "I am a pirate" >want &&
	test_cmp want "$HERMES_HOME/SOUL.md"
'

test_expect_success 'HERMES_HOME is created mode 0700' '
	HERMES_HOME="$PWD/fresh/home" hermes memory usage >/dev/null &&
	test "$(stat -c %a fresh/home)" = 700
'

test_expect_success 'a relative HERMES_HOME is made absolute' '
	HERMES_HOME=rel hermes config path >out &&
	echo "$PWD/rel" >want && test_cmp want out
'

test_done
