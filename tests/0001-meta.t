#!/bin/sh
test_description='every command keeps the conventions: help, usage errors, man page, completions'
. "${0%/*}/lib.sh"

cmds=$(cd "$SRC_ROOT/bin" && ls hermes hermes-* 2>/dev/null)

test_expect_success 'there are commands to check' '
	test -n "$cmds"
'

lint() {
	if test_have mandoc; then
		out=$(mandoc -Tlint -W warning "$1" 2>&1)
	else
		out=$(groff -mdoc -ww -z "$1" 2>&1)
	fi
	[ -z "$out" ] || { echo "$out" >&2; return 1; }
}

# long options of a command: global ones, and each verb's
long_opts() {
	"$1" --complete | grep "^--"
	for v in $("$1" --complete | grep -v "^-"); do
		"$1" --complete "$v" | grep "^--"
	done
}

for c in $cmds; do
	test_expect_success "$c --help prints usage and exits 0" "
		$c --help >out 2>err &&
		grep -q '^usage: ' out &&
		test_line_count = 0 err
	"
	test_expect_success "$c --bogus is a usage error (2, one line first)" "
		test_expect_code 2 $c --bogus >out 2>err &&
		test_line_count = 0 out &&
		head -n 1 err | grep -q \"^$c: unknown option '--bogus'\"
	"
	test_expect_success "$c --version" "
		$c --version >out && grep -q '^$c [0-9]' out
	"
	test_expect_success "$c has a man page that lints clean" "
		test -f '$SRC_ROOT/man/$c.1' && lint '$SRC_ROOT/man/$c.1'
	"
	if [ "$c" != hermes ]; then
		test_expect_success "$c man page names every long option" "
			long_opts $c | sort -u >opts &&
			test -s opts &&
			while read -r o; do
				grep -q \"Fl \${o#-}\" '$SRC_ROOT/man/$c.1' ||
				{ echo \"man/$c.1 lacks \$o\"; exit 1; }
			done <opts
		"
		test_expect_success "$c: a verb --help exits 0, an unknown verb 2" "
			$c --complete | grep -q -v '^-' || exit 0
			for v in \$($c --complete | grep -v '^-'); do
				$c \$v --help >out && grep -q '^usage: $c ' out ||
				exit 1
			done &&
			test_expect_code 2 $c no-such-verb 2>err &&
			grep -q \"unknown verb 'no-such-verb'\" err
		"
	fi
	test_expect_success "$c is in both completions and in hermes.7" "
		grep -q -- '$c' '$SRC_ROOT/completions/hermes.bash' &&
		grep -q -- '$c' '$SRC_ROOT/completions/_hermes' &&
		grep -q 'Xr $c 1' '$SRC_ROOT/man/hermes.7'
	"
done

test_expect_success 'hermes.7 and hermes-files.5 lint clean' '
	lint "$SRC_ROOT/man/hermes.7" && lint "$SRC_ROOT/man/hermes-files.5"
'

test_expect_success 'no banned function slipped past banned.h' '
	! grep -nE "\<(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|system) *\(" \
		"$SRC_ROOT"/cmd/*.c "$SRC_ROOT"/libcommon/*.c |
		grep -v "^[^:]*:[0-9]*: *\*"
'

test_expect_success 'library code never exits (only hm_die/hm_oom, and a forked child)' '
	! grep -nE "\<(exit|_exit)\(" "$SRC_ROOT"/libcommon/*.c |
		grep -vE "err\.c|_exit\(12[67]\)"
'

test_expect_success 'only db.c, http*.c, worktree.c, watch.c see their libraries' '
	! grep -ln "sqlite3\.h" "$SRC_ROOT"/cmd/*.c "$SRC_ROOT"/libcommon/*.c |
		grep -v "/db\.c$" &&
	! grep -ln "curl/curl\.h" "$SRC_ROOT"/cmd/*.c "$SRC_ROOT"/libcommon/*.c |
		grep -vE "/http(_[a-z]+)?\.c$" &&
	! grep -ln "git2\.h" "$SRC_ROOT"/cmd/*.c "$SRC_ROOT"/libcommon/*.c |
		grep -v "/worktree\.c$" &&
	! grep -ln "inotifytools\.h" "$SRC_ROOT"/cmd/*.c "$SRC_ROOT"/libcommon/*.c |
		grep -v "/watch\.c$" &&
	! grep -ln "include <readline\.h>" "$SRC_ROOT"/cmd/*.c "$SRC_ROOT"/libcommon/*.c |
		grep -v "/lineedit\.c$"
'

# libcommon.a is linked per object: the agent reads and edits skills
# but never installs them, so skill_install.o (worktree.c) stays out.
if test_have ldd; then
	test_expect_success 'hermes-ask does not load libgit2' '
		ldd "$SRC_ROOT/bin/hermes-skill" | grep -q git2 &&
		test "$(ldd "$SRC_ROOT/bin/hermes-ask" | grep -c git2)" = 0
	'
else
	test_skip 'hermes-ask does not load libgit2' 'no ldd'
fi

test_done
