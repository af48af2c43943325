#!/bin/sh
test_description='hermes-config: precedence, secrets, formats, errors'
. "${0%/*}/lib.sh"

C="$HERMES_HOME/config"
E="$HERMES_HOME/.env"

test_expect_success 'set writes key = value to config' '
	hermes-config set model "anthropic/claude-x" &&
	grep -q "^model = anthropic/claude-x$" "$C"
'

test_expect_success 'get prints the value in effect' '
	hermes-config get model >out &&
	echo anthropic/claude-x >want && test_cmp want out
'

test_expect_success 'precedence: environment > .env > config > default' '
	hermes-config get provider >out && echo openrouter >want &&
	test_cmp want out &&
	hermes-config set provider openai &&
	hermes-config get provider >out && echo openai >want &&
	test_cmp want out &&
	echo "HERMES_PROVIDER=anthropic" >>"$E" &&
	hermes-config get provider >out && echo anthropic >want &&
	test_cmp want out &&
	HERMES_PROVIDER=nous hermes-config get provider >out &&
	echo nous >want && test_cmp want out &&
	HERMES_PROVIDER=nous hermes-config get --json provider >out &&
	grep -q "\"origin\":\"env\"" out
'

test_expect_success 'a secret goes to .env (0600), never to config' '
	hermes-config set OPENROUTER_API_KEY sk-or-v1-abcdefghijklmnop &&
	test "$(stat -c %a "$E")" = 600 &&
	grep -q "^OPENROUTER_API_KEY=sk-or-v1-abcdefghijklmnop$" "$E" &&
	! grep -q abcdefghijklmnop "$C"
'

test_expect_success 'secrets are masked by list and get' '
	hermes-config list >out &&
	grep -q "^OPENROUTER_API_KEY	\*\*\*\*mnop	.env$" out &&
	! grep -q abcdefghij out &&
	hermes-config get OPENROUTER_API_KEY >out &&
	! grep -q abcdefghij out &&
	hermes-config list --json >out &&
	! grep -q abcdefghij out
'

test_expect_success 'set KEY - reads the value from stdin' '
	echo "123456:telegram-secret-token" | hermes-config set TELEGRAM_BOT_TOKEN - &&
	grep -q "^TELEGRAM_BOT_TOKEN=123456:telegram-secret-token$" "$E"
'

test_expect_success 'list shows key, value and origin of what is set' '
	hermes-config list >out &&
	grep -q "^model	anthropic/claude-x	config$" out &&
	! grep -q "^agent.max_turns" out &&
	hermes-config list --all >out &&
	grep -q "^agent.max_turns	20	default$" out &&
	grep -q "^terminal.ssh.host		unset$" out
'

test_expect_success 'values keep edge spaces, quotes and newlines' '
	hermes-config set gateway.webhook.url "  spaced \"q\" \\ back
line2" &&
	hermes-config get gateway.webhook.url >out &&
	printf "  spaced \"q\" \\\\ back\nline2\n" >want &&
	test_cmp want out
'

test_expect_success '.env values with spaces and quotes round-trip' '
	hermes-config set EMAIL_ADDRESS "me and you@example.org" &&
	hermes-config set SIGNAL_ACCOUNT "it'"'"'s +1 555" &&
	hermes-config get EMAIL_ADDRESS >out &&
	echo "me and you@example.org" >want && test_cmp want out &&
	hermes-config get SIGNAL_ACCOUNT >out &&
	echo "it'"'"'s +1 555" >want && test_cmp want out
'

test_expect_success 'a set keeps comments, order and unknown keys' '
	cat >"$C" <<-\EOT &&
	# my settings
	model = a

	future.key = kept
	model = b
	EOT
	hermes-config set model c &&
	cat >want <<-\EOT &&
	# my settings
	model = c

	future.key = kept
	EOT
	test_cmp want "$C"
'

test_expect_success 'get of an unknown key that the file holds works' '
	hermes-config get future.key >out && echo kept >want &&
	test_cmp want out
'

test_expect_success 'unset removes; unset of an unset key exits 1' '
	hermes-config unset model &&
	! grep -q "^model" "$C" &&
	test_expect_code 1 hermes-config unset model 2>err &&
	test_one_line err
'

test_expect_success 'get of an unset key prints nothing and exits 1' '
	test_expect_code 1 hermes-config get terminal.ssh.host >out &&
	test_line_count = 0 out &&
	test_expect_code 1 hermes-config get --show-origin terminal.ssh.host \
		>out &&
	test_line_count = 0 out
'

test_expect_success 'an unknown key: one line, exit 2' '
	test_expect_code 2 hermes-config set no.such.key 1 2>err &&
	head -n 1 err | grep -q "unknown key .no.such.key." &&
	test_expect_code 2 hermes-config get no.such.key 2>err
'

test_expect_success 'a bad value: exit 2, nothing written' '
	cp "$C" before &&
	test_expect_code 2 hermes-config set agent.max_turns many 2>err &&
	test_one_line err && grep -q "expected an integer" err &&
	test_expect_code 2 hermes-config set provider acme 2>err &&
	grep -q "expected one of" err &&
	test_cmp before "$C"
'

test_expect_success 'a broken config line: exit 1 naming file and line' '
	cp "$C" saved &&
	printf "model = x\n= nokey\n" >"$C" &&
	test_expect_code 1 hermes-config list 2>err &&
	test_one_line err && grep -q "config:2: invalid key" err &&
	cp saved "$C"
'

test_expect_success 'an unterminated quote in .env: exit 1 naming the line' '
	cp "$E" saved &&
	echo "BROKEN=\"oops" >>"$E" &&
	test_expect_code 1 hermes-config get model 2>err &&
	test_one_line err && grep -q ".env:[0-9]*: unterminated" err &&
	cp saved "$E"
'

test_expect_success 'dotenv syntax: export, quotes, comments' '
	cat >>"$E" <<-\EOT &&
	# a comment
	export HERMES_MODEL=from-dotenv # trailing comment
	SINGLE='"'"'a "b" #c'"'"'
	EOT
	hermes-config get model >out && echo from-dotenv >want &&
	test_cmp want out &&
	hermes-config get SINGLE >out && echo "a \"b\" #c" >want &&
	test_cmp want out
'

test_expect_success 'model prints and sets the model' '
	hermes-config model some/model &&
	HERMES_MODEL= hermes-config model >out 2>err;
	grep -q "^model = some/model$" "$C"
'

test_expect_success 'path prints the state directory and files in it' '
	hermes-config path >out && echo "$HERMES_HOME" >want &&
	test_cmp want out &&
	HERMES_PROFILE=w hermes-config path memories/USER.md >out &&
	echo "$HERMES_HOME/profiles/w/memories/USER.md" >want &&
	test_cmp want out
'

test_expect_success '16 concurrent sets all land' '
	for i in $(seq 1 16); do
		hermes-config set "CONC_$i" "v$i" &
	done &&
	wait &&
	for i in $(seq 1 16); do
		grep -q "^CONC_$i=v$i$" "$E" || exit 1
	done
'

# A fresh home for the effective values: nothing set but what each test
# sets itself.
fresh() {
	HERMES_HOME="$TEST_TMP/fresh" && export HERMES_HOME &&
	rm -rf "$HERMES_HOME" && mkdir "$HERMES_HOME" &&
	unset HERMES_MODEL HERMES_PROVIDER HERMES_BASE_URL
}

test_expect_success 'get shows the default hermes-ask uses, and why' '
	fresh &&
	hermes-config get model >out &&
	echo anthropic/claude-sonnet-4.5 >want && test_cmp want out &&
	hermes-config model >out && test_cmp want out &&
	hermes-config get --show-origin model >out &&
	printf "anthropic/claude-sonnet-4.5\tdefault (provider openrouter)\n" \
		>want && test_cmp want out &&
	hermes-config get --show-origin base_url >out &&
	printf "https://openrouter.ai/api/v1\tdefault (provider openrouter)\n" \
		>want && test_cmp want out &&
	hermes-config get --show-origin approvals.mode >out &&
	printf "ask\tdefault\n" >want && test_cmp want out &&
	hermes-config --json get model >out &&
	grep -q "\"origin\":\"default\",\"where\":\"provider openrouter\"" out
'

test_expect_success 'the defaults follow the provider and the model' '
	fresh &&
	printf "# comment\nprovider = openai\n" >"$HERMES_HOME/config" &&
	hermes-config get --show-origin provider >out &&
	printf "openai\tconfig %s:2\n" "$HERMES_HOME/config" >want &&
	test_cmp want out &&
	hermes-config get --show-origin model >out &&
	printf "gpt-4.1\tdefault (provider openai)\n" >want &&
	test_cmp want out &&
	hermes-config get --show-origin model.context >out &&
	printf "1000000\tdefault (model gpt-4.1)\n" >want &&
	test_cmp want out &&
	HERMES_MODEL=o3 hermes-config get --show-origin model >out &&
	printf "o3\tenv HERMES_MODEL\n" >want && test_cmp want out &&
	HERMES_MODEL=o3 hermes-config get --show-origin goals.judge_model \
		>out &&
	printf "o3\tdefault (the model)\n" >want && test_cmp want out &&
	echo "HERMES_MODEL=gpt-5" >"$HERMES_HOME/.env" &&
	hermes-config --json get model >out &&
	grep -q "\"where\":\"$HERMES_HOME/.env:1\"" out &&
	hermes-config get model.context >out &&
	echo 400000 >want && test_cmp want out
'

test_expect_success 'a base URL alone means provider custom, with no model' '
	fresh &&
	HERMES_BASE_URL=http://127.0.0.1:9/v1 \
		hermes-config get --show-origin provider >out &&
	printf "custom\tdefault (base_url is set)\n" >want &&
	test_cmp want out &&
	(
		HERMES_BASE_URL=http://127.0.0.1:9/v1 && export HERMES_BASE_URL &&
		test_expect_code 1 hermes-config get model >out &&
		test_line_count = 0 out &&
		test_expect_code 1 hermes-config model 2>err &&
		grep -q "provider .custom. has no default" err
	) &&
	echo "model =" >"$HERMES_HOME/config" &&
	hermes-config get --show-origin model >out &&
	printf "anthropic/claude-sonnet-4.5\tdefault (provider openrouter)\n" \
		>want && test_cmp want out
'

test_expect_success 'list --all shows effective values; --show-origin where' '
	fresh &&
	echo "provider = anthropic" >"$HERMES_HOME/config" &&
	hermes-config list >out &&
	printf "provider\tanthropic\tconfig\n" >want && test_cmp want out &&
	hermes-config list --all >out &&
	grep -q "^model	claude-sonnet-4-5	default$" out &&
	grep -q "^base_url	https://api.anthropic.com	default$" out &&
	hermes-config list --all --show-origin >out &&
	grep -q "^model	claude-sonnet-4-5	default (provider anthropic)$" out &&
	grep -q "^provider	anthropic	config $HERMES_HOME/config:1$" out &&
	grep -q "^agent.max_turns	20	default$" out
'

test_expect_success 'a secret stays masked with --show-origin' '
	fresh &&
	hermes-config set OPENAI_API_KEY sk-proj-abcdefghijklmnop &&
	hermes-config get --show-origin OPENAI_API_KEY >out &&
	printf "****mnop\t.env %s:1\n" "$HERMES_HOME/.env" >want &&
	test_cmp want out &&
	OPENAI_API_KEY=sk-proj-abcdefghijklmnop \
		hermes-config list --show-origin >out &&
	grep -q "^OPENAI_API_KEY	\*\*\*\*mnop	env OPENAI_API_KEY$" out &&
	! grep -q abcdefghij out
'

# What hermes-ask would send (--dry-run) against what get says.
agrees() {
	hermes-ask --dry-run hi >body 2>err &&
	hermes-config get model >model &&
	hermes-config get base_url >url &&
	"$FAKE_PYTHON" -c "import json,sys; print(json.load(open(\"body\"))[\"model\"])" \
		>sent &&
	test_cmp model sent &&
	grep -q "POST $(cat url)/" err
}
FAKE_PYTHON=$(command -v python3)

test_expect_success 'hermes-ask uses what hermes-config get shows' '
	fresh &&
	agrees &&
	hermes-config set provider openai && agrees &&
	hermes-config set provider anthropic && agrees &&
	hermes-config set base_url http://127.0.0.1:9 && agrees &&
	hermes-config unset base_url && hermes-config unset provider &&
	(
		HERMES_PROVIDER=nous HERMES_MODEL=hermes-4 &&
		export HERMES_PROVIDER HERMES_MODEL && agrees
	) &&
	hermes-config model gpt-5 && agrees
'

test_done
