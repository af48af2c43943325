# bash completion for hermes and hermes-* commands.
# The commands answer themselves: "hermes-X --complete [VERB]" prints the
# verbs, the long options (from the same tables that parse them) and live
# operands, one a line.  Source this file, or install it as
# share/bash-completion/completions/hermes (make install does).
#
# Commands: hermes hermes-ask hermes-memory hermes-skill hermes-session
# hermes-cron hermes-kanban hermes-gateway hermes-mcp hermes-config

_hermes() {
	local cur cmd verb start i w
	cur=${COMP_WORDS[COMP_CWORD]}
	cmd=${COMP_WORDS[0]##*/}
	start=1
	if [ "$cmd" = hermes ]; then
		if [ "$COMP_CWORD" -eq 1 ]; then
			COMPREPLY=($(compgen -W "$(hermes --complete 2>/dev/null)" -- "$cur"))
			return
		fi
		cmd=hermes-${COMP_WORDS[1]}
		start=2
	fi
	verb=
	for ((i = start; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-*) ;;
		*) verb=$w; break ;;
		esac
	done
	COMPREPLY=($(compgen -W "$("$cmd" --complete $verb 2>/dev/null)" -- "$cur"))
}

complete -o default -F _hermes hermes hermes-ask hermes-memory hermes-skill \
	hermes-session hermes-cron hermes-kanban hermes-gateway hermes-mcp \
	hermes-config
