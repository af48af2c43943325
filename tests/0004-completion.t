#!/bin/sh
test_description='shell completion asks the commands'
. "${0%/*}/lib.sh"

complete_bash() {
	# complete_bash WORD...: the candidates for the last word
	bash -c '
		. "$1/completions/hermes.bash"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_hermes
		printf "%s\n" "${COMPREPLY[@]}"
	' complete "$SRC_ROOT" "$@"
}

if test_have bash; then
	test_expect_success 'bash: hermes <TAB> lists commands' '
		complete_bash hermes "" >out &&
		grep -q "^memory$" out && grep -q "^config$" out
	'
	test_expect_success 'bash: hermes-memory <TAB> lists verbs' '
		complete_bash hermes-memory "" >out &&
		grep -q "^add$" out && grep -q "^edit$" out
	'
	test_expect_success 'bash: hermes memory l<TAB> goes through the front door' '
		complete_bash hermes memory l >out &&
		echo list >want && test_cmp want out
	'
	test_expect_success 'bash: a verb'"'"'s options come from its table' '
		complete_bash hermes-config list --a >out &&
		echo --all >want && test_cmp want out
	'
	test_expect_success 'bash: live operands (config keys)' '
		complete_bash hermes-config get memory. >out &&
		grep -q "^memory.max_chars$" out
	'
else
	test_skip 'bash completion' 'no bash'
fi

if test_have zsh; then
	test_expect_success 'zsh: the completion file parses' '
		zsh -n "$SRC_ROOT/completions/_hermes"
	'
else
	test_skip 'zsh completion parses' 'no zsh'
fi

test_done
