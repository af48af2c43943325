# imap.sh: a real IMAP server, Debian's dovecot, for shell tests (source
# after lib.sh).  Needs /usr/sbin/dovecot (dovecot-imapd) and root: the
# mail is owned by nobody, as dovecot refuses to serve it as root.
#
#	imap_have                    is dovecot installed (and are we root)?
#	imap_setup                   writes $TEST_TMP/imap/dovecot.conf (one
#		user, bot, password $FAKE_IMAP_PASSWORD; any login bot@DOMAIN is bot
#		too), an empty Maildir, and picks a free port; sets
#		FAKE_IMAP_PORT and FAKE_IMAP_URL (imap://127.0.0.1:PORT).
#		Call it once, outside test bodies, so the port holds for the
#		whole file; nothing listens until imap_start.
#	imap_start                   starts dovecot -F in the background and
#		waits until it accepts connections; non-zero if it failed
#		(its log is $TEST_TMP/imap/dovecot.log)
#	imap_stop                    stops it and waits (safe to call twice)
#	imap_deliver FILE            puts FILE into INBOX as an unseen message
#		(into the Maildir's new/: an IMAP APPEND would set \Seen)
#	imap_count unseen|seen|all   how many messages have that state
#		(asks the server: it must run)
#	imap_uid MESSAGE-ID          the UID of the message with that id
#	imap_unsee UID               clears \Seen on a message
#
# dovecot lives at most FAKE_IMAP_TIMEOUT seconds (300) and never past
# the test file's main shell ($$): a watcher stops it.  Its pid is kept
# in a file because test bodies are subshells.

FAKE_IMAP_DIR="$TEST_TMP/imap"
FAKE_IMAP_DOVECOT=${FAKE_IMAP_DOVECOT:-/usr/sbin/dovecot}
FAKE_IMAP_PY=${FAKE_IMAP_PY:-$(python3 -c 'import sys; print(sys.executable)')}
FAKE_IMAP_PASSWORD=${FAKE_IMAP_PASSWORD:-s3cret-Imap-pw}

imap_have() {
	[ -x "$FAKE_IMAP_DOVECOT" ] && [ "$(id -u)" = 0 ] &&
		id nobody >/dev/null 2>&1
}

# A port nothing listens on now.
imap_free_port_() {
	"$FAKE_IMAP_PY" -S -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

imap_setup() {
	d=$FAKE_IMAP_DIR
	mkdir -p "$d/mail/bot/new" "$d/mail/bot/cur" "$d/mail/bot/tmp" \
		"$d/run" "$d/state" || return 1
	# the imap process runs as nobody and must reach the mail
	chmod 711 "$TEST_TMP" "$d"
	chown -R nobody "$d/mail" || return 1
	echo "bot:{PLAIN}$FAKE_IMAP_PASSWORD" >"$d/users"
	FAKE_IMAP_PORT=$(imap_free_port_) || return 1
	echo "$FAKE_IMAP_PORT" >"$d/port"
	cat >"$d/dovecot.conf" <<-EOF
	base_dir = $d/run
	state_dir = $d/state
	log_path = $d/dovecot.log
	protocols = imap
	listen = 127.0.0.1
	ssl = no
	disable_plaintext_auth = no
	auth_username_format = %Ln
	first_valid_uid = 1
	default_internal_user = root
	mail_location = maildir:$d/mail/%u
	passdb {
	  driver = passwd-file
	  args = scheme=PLAIN $d/users
	}
	userdb {
	  driver = static
	  args = uid=nobody gid=nogroup home=$d/mail/%u
	}
	service imap-login {
	  inet_listener imap {
	    address = 127.0.0.1
	    port = $FAKE_IMAP_PORT
	  }
	  inet_listener imaps {
	    port = 0
	  }
	}
	EOF
	FAKE_IMAP_URL="imap://127.0.0.1:$FAKE_IMAP_PORT"
	export FAKE_IMAP_PORT FAKE_IMAP_URL
}

imap_start() {
	imap_stop
	[ -s "$FAKE_IMAP_DIR/port" ] || imap_setup || return 1
	FAKE_IMAP_PORT=$(cat "$FAKE_IMAP_DIR/port")
	"$FAKE_IMAP_DOVECOT" -F -c "$FAKE_IMAP_DIR/dovecot.conf" \
		</dev/null >>"$FAKE_IMAP_DIR/dovecot.out" 2>&1 &
	fake_imap_pid_=$!
	echo "$fake_imap_pid_" >"$FAKE_IMAP_DIR/pid"
	test_bg_pid "$fake_imap_pid_"
	# the watcher: dovecot never outlives this test file
	(
		i=0
		while kill -0 $$ 2>/dev/null &&
			kill -0 "$fake_imap_pid_" 2>/dev/null &&
			[ $i -lt "${FAKE_IMAP_TIMEOUT:-300}" ]; do
			sleep 1
			i=$((i + 1))
		done
		kill "$fake_imap_pid_" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	fake_imap_i_=0
	until "$FAKE_IMAP_PY" -S -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
		"$FAKE_IMAP_PORT" 2>/dev/null; do
		if ! kill -0 "$fake_imap_pid_" 2>/dev/null ||
			[ "$fake_imap_i_" -ge 100 ]; then
			echo "imap_start: dovecot did not come up" >&2
			cat "$FAKE_IMAP_DIR/dovecot.out" \
				"$FAKE_IMAP_DIR/dovecot.log" >&2 2>/dev/null
			imap_stop
			return 1
		fi
		sleep 0.1
		fake_imap_i_=$((fake_imap_i_ + 1))
	done
}

imap_stop() {
	[ -s "$FAKE_IMAP_DIR/pid" ] || return 0
	fake_imap_p_=$(cat "$FAKE_IMAP_DIR/pid")
	rm -f "$FAKE_IMAP_DIR/pid"
	kill "$fake_imap_p_" 2>/dev/null || return 0
	wait "$fake_imap_p_" 2>/dev/null
	# started by another subshell: poll until gone or a zombie; dovecot
	# stops its children first, then removes its master.pid
	fake_imap_i_=0
	while [ "$fake_imap_i_" -lt 100 ]; do
		kill -0 "$fake_imap_p_" 2>/dev/null || break
		case $(cat "/proc/$fake_imap_p_/stat" 2>/dev/null) in
		*") Z "*) break ;;
		esac
		sleep 0.1
		fake_imap_i_=$((fake_imap_i_ + 1))
	done
	return 0
}

imap_deliver() {
	fake_imap_n_=$(($(cat "$FAKE_IMAP_DIR/seq" 2>/dev/null || echo 0) + 1))
	echo "$fake_imap_n_" >"$FAKE_IMAP_DIR/seq"
	fake_imap_f_="$(date +%s).P$$Q$fake_imap_n_.hermes-test"
	cp "$1" "$FAKE_IMAP_DIR/mail/bot/tmp/$fake_imap_f_" &&
		chown nobody "$FAKE_IMAP_DIR/mail/bot/tmp/$fake_imap_f_" &&
		mv "$FAKE_IMAP_DIR/mail/bot/tmp/$fake_imap_f_" \
			"$FAKE_IMAP_DIR/mail/bot/new/$fake_imap_f_"
}

# imap_ask_ search CRITERIA... | unsee UID: ask the server, as the bot,
# with python's imaplib (no curl CLI needed); search prints the UIDs
imap_ask_() {
	"$FAKE_IMAP_PY" -S - "$(cat "$FAKE_IMAP_DIR/port")" \
		"$FAKE_IMAP_PASSWORD" "$@" <<-\PY
	import imaplib, sys
	port, pw, what = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	m = imaplib.IMAP4("127.0.0.1", port, timeout=10)
	m.login("bot", pw)
	m.select("INBOX")
	if what == "search":
	    typ, data = m.uid("SEARCH", *sys.argv[4:])
	    print(" ".join(x.decode() for x in data if x))
	else:
	    m.uid("STORE", sys.argv[4], "-FLAGS", "(\\Seen)")
	m.logout()
	PY
}

imap_count() {
	case $1 in
	unseen) fake_imap_q_=UNSEEN ;;
	seen) fake_imap_q_=SEEN ;;
	*) fake_imap_q_=ALL ;;
	esac
	imap_ask_ search "$fake_imap_q_" | wc -w | tr -d ' '
}

imap_uid() {
	imap_ask_ search HEADER Message-ID "\"$1\""
}

imap_unsee() {
	imap_ask_ unsee "$1"
}
