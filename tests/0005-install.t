#!/bin/sh
test_description='make install and uninstall honour PREFIX and DESTDIR'
. "${0%/*}/lib.sh"

test_expect_success 'install puts binaries, man pages and completions under DESTDIR' '
	make -s -C "$SRC_ROOT" install PREFIX=/opt/h DESTDIR="$PWD/root" >log 2>&1 &&
	test -x root/opt/h/bin/hermes &&
	test -x root/opt/h/bin/hermes-memory &&
	test -f root/opt/h/share/man/man1/hermes-memory.1 &&
	test -f root/opt/h/share/man/man7/hermes.7 &&
	test -f root/opt/h/share/man/man5/hermes-files.5 &&
	test -f root/opt/h/share/bash-completion/completions/hermes &&
	test -L root/opt/h/share/bash-completion/completions/hermes-memory &&
	test "$(readlink root/opt/h/share/bash-completion/completions/hermes-memory)" = hermes &&
	test -f root/opt/h/share/zsh/site-functions/_hermes
'

test_expect_success 'the installed front door finds its siblings' '
	env PATH=/usr/bin:/bin root/opt/h/bin/hermes memory add "installed" &&
	env PATH=/usr/bin:/bin root/opt/h/bin/hermes memory list >out &&
	grep -q "^installed$" out
'

# Everything but directories: -type f alone would not see the
# completion symlinks (one per command) if uninstall left them; nor the
# link of a command an older version had (hermes-gone).
test_expect_success 'uninstall removes what install put there, links too' '
	test -n "$(find root -type l)" &&
	ln -s hermes root/opt/h/share/bash-completion/completions/hermes-gone &&
	make -s -C "$SRC_ROOT" uninstall PREFIX=/opt/h DESTDIR="$PWD/root" >log 2>&1 &&
	find root ! -type d >left &&
	test_line_count = 0 left
'

test_done
