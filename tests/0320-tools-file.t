#!/bin/sh
test_description='file tools through the model: read_file, write_file, patch, search_files, roots'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

# The tool results the model got back in request N, one per line.
results() {
	fake_llm_jq "$1" '"\n".join(m["content"] for m in b["messages"] if m["role"] == "tool")'
}

test_expect_success 'setup' '
	mkdir -p "$HERMES_HOME" &&
	echo "provider.retry_delay_ms = 10" >"$HERMES_HOME/config" &&
	echo "HERMES_SECRET_TOKEN=s3cr3t" >"$HERMES_HOME/.env"
'

test_expect_success 'the file tools are offered with short schemas' '
	echo "[\"hi\"]" >s.json &&
	fake_llm_start openai s.json &&
	hermes-ask -q -t file hello >/dev/null &&
	test "$(fake_llm_jq 1 "\",\".join(t[\"function\"][\"name\"] for t in b[\"tools\"])")" = \
		"read_file,write_file,patch,search_files" &&
	test "$(fake_llm_jq 1 "len(json.dumps(b[\"tools\"]))")" -lt 2000
'

test_expect_success 'write_file creates the file and reports bytes and lines' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "write_file", "arguments": {"path": "notes/a.txt", "content": "hello\nworld\nhello again\n"}}]},
	 {"text": "Written."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q write it >out &&
	printf "hello\nworld\nhello again\n" >want &&
	test_cmp want notes/a.txt &&
	test "$(results 2)" = "wrote 24 bytes, 3 lines to '\''notes/a.txt'\''"
'

test_expect_success 'read_file returns numbered lines, offset and limit' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "read_file", "arguments": {"path": "notes/a.txt"}},
	   {"name": "read_file", "arguments": {"path": "notes/a.txt", "offset": 2, "limit": 1}}]},
	 {"text": "Read."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q read it >/dev/null &&
	results 2 >got &&
	printf "    1\thello\n    2\tworld\n    3\thello again\n    2\tworld\n[1 more line: read on with offset=3]\n" >want &&
	test_cmp want got
'

test_expect_success 'read_file refuses a binary file' '
	printf "ELF\000\001\002" >bin.dat &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "read_file", "arguments": {"path": "bin.dat"}}]},
	 {"text": "Binary."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q read it >/dev/null &&
	results 2 | grep -q "^error: .bin.dat. is a binary file"
'

test_expect_success 'patch replaces a unique string and refuses an ambiguous one' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "patch", "arguments": {"path": "notes/a.txt", "old_string": "world", "new_string": "there"}},
	   {"name": "patch", "arguments": {"path": "notes/a.txt", "old_string": "hello", "new_string": "bye"}},
	   {"name": "patch", "arguments": {"path": "notes/a.txt", "old_string": "absent", "new_string": "x"}}]},
	 {"text": "Patched."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q patch it >/dev/null &&
	printf "hello\nthere\nhello again\n" >want &&
	test_cmp want notes/a.txt &&
	results 2 >got &&
	grep -q "^replaced 1 occurrence in .notes/a.txt. (first at line 2)$" got &&
	grep -q "^error: old_string found 2 times in .notes/a.txt.: add context or set replace_all$" got &&
	grep -q "^error: old_string not found in .notes/a.txt.$" got
'

test_expect_success 'patch with replace_all, then a unified diff' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "patch", "arguments": {"path": "notes/a.txt", "old_string": "hello", "new_string": "hi", "replace_all": true}}]},
	 {"tool_calls": [{"name": "patch", "arguments": {"path": "notes/a.txt", "patch": "--- a/notes/a.txt\n+++ b/notes/a.txt\n@@ -1,3 +1,3 @@\n hi\n-there\n+everyone\n hi again\n"}}]},
	 {"text": "Done."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q patch it >/dev/null &&
	printf "hi\neveryone\nhi again\n" >want &&
	test_cmp want notes/a.txt &&
	results 2 | grep -q "^replaced 2 occurrences" &&
	test "$(fake_llm_jq 3 "b[\"messages\"][-1][\"content\"]")" = \
		"patched '\''notes/a.txt'\'': 1 hunk, +1 -1 lines"
'

test_expect_success 'a diff whose context does not match changes nothing' '
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "patch", "arguments": {"path": "notes/a.txt", "patch": "@@ -1,2 +1,2 @@\n hi\n-nobody\n+somebody\n"}}]},
	 {"text": "Failed."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q patch it >/dev/null &&
	test_cmp want notes/a.txt &&
	results 2 | grep -q "^error: hunk 1 does not apply: line 2 is .everyone., the patch expects .nobody."
'

test_expect_success 'search_files finds content and names' '
	mkdir -p src/lib src/.git &&
	printf "int main(void)\n{\n\treturn everyone();\n}\n" >src/main.c &&
	printf "int everyone(void);\n" >src/lib/e.h &&
	echo everyone >src/.git/HEAD &&
	printf "everyone\000\n" >src/lib/e.o &&
	cat >s.json <<-\EOT &&
	[{"tool_calls": [{"name": "search_files", "arguments": {"pattern": "every(one|body)", "path": "src"}},
	   {"name": "search_files", "arguments": {"pattern": "*.[ch]", "target": "files", "path": "src"}}]},
	 {"text": "Found."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q find it >/dev/null &&
	results 2 >got &&
	printf "src/lib/e.h:1:int everyone(void);\nsrc/main.c:3:\treturn everyone();\nsrc/lib/e.h\nsrc/main.c\n" >want &&
	test_cmp want got
'

test_expect_success 'search_files gives the same answer without rg' '
	fake_llm_start openai s.json &&
	mkdir -p nobin &&
	ln -s "$(command -v hermes-ask)" nobin/hermes-ask &&
	PATH="$PWD/nobin" hermes-ask -q find it >/dev/null &&
	results 2 >got.walk &&
	test_cmp want got.walk
'

test_expect_success 'paths outside the roots, .env and hermes state are refused' '
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "read_file", "arguments": {"path": "/etc/passwd"}},
	   {"name": "write_file", "arguments": {"path": "../escape.txt", "content": "x"}},
	   {"name": "read_file", "arguments": {"path": "$HERMES_HOME/.env"}},
	   {"name": "patch", "arguments": {"path": "$HERMES_HOME/config", "old_string": "10", "new_string": "11"}},
	   {"name": "search_files", "arguments": {"pattern": "s3cr3t", "path": "/"}}]},
	 {"text": "Refused."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q try >/dev/null &&
	results 2 >got &&
	test_line_count = 5 got &&
	grep -q "^error: path ./etc/passwd. is outside the allowed roots (" got &&
	grep -q "^error: path .\.\./escape.txt. is outside the allowed roots" got &&
	grep -q "^error: path .*/\.env. is the secrets file" got &&
	grep -q "^error: path .*/config. is hermes state" got &&
	grep -q "^error: path ./. is outside the allowed roots" got &&
	! test -e ../escape.txt &&
	grep -q "retry_delay_ms = 10" "$HERMES_HOME/config" &&
	! grep -q s3cr3t got
'

test_expect_success 'tools.roots widens the roots; worktrees are allowed' '
	mkdir -p "$HERMES_HOME/worktrees/w1" other &&
	echo "tools.roots = $PWD/other:$HERMES_HOME/worktrees" >>"$HERMES_HOME/config" &&
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "write_file", "arguments": {"path": "$PWD/other/o.txt", "content": "o\n"}},
	   {"name": "write_file", "arguments": {"path": "$HERMES_HOME/worktrees/w1/f.txt", "content": "w\n"}},
	   {"name": "read_file", "arguments": {"path": "notes/a.txt"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q try >/dev/null &&
	results 2 >got &&
	echo o >want && test_cmp want other/o.txt &&
	echo w >want && test_cmp want "$HERMES_HOME/worktrees/w1/f.txt" &&
	grep -q "^error: path .notes/a.txt. is outside the allowed roots" got
'

test_done
