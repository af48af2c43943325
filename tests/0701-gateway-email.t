#!/bin/sh
test_description='hermes-gateway email: IMAP in (dovecot), the agent, SMTP out (aiosmtpd); threads, strangers, outages, restarts'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"
. "$TEST_ROOT/fakes/imap.sh"
. "$TEST_ROOT/fakes/smtp.sh"

if ! imap_have; then
	echo "1..0 # SKIP no dovecot (dovecot-imapd) or not root"
	exit 0
fi
if ! smtp_have; then
	echo "1..0 # SKIP no python3-aiosmtpd for /usr/bin/python3"
	exit 0
fi
imap_setup && smtp_port || exit 1

# the number of the last mail the sink accepted that holds TEXT (0: none)
sent_n() {
	n=$(grep -nF -- "$1" "$FAKE_SMTP_LOG" 2>/dev/null | tail -1 | cut -d: -f1)
	echo "${n:-0}"
}

sent_has() {
	test "$(sent_n "$1")" != 0
}

sent_count() {
	grep -cF -- "$1" "$FAKE_SMTP_LOG" 2>/dev/null
}

# hdr TEXT NAME: header NAME of the last mail holding TEXT
hdr() {
	smtp_msg "$(sent_n "$1")" "str(m[\"$2\"])"
}

llm_asked() {
	test "$(fake_llm_requests)" = "$1"
}

unseen_is() {
	test "$(imap_count unseen)" = "$1"
}

log_has() {
	grep -qF -- "$1" "$HERMES_HOME/logs/gateway.log"
}

gw_start() {
	hermes-gateway run --platform email 2>>gw.err &
	echo $! >gw.pid
	test_when_finished "kill $! 2>/dev/null; :"
}

gw_stop() {
	kill -TERM "$(cat gw.pid)" && wait "$(cat gw.pid)"
}

# mail FILE FROM MESSAGE-ID SUBJECT [HEADER...]: a plain mail to the bot,
# body on stdin
mail() {
	f=$1 from=$2 id=$3 subj=$4
	shift 4
	{
		printf 'From: %s\nTo: bot@example.com\nSubject: %s\n' \
			"$from" "$subj"
		printf 'Message-ID: <%s>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n' \
			"$id"
		for h in "$@"; do
			printf '%s\n' "$h"
		done
		printf '\n'
		cat
	} >"$f"
}

test_expect_success 'setup: servers, address and password (a secret, in .env)' '
	mkdir -p "$HERMES_HOME" &&
	cat >"$HERMES_HOME/config" <<-EOF &&
	provider.retry_delay_ms = 10
	gateway.email.imap = $FAKE_IMAP_URL
	gateway.email.smtp = $FAKE_SMTP_URL
	gateway.email.interval = 1
	gateway.email.allow = ann@example.com
	EOF
	hermes-config set EMAIL_ADDRESS bot@example.com &&
	hermes-config set EMAIL_PASSWORD "$FAKE_IMAP_PASSWORD" &&
	grep -q "^EMAIL_PASSWORD=" "$HERMES_HOME/.env" &&
	! grep -q PASSWORD "$HERMES_HOME/config" &&
	test "$(stat -c %a "$HERMES_HOME/.env")" = 600 &&
	hermes-config list >list &&
	grep -q "^EMAIL_PASSWORD" list &&
	! grep -qF "$FAKE_IMAP_PASSWORD" list &&
	hermes-config get gateway.email.interval >iv &&
	echo 1 >want && test_cmp want iv &&
	test_expect_code 2 hermes-config set gateway.email.interval 0
'

test_expect_success 'a mail from an allowed sender: the answer goes out in its thread, the mail is seen' '
	imap_start && smtp_start &&
	cat >s.json <<-\EOT &&
	["Hi Ann, all is well."]
	EOT
	fake_llm_start openai s.json &&
	mail m1 "Ann Example <ann@example.com>" m1@example.com "hello" <<-\EOT &&
	Hi bot, how are you?
	EOT
	imap_deliver m1 &&
	gw_start &&
	wait_for sent_has "Hi Ann, all is well." &&
	wait_for unseen_is 0 &&
	gw_stop &&
	n=$(sent_n "Hi Ann, all is well.") &&
	test "$(smtp_msg "$n" "e[\"rcpt_tos\"]")" = "[\"ann@example.com\"]" &&
	test "$(smtp_msg "$n" "e[\"mail_from\"]")" = "bot@example.com" &&
	test "$(hdr "all is well" To)" = "ann@example.com" &&
	test "$(hdr "all is well" From)" = "bot@example.com" &&
	test "$(hdr "all is well" Subject)" = "Re: hello" &&
	test "$(hdr "all is well" In-Reply-To)" = "<m1@example.com>" &&
	test "$(hdr "all is well" References)" = "<m1@example.com>" &&
	hdr "all is well" Message-ID | grep -q "^<hermes\..*@example.com>$" &&
	hdr "all is well" Date | grep -q "+0000$" &&
	test "$(smtp_msg "$n" "m.get_content_type()")" = text/plain &&
	test "$(smtp_msg "$n" "b.strip()")" = "Hi Ann, all is well." &&
	test "$(imap_count seen)" = 1 &&
	fake_llm_jq 1 "bare(b[\"messages\"][-1][\"content\"])" >asked &&
	printf "Subject: hello\n\nHi bot, how are you?\n" >want &&
	test_cmp want asked &&
	test -z "$(ls "$HERMES_HOME/gateway/inbox/")"
'

test_expect_success 'a reply in the thread (multipart, quoted-printable, quoted tail): the agent sees the new text, in the same session' '
	ours=$(hdr "all is well" Message-ID) &&
	cat >s.json <<-\EOT &&
	["Nine it is."]
	EOT
	fake_llm_start openai s.json &&
	{
		printf "From: ann@example.com\nTo: bot@example.com\n" &&
		printf "Subject: Re: hello\nMessage-ID: <m2@example.com>\n" &&
		printf "In-Reply-To: %s\nReferences: <m1@example.com> %s\n" \
			"$ours" "$ours" &&
		printf "MIME-Version: 1.0\n" &&
		printf "Content-Type: multipart/alternative; boundary=\"=-b1\"\n\n" &&
		printf -- "--=-b1\nContent-Type: text/plain; charset=ISO-8859-1\n" &&
		printf "Content-Transfer-Encoding: quoted-printable\n\n" &&
		printf "Gr=FC=DFe! Shall we meet at nine o=E2clock, say at the =\n" &&
		printf "caf=E9?\n\n" &&
		printf "On Mon, 23 Nov 2026 at 10:01, bot@example.com <bot@example.com> wrote:\n" &&
		printf "> Hi Ann, all is well.\n>\n" &&
		printf -- "--=-b1\nContent-Type: text/html; charset=utf-8\n\n" &&
		printf "<p>HTML copy</p>\n--=-b1--\n"
	} >m2 &&
	imap_deliver m2 &&
	gw_start &&
	wait_for sent_has "Nine it is." &&
	gw_stop &&
	fake_llm_jq 1 "bare(b[\"messages\"][-1][\"content\"])" >asked &&
	printf "Gr\303\274\303\237e! Shall we meet at nine o\303\242clock, say at the caf\303\251?\n" >want &&
	test_cmp want asked &&
	fake_llm_jq 1 "str([m[\"content\"] for m in b[\"messages\"]])" >conv &&
	grep -q "Hi Ann, all is well." conv &&
	test "$(hdr "Nine it is." Subject)" = "Re: hello" &&
	test "$(hdr "Nine it is." In-Reply-To)" = "<m2@example.com>" &&
	test "$(hdr "Nine it is." References)" = "<m1@example.com> $ours <m2@example.com>" &&
	hermes-session list --source email >sess &&
	test_line_count = 1 sess
'

test_expect_success 'a stranger: no answer, no agent, marked seen; approved by pairing, then answered' '
	cat >s.json <<-\EOT &&
	["Welcome, Eve."]
	EOT
	fake_llm_start openai s.json &&
	before=$(smtp_count) &&
	mail m3 "Eve <eve@example.net>" m3@example.net "buy now" <<-\EOT &&
	Cheap watches.
	EOT
	imap_deliver m3 &&
	gw_start &&
	wait_for unseen_is 0 &&
	wait_for grep -q "no pairing answer to eve@example.net" \
		"$HERMES_HOME/logs/gateway.log" &&
	wait_for log_has "email: user eve@example.net is not allowed: not answered" &&
	test "$(smtp_count)" = "$before" &&
	test "$(fake_llm_requests)" = 0 &&
	hermes-gateway pair list >pairs &&
	grep -q "^pending	email	eve@example.net	" pairs &&
	code=$(grep "^pending	email" pairs | cut -f5) &&
	hermes-gateway pair approve email "$code" >who &&
	echo eve@example.net >want && test_cmp want who &&
	mail m4 "Eve <eve@example.net>" m4@example.net "hello again" <<-\EOT &&
	It is me.
	EOT
	imap_deliver m4 &&
	wait_for sent_has "Welcome, Eve." &&
	gw_stop &&
	test "$(hdr "Welcome, Eve." To)" = "eve@example.net" &&
	test "$(hdr "Welcome, Eve." Subject)" = "Re: hello again"
'

test_expect_success 'our own mail, auto-replies, bulk mail and bounces are skipped, and marked seen' '
	fake_llm_start openai s.json &&
	before=$(smtp_count) &&
	mail a1 "bot@example.com" a1@example.com "loop" <<-\EOT &&
	From ourselves.
	EOT
	mail a2 "ann@example.com" a2@example.com "Out of office" \
		"Auto-Submitted: auto-replied" <<-\EOT &&
	I am away.
	EOT
	mail a3 "ann@example.com" a3@example.com "News" "Precedence: bulk" <<-\EOT &&
	Newsletter.
	EOT
	mail a4 "Mail Delivery System <MAILER-DAEMON@example.com>" \
		a4@example.com "Undelivered Mail" <<-\EOT &&
	Bounce.
	EOT
	for f in a1 a2 a3 a4; do imap_deliver $f || exit 1; done &&
	gw_start &&
	wait_for unseen_is 0 &&
	wait_for log_has "email: mail a1@example.com from bot@example.com skipped: our own" &&
	wait_for log_has "email: mail a2@example.com from ann@example.com skipped: sent by no person (automatic)" &&
	wait_for log_has "email: mail a3@example.com from ann@example.com skipped: sent by no person (automatic)" &&
	wait_for log_has "email: mail a4@example.com from mailer-daemon@example.com skipped: sent by no person (automatic)" &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(smtp_count)" = "$before" &&
	test "$(fake_llm_requests)" = 0
'

test_expect_success 'SMTP down: the answer waits in the outbox, and goes out once, threaded, when it is back' '
	smtp_stop &&
	cat >s.json <<-\EOT &&
	["Queued answer."]
	EOT
	fake_llm_start openai s.json &&
	mail m5 "ann@example.com" m5@example.com "later" <<-\EOT &&
	Answer when you can.
	EOT
	imap_deliver m5 &&
	gw_start &&
	wait_for grep -q "email: gateway.email: smtp://" \
		"$HERMES_HOME/logs/gateway.log" &&
	wait_for gateway_outbox_has . "Queued answer." &&
	smtp_start &&
	wait_for sent_has "Queued answer." &&
	wait_for gateway_outbox_has sent "Queued answer." &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Queued answer.")" = 1 &&
	grep -lq "Queued answer." "$HERMES_HOME"/gateway/outbox/sent/*.json &&
	test "$(hdr "Queued answer." Subject)" = "Re: later" &&
	test "$(hdr "Queued answer." In-Reply-To)" = "<m5@example.com>"
'

test_expect_success 'SMTP refusing: 451 is retried until it passes, 554 is given up and logged' '
	cat >s.json <<-\EOT &&
	["After the 451.", "Never sent."]
	EOT
	fake_llm_start openai s.json &&
	smtp_fail 451 &&
	mail m6 "ann@example.com" m6@example.com "retry" <<-\EOT &&
	One.
	EOT
	imap_deliver m6 &&
	gw_start &&
	wait_for grep -q "refused for now (451)" "$HERMES_HOME/logs/gateway.log" &&
	smtp_fail "" &&
	wait_for sent_has "After the 451." &&
	smtp_fail 554 &&
	mail m7 "ann@example.com" m7@example.com "refused" <<-\EOT &&
	Two.
	EOT
	imap_deliver m7 &&
	wait_for grep -q "the answer was refused (.*refused (554).*); it is kept as outbox/failed/" \
		"$HERMES_HOME/logs/gateway.log" &&
	wait_for gateway_settled &&
	gw_stop &&
	smtp_fail "" &&
	test "$(sent_count "After the 451.")" = 1 &&
	test "$(sent_count "Never sent.")" = 0 &&
	! grep -lq "Never sent." "$HERMES_HOME"/gateway/outbox/*.json &&
	grep -lq "Never sent." "$HERMES_HOME"/gateway/outbox/failed/*.json
'

test_expect_success 'IMAP down at the start: the gateway keeps going and takes the mail once it is up' '
	imap_stop &&
	cat >s.json <<-\EOT &&
	["Got it late."]
	EOT
	fake_llm_start openai s.json &&
	mail m8 "ann@example.com" m8@example.com "early" <<-\EOT &&
	Sent while the server was down.
	EOT
	imap_deliver m8 &&
	gw_start &&
	wait_for grep -q "email: gateway.email: imap://127.0.0.1:$FAKE_IMAP_PORT: .*next poll" \
		"$HERMES_HOME/logs/gateway.log" &&
	kill -0 "$(cat gw.pid)" &&
	imap_start &&
	wait_for sent_has "Got it late." &&
	gw_stop &&
	unseen_is 0
'

test_expect_success 'a gateway killed after keeping a mail, before it was marked seen, answers it once' '
	cat >s.json <<-\EOT &&
	[{"text": "too late", "delay": 30}, "Answered once."]
	EOT
	fake_llm_start openai s.json &&
	mail m9 "ann@example.com" m9@example.com "crash" <<-\EOT &&
	Survive this.
	EOT
	imap_deliver m9 &&
	gw_start &&
	wait_for llm_asked 1 &&
	test -n "$(ls "$HERMES_HOME/gateway/inbox/")" &&
	kids=$(ps -o pid= --ppid "$(cat gw.pid)") &&
	kill -9 "$(cat gw.pid)" && { wait "$(cat gw.pid)" 2>/dev/null; :; } &&
	for k in $kids; do kill -9 -- "-$k" 2>/dev/null || kill -9 "$k"; done &&
	uid=$(imap_uid "<m9@example.com>") && test -n "$uid" &&
	imap_unsee "$uid" && unseen_is 1 &&
	gw_start &&
	wait_for sent_has "Answered once." &&
	wait_for unseen_is 0 &&
	wait_for log_has "m9@example.com is in the inbox already" &&
	wait_for gateway_settled &&
	gw_stop &&
	test "$(sent_count "Answered once.")" = 1 &&
	test "$(sent_count "too late")" = 0
'

test_expect_success 'send: a new mail to any address; queued when SMTP is down' '
	hermes-gateway send email:X@Example.com "hi there" &&
	n=$(sent_n "hi there") && test "$n" != 0 &&
	test "$(hdr "hi there" Subject)" = "Message from Hermes" &&
	test "$(hdr "hi there" To)" = "x@example.com" &&
	test "$(hdr "hi there" In-Reply-To)" = None &&
	test "$(smtp_msg "$n" "e[\"rcpt_tos\"]")" = "[\"x@example.com\"]" &&
	printf "gr\303\274\303\237e\n" | hermes-gateway send email:x@example.com &&
	test "$(smtp_msg "$(smtp_count)" "b.strip()")" = "gr$(printf "\303\274\303\237")e" &&
	test_expect_code 1 hermes-gateway send email:nobody "hi" 2>err &&
	grep -q "not an email address" err &&
	smtp_stop &&
	hermes-gateway send email:x@example.com "later" 2>err &&
	grep -q "queued in the outbox" err
'

test_expect_success 'a wrong password is refused, said in the log, and never written anywhere' '
	EMAIL_PASSWORD=wrong-PW-4711 hermes-gateway run --platform email \
		2>>gw.err &
	echo $! >gw.pid &&
	test_when_finished "kill $! 2>/dev/null; :" &&
	wait_for grep -q "login was denied" "$HERMES_HOME/logs/gateway.log" &&
	gw_stop &&
	! grep -rqF "wrong-PW-4711" "$HERMES_HOME/logs" "$HERMES_HOME/gateway" gw.err &&
	! grep -rqF "$FAKE_IMAP_PASSWORD" "$HERMES_HOME/logs" "$HERMES_HOME/gateway" gw.err &&
	test_expect_code 1 env -u EMAIL_ADDRESS HERMES_HOME="$TEST_TMP/empty" \
		hermes-gateway run --platform email 2>err &&
	grep -q "EMAIL_ADDRESS" err
'

imap_stop
smtp_stop
test_done
