#!/bin/sh
test_description='hermes-ask for pipelines: -x, --schema, --dry-run, --no-stream'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config"
'

test_expect_success '-x prints only the first fenced code block' '
	cat >s.json <<-\EOT &&
	[{"text": "Here you go:\n\n```sh\nfind . -name \"*.c\" | wc -l\n```\n\nand another:\n```\nnope\n```\n"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -x count c files >out &&
	echo "find . -name \"*.c\" | wc -l" >want &&
	test_cmp want out
'

test_expect_success '-x with no code block: exit 1' '
	echo "[\"no code here\"]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask -x hi >out 2>err &&
	test_line_count = 0 out && grep -q "no fenced code block" err
'

cat >schema.json <<'EOF2'
{"type": "object", "required": ["name", "tags"], "additionalProperties": false,
 "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}}
EOF2

test_expect_success '--schema: a valid answer is printed, the schema is sent' '
	echo "[{\"text\": \"{\\\"name\\\": \\\"hermes\\\", \\\"tags\\\": [\\\"c\\\"]}\"}]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --schema @schema.json describe >out &&
	python3 -c "import json; assert json.load(open(\"out\"))[\"name\"] == \"hermes\"" &&
	test "$(fake_llm_jq 1 "b[\"response_format\"][\"type\"]")" = json_schema
'

test_expect_success '--schema: an invalid answer gets one retry with the reason' '
	cat >s.json <<-\EOT &&
	[{"text": "{\"name\": 7}"}, {"text": "```json\n{\"name\": \"fixed\", \"tags\": []}\n```"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask --schema @schema.json describe >out &&
	grep -q fixed out &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >retry &&
	grep -q "does not validate" retry && grep -q "missing required" retry
'

test_expect_success '--schema: still invalid after the retry: exit 1' '
	echo "[\"not json\", \"{\\\"name\\\": \\\"x\\\", \\\"tags\\\": [1]}\"]" >s.json &&
	fake_llm_start openai s.json &&
	test_expect_code 1 hermes-ask --schema @schema.json describe >out 2>err &&
	grep -q "\$.tags\[0\]: expected string" err
'

test_expect_success '--schema that is not JSON: exit 2' '
	test_expect_code 2 hermes-ask --schema "{nope" hi 2>err &&
	grep -q "schema" err
'

test_expect_success '--dry-run prints the request and sends nothing' '
	echo "[\"unused\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-session list >before &&
	hermes-ask --dry-run what is up >out 2>err &&
	test "$(fake_llm_requests)" = 0 &&
	python3 -c "
import json; b = json.load(open(\"out\"))
assert b[\"messages\"][-1][\"content\"].startswith(\"what is up\n\n[Context: \"), b
assert b[\"messages\"][0][\"role\"] == \"system\"
" &&
	grep -q "bytes, ~[0-9]* tokens" err &&
	! grep -q FAKEKEY out err &&
	hermes-session list >after && test_cmp before after
'

test_expect_success '--dry-run works without any key' '
	(
		unset HERMES_API_KEY HERMES_BASE_URL HERMES_PROVIDER
		hermes-ask --dry-run hi >out 2>err
	) &&
	grep -q openrouter.ai err
'

test_expect_success '--no-stream asks for one piece and prints it' '
	echo "[\"whole answer\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask --no-stream hi >out &&
	echo "whole answer" >want && test_cmp want out &&
	test "$(fake_llm_jq 1 "b.get(\"stream\", False)")" = false
'

test_expect_success '--no-stream tool calls work too' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "memory", "arguments": {"action": "add", "target": "memory", "content": "unstreamed"}}]}, {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q --no-stream hi >out &&
	grep -q unstreamed "$HERMES_HOME/memories/MEMORY.md"
'

test_done
